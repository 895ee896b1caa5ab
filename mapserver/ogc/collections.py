"""The collections served through OGC API Features and their properties.

Each collection is a read-only view of the registry: SQL fragments here are constants written by
us (never built from a request); values from requests always travel as parameters.

* ``relics``: published relics (sites), point or no geometry yet ("location not yet surveyed");
* ``protection_zones``: protection zones I and II of published relics (multipolygons);
* ``intangible_places``: where the national intangible heritage elements take place; they have no
  geometry of their own, so the linked relic's point is used (or null);
* ``survey_points``: GNSS survey points, only for signed-in users (surveyor role and above).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from psycopg import sql

from ..records.publication import PUBLIC_SITES, PUBLIC_ZONES
from ..vocabulary import CATEGORIES, LOCATION_STATUSES, RANKS, ROLES

# A unit's name as relic lists write it: "Huyện Châu Đức" is "Châu Đức".
UNIT_NAME = "regexp_replace(a.name_vi, '^(Thành phố|Thị xã|Huyện|Tỉnh) ', '')"
# The ids of the units that the given texts name: id, name with or without its prefix, English
# name; folded (case, diacritics, đ). admin_units is a dozen rows, read once per statement.
UNIT_IDS_NAMED = (
    "SELECT a.id FROM admin_units a JOIN unnest({values}::text[]) AS v(x) ON a.id = v.x "
    f"OR heritage_fold(a.name_vi) = heritage_fold(v.x) OR heritage_fold({UNIT_NAME}) = heritage_fold(v.x) "
    "OR heritage_fold(coalesce(a.name_en, '')) = heritage_fold(v.x)"
)


@dataclass(frozen=True)
class Property:
    """One feature property: the SQL expression computing it and its JSON Schema type."""

    name: str
    sql: str
    type: str  # JSON Schema type: string, number, integer, boolean, array
    title: str
    format: str | None = None  # "date" or "date-time" for temporal strings
    description: str | None = None
    enum: tuple[str, ...] | None = None
    output: bool = True  # part of the feature's properties (False: filter only)
    # An array property holds identifiers; filters test membership ("districts = 'vung-tau'").
    items_type: str | None = None
    # Arrays only: the stored id array that filters test (a GIN-indexed column; defaults to
    # ``sql``) and, when the values shown are names, the SQL naming the ids that a list of given
    # texts ({values}, a text[] parameter) designates (see ogc.cql_arrays).
    array_sql: str | None = None
    resolve_sql: str | None = None
    # SQL listing the allowed values when they are data, not vocabulary (queryables' enum).
    enum_sql: str | None = None

    @property
    def kind(self) -> str:
        """The comparison family used by filters: string, number, boolean, date, date-time, array."""
        if self.type == "array":
            return "array"
        if self.format in ("date", "date-time"):
            return self.format
        if self.type in ("number", "integer"):
            return "number"
        return self.type

    def schema(self, enum: list[str] | None = None) -> dict:
        """The JSON Schema; ``enum``: the values of ``enum_sql`` when the caller has read them."""
        out: dict = {"title": self.title, "type": self.type}
        if self.format:
            out["format"] = self.format
        if self.description:
            out["description"] = self.description
        values = list(enum if enum is not None else self.enum or ())
        if self.items_type:
            out["items"] = {"type": self.items_type, **({"enum": values} if values else {})}
        elif values:
            out["enum"] = values
        return out


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    from_sql: str  # FROM clause; the feature row alias is free to choose
    where_sql: str  # condition every feature satisfies (e.g. published only)
    id_sql: str
    id_type: str  # "string" or "integer"
    geom_sql: str  # geometry(…, 4326) expression, may be NULL for a feature
    geometry_type: str  # GeoJSON type of the non-null geometries
    properties: tuple[Property, ...]
    temporal: str | None = None  # property used by the datetime parameter
    role: str | None = None  # minimum role to see the collection; None: public
    keywords: tuple[str, ...] = field(default=())
    # A composite key: the id is its integer parts joined by "-" (e.g. batch-row "12-3"); the
    # parts are what single-feature lookups and the default order use (so indexes serve them).
    id_parts: tuple[str, ...] = field(default=())
    # The column naming who uploaded a feature: users who see only their own (surveyors) get the
    # collection narrowed to it (see ``narrowed``).
    owner_sql: str | None = None

    @property
    def order_sql(self) -> str:
        return ", ".join(self.id_parts) if self.id_parts else self.id_sql

    def key(self, feature_id: str) -> list[tuple[str, str | int]] | None:
        """(column SQL, value) pairs identifying one feature, or None if the id cannot exist."""
        if self.id_parts:
            parts = feature_id.split("-")
            if len(parts) != len(self.id_parts) or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
                return None
            return [(column, int(p)) for column, p in zip(self.id_parts, parts)]
        if self.id_type == "integer":
            if not (feature_id.isascii() and feature_id.isdigit()) or len(feature_id) > 18:
                return None
            return [(self.id_sql, int(feature_id))]
        return [(self.id_sql, feature_id)]

    def prop(self, name: str) -> Property | None:
        for p in self.properties:
            if p.name == name:
                return p
        return None

    @property
    def output_properties(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.output)

    @property
    def geometry_format(self) -> str:
        return "geometry-" + self.geometry_type.lower()


RELICS = Collection(
    id="relics",
    title="Di tích đã công bố · Published relics",
    description="Di tích lịch sử – văn hóa, danh lam thắng cảnh của tỉnh Bà Rịa–Vũng Tàu (cũ): xếp hạng, "
    "quyết định, vị trí (nếu đã biết). Relics of the former Bà Rịa–Vũng Tàu province with "
    "rank, ranking decision and position where known; relics without a known position "
    "have a null geometry (location not yet surveyed).",
    from_sql=f"{PUBLIC_SITES} s",
    where_sql="TRUE",
    id_sql="s.id",
    id_type="string",
    geom_sql="s.geom",
    geometry_type="Point",
    temporal="decision_date",
    keywords=("di tích", "relic", "heritage", "Bà Rịa–Vũng Tàu"),
    properties=(
        Property("name_vi", "s.name_vi", "string", "Tên di tích (tiếng Việt)"),
        Property("name_en", "s.name_en", "string", "Name (English)"),
        Property("rank", "s.rank", "string", "Xếp hạng · Rank", enum=RANKS),
        Property("category", "s.category", "string", "Loại hình · Category", enum=CATEGORIES),
        Property("decision_no", "s.decision_no", "string", "Số quyết định xếp hạng · Ranking decision"),
        Property("decision_date", "s.decision_date", "string", "Ngày quyết định · Decision date", format="date"),
        Property("decision_issuer", "s.decision_issuer", "string", "Cơ quan quyết định · Issuer"),
        Property(
            "districts",
            "s.admin_unit_ids",
            "array",
            "Đơn vị hành chính · Administrative units",
            description="ids of the administrative units (districts are historical since "
            "2025-07-01); a filter 'districts = id' tests membership",
            items_type="string",
        ),
        Property(
            "district",
            f"ARRAY(SELECT {UNIT_NAME} FROM admin_units a WHERE a.id = ANY(s.admin_unit_ids) ORDER BY a.id)",
            "array",
            "Huyện / thành phố (cũ) · District (former)",
            description="names of the relic's administrative units, the districts abolished on 2025-07-01 "
            "included (as in 'Châu Đức'); a filter 'district = ...' tests membership and also takes the full "
            "name ('Huyện Châu Đức'), the English name or the id ('chau-duc'), without regard to case or "
            "diacritics; A_CONTAINS, A_OVERLAPS, A_CONTAINEDBY and A_EQUALS take a list of them",
            items_type="string",
            array_sql="s.admin_unit_ids",
            resolve_sql=UNIT_IDS_NAMED,
            enum_sql=f"SELECT DISTINCT {UNIT_NAME} FROM admin_units a ORDER BY 1",
        ),
        Property("address_vi", "s.address_vi", "string", "Địa chỉ · Address"),
        Property(
            "location_status",
            "s.location_status",
            "string",
            "Trạng thái vị trí · Location status",
            enum=LOCATION_STATUSES,
        ),
        Property("location_source", "s.location_source", "string", "Nguồn tọa độ · Position source"),
        Property("location_accuracy_m", "s.location_accuracy_m", "number", "Độ chính xác (m) · Accuracy (m)"),
        Property("updated_at", "s.updated_at", "string", "Cập nhật · Updated", format="date-time"),
        Property(
            "search_text",
            "s.search_text",
            "string",
            "Tìm kiếm · Search text",
            description="name and id in lower case without diacritics; LIKE patterns on it "
            "are folded the same way ('%bach dinh%' finds Bạch Dinh)",
            output=False,
        ),
    ),
)

PROTECTION_ZONES = Collection(
    id="protection_zones",
    title="Khu vực bảo vệ di tích · Relic protection zones",
    description="Khu vực bảo vệ I và II của các di tích đã công bố. Protection zones I and II of "
    "published relics (Law on Cultural Heritage), as multipolygons; zones of relics whose location is "
    "sensitive are not shown (they would reveal it).",
    from_sql=PUBLIC_ZONES,
    where_sql="TRUE",
    id_sql="z.id",
    id_type="integer",
    geom_sql="z.geom",
    geometry_type="MultiPolygon",
    keywords=("khu vực bảo vệ", "protection zone"),
    properties=(
        Property("site_id", "z.site_id", "string", "Mã di tích · Relic id"),
        Property("site_name_vi", "s.name_vi", "string", "Tên di tích · Relic name"),
        Property("zone", "z.zone", "string", "Khu vực · Zone", enum=("I", "II")),
        Property("decision_no", "z.decision_no", "string", "Quyết định · Decision"),
        Property("source", "z.source", "string", "Nguồn · Source"),
        Property(
            "area_m2",
            "round(ST_Area(z.geom::geography)::numeric, 1)",
            "number",
            "Diện tích (m²) · Area (m², ellipsoidal)",
        ),
        Property("created_at", "z.created_at", "string", "Tạo lúc · Created", format="date-time"),
    ),
)

INTANGIBLE_PLACES = Collection(
    id="intangible_places",
    title="Nơi thực hành di sản phi vật thể · Intangible heritage places",
    description="Nơi diễn ra các di sản văn hóa phi vật thể quốc gia. Places of the national intangible "
    "heritage elements; they have no geometry of their own: the linked relic's position "
    "is used, or null when there is none.",
    from_sql="intangible_places p JOIN intangible_elements e ON e.id = p.element_id "
    f"LEFT JOIN {PUBLIC_SITES} s ON s.id = p.site_id",
    where_sql="TRUE",
    id_sql="p.id",
    id_type="integer",
    geom_sql="s.geom",
    geometry_type="Point",
    temporal="decision_date",
    keywords=("di sản phi vật thể", "intangible heritage"),
    properties=(
        Property("element_id", "p.element_id", "string", "Mã di sản · Element id"),
        Property("name_vi", "e.name_vi", "string", "Tên di sản · Element name"),
        Property("name_en", "e.name_en", "string", "Name (English)"),
        Property("decision_no", "e.decision_no", "string", "Quyết định · Listing decision"),
        Property("decision_date", "e.decision_date", "string", "Ngày quyết định · Decision date", format="date"),
        Property("place_vi", "p.place_vi", "string", "Nơi thực hành · Place"),
        Property("site_id", "s.id", "string", "Di tích liên quan · Linked relic"),
        Property("season", "e.season", "string", "Thời gian · Season"),
    ),
)

SURVEY_POINTS = Collection(
    id="survey_points",
    title="Điểm đo GNSS · GNSS survey points",
    description="Điểm đo khảo sát của các di tích (chỉ người dùng đã đăng nhập). GNSS survey points "
    "uploaded by surveyors, for signed-in users only; VN-2000 coordinates as received "
    "are properties, heights say their system (h_normal: Hòn Dấu, h_ellipsoidal: WGS 84).",
    from_sql="survey_points sp JOIN survey_batches b ON b.id = sp.batch_id",
    where_sql="TRUE",
    id_sql="(sp.batch_id::text || '-' || sp.row_number::text)",
    id_type="string",
    id_parts=("sp.batch_id", "sp.row_number"),
    # Points are stored as lon/lat numbers (no geometry column: batches are COPYed fast).
    geom_sql="ST_SetSRID(ST_MakePoint(sp.lon, sp.lat), 4326)",
    geometry_type="Point",
    temporal="observed_at",
    role="surveyor",
    owner_sql="b.uploaded_by",
    keywords=("GNSS", "khảo sát", "survey"),
    properties=(
        Property("batch_id", "sp.batch_id", "integer", "Lô tải lên · Batch"),
        Property("row_number", "sp.row_number", "integer", "Dòng trong tệp · Row in the file"),
        Property("site_id", "b.site_id", "string", "Mã di tích · Relic id"),
        Property("point_id", "sp.point_id", "string", "Số hiệu điểm · Point id"),
        Property("code", "sp.code", "string", "Mã điểm · Code"),
        Property("e_vn2000", "sp.e_vn2000", "number", "E VN-2000 TM-3 107-45 (m)"),
        Property("n_vn2000", "sp.n_vn2000", "number", "N VN-2000 TM-3 107-45 (m)"),
        Property("h_normal", "sp.h_normal", "number", "Độ cao chuẩn Hòn Dấu (m) · Normal height"),
        Property("h_ellipsoidal", "sp.h_ellipsoidal", "number", "Ellipsoidal height WGS 84 (m)"),
        Property("accuracy_m", "sp.accuracy_m", "number", "Độ chính xác (m) · Accuracy (m)"),
        Property("observed_at", "sp.observed_at", "string", "Thời điểm đo · Observed at", format="date-time"),
        Property("source_crs", "b.crs_epsg", "integer", "EPSG của tệp gốc · EPSG of the upload"),
    ),
)

FESTIVAL_PLACES = Collection(
    id="festival_places",
    title="Lễ hội · Festivals",
    description="Lễ hội đã công bố và nơi tổ chức (vị trí của di tích liên quan, nếu có). Published festivals "
    "with their lunar dates; their place is the linked relic's public position, or null.",
    from_sql="public_festivals f LEFT JOIN public_sites s ON s.id = f.site_id",
    where_sql="TRUE",
    id_sql="f.id",
    id_type="string",
    geom_sql="s.geom",
    geometry_type="Point",
    keywords=("lễ hội", "festival"),
    properties=(
        Property("name_vi", "f.name_vi", "string", "Tên lễ hội · Festival"),
        Property("name_en", "f.name_en", "string", "Name (English)"),
        Property("element_id", "f.element_id", "string", "Di sản phi vật thể · Intangible element"),
        Property("site_id", "f.site_id", "string", "Di tích · Relic"),
        Property("place_vi", "f.place_vi", "string", "Nơi tổ chức · Place"),
        Property("lunar_month", "f.lunar_month", "integer", "Tháng âm lịch · Lunar month"),
        Property("lunar_day_start", "f.lunar_day_start", "integer", "Từ ngày âm lịch · From lunar day"),
        Property("lunar_day_end", "f.lunar_day_end", "integer", "Đến ngày âm lịch · To lunar day"),
        Property("date_text", "f.date_text", "string", "Thời gian · Dates as written"),
    ),
)

CRAFT_VILLAGES = Collection(
    id="craft_villages",
    title="Làng nghề · Craft villages",
    description="Làng nghề đã công bố. Published craft villages with their recognition; the position is null "
    "until staff record one.",
    from_sql="public_craft_villages v",
    where_sql="TRUE",
    id_sql="v.id",
    id_type="string",
    geom_sql="v.geom",
    geometry_type="Point",
    temporal="recognition_date",
    keywords=("làng nghề", "craft village"),
    properties=(
        Property("name_vi", "v.name_vi", "string", "Tên làng nghề · Craft village"),
        Property("name_en", "v.name_en", "string", "Name (English)"),
        Property("craft_vi", "v.craft_vi", "string", "Nghề · Craft"),
        Property("recognition_decision", "v.recognition_decision", "string", "Quyết định công nhận · Recognition"),
        Property("recognition_date", "v.recognition_date", "string", "Ngày công nhận · Recognised on", format="date"),
        Property("commune_vi", "v.commune_vi", "string", "Xã / phường · Commune"),
        Property("location_source", "v.location_source", "string", "Nguồn vị trí · Position source"),
    ),
)

ALL: tuple[Collection, ...] = (
    RELICS,
    PROTECTION_ZONES,
    INTANGIBLE_PLACES,
    FESTIVAL_PLACES,
    CRAFT_VILLAGES,
    SURVEY_POINTS,
)


def visible(role: str | None) -> list[Collection]:
    """The collections a user with ``role`` (None: anonymous) may see, in a stable order."""

    def allowed(c: Collection) -> bool:
        if c.role is None:
            return True
        return role is not None and ROLES.index(role) >= ROLES.index(c.role)

    return [c for c in ALL if allowed(c)]


def narrowed(c: Collection, owner: str | None) -> Collection:
    """The collection as a user who sees only their own features (``owner``) sees it. The owner is
    quoted by psycopg as a SQL literal; the SQL fragment is otherwise ours."""
    if c.owner_sql is None or owner is None:
        return c
    literal = sql.Literal(owner).as_string(None)
    return replace(c, where_sql=f"({c.where_sql}) AND {c.owner_sql} = {literal}")


def find(collection_id: str, role: str | None) -> Collection | None:
    """The collection, or None when it does not exist *or* the user may not see it (a hidden
    collection answers 404 like a missing one, so its existence is not disclosed)."""
    for c in visible(role):
        if c.id == collection_id:
            return c
    return None
