"""SQL of relics. PostGIS builds the GeoJSON text so a page of 1,000 features costs one round trip
and almost no Python work. Public reads select from the `public_sites` view (records.publication);
staff writes use the `sites` table; values always travel as parameters.

A page is one statement (``page_sql``): the matching rows are found once (a bbox is ``&&`` on the
GiST index of the public point, exact for points), counted in the same pass (``count(*) OVER ()``,
so numberMatched costs no second scan), cut to the page, and written as GeoJSON text by
PostgreSQL — the features' properties with ``row_to_json`` of a flattened LATERAL row (no
per-row sub-select), districts with one join for the whole page — and sent as bytes that the
route splices into the envelope without parsing them."""

from __future__ import annotations

from psycopg import sql

from ..records.publication import PUBLIC_SITES
from .params import SiteQuery

PUBLIC = sql.Identifier(PUBLIC_SITES)
# The same shape as public_sites for every relic, drafts included (an editor's answer).
ALL_GENERALISED = sql.Identifier("sites_generalised")


def _like_pattern(token: str) -> str:
    escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def where_clause(query: SiteQuery) -> tuple[sql.Composable, list]:
    parts: list[sql.Composable] = [sql.SQL("TRUE")]
    params: list = []
    if query.bbox is not None:
        # Public positions are points: the bounding-box test is the intersection test.
        parts.append(sql.SQL("s.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"))
        params.extend(query.bbox)
    if query.intersects is not None:
        parts.append(sql.SQL("ST_Intersects(s.geom, ST_GeomFromWKB(%s, 4326))"))
        params.append(query.intersects.wkb)
    if query.near is not None:
        lon, lat, radius = query.near
        # geography: true metres on the WGS 84 ellipsoid, served by the sites_public_geog_idx index.
        parts.append(sql.SQL("ST_DWithin(s.geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s)"))
        params.extend((lon, lat, radius))
    if query.ranks:
        parts.append(sql.SQL("s.rank = ANY(%s)"))
        params.append(query.ranks)
    if query.categories:
        parts.append(sql.SQL("s.category = ANY(%s)"))
        params.append(query.categories)
    if query.district is not None:
        parts.append(
            sql.SQL(
                "EXISTS (SELECT 1 FROM admin_units a WHERE a.id = ANY(s.admin_unit_ids) "
                "AND (a.id = %s OR heritage_fold(a.name_vi) = heritage_fold(%s) "
                "OR regexp_replace(heritage_fold(a.name_vi), '^(thanh pho|thi xa|huyen|tinh) ', '') "
                "   = heritage_fold(%s) "
                "OR heritage_fold(coalesce(a.name_en, '')) = heritage_fold(%s)))"
            )
        )
        params.extend([query.district] * 4)
    if query.text is not None:
        for token in query.text.split():
            parts.append(sql.SQL("s.search_text LIKE heritage_fold(%s)"))
            params.append(_like_pattern(token))
    if query.located is not None:
        parts.append(sql.SQL("s.geom IS NOT NULL" if query.located else "s.geom IS NULL"))
    return sql.SQL(" AND ").join(parts), params


def _distance(query: SiteQuery) -> tuple[sql.Composable, list]:
    if query.near is None:
        return sql.SQL("NULL::float8"), []
    lon, lat, _ = query.near
    return (sql.SQL("ST_Distance(s.geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)"), [lon, lat])


def feature_json(extra: sql.Composable = sql.SQL("")) -> sql.Composable:
    """The GeoJSON Feature of one public_sites-shaped row `s`, as json (8 decimals ≈ 1 mm)."""
    return sql.SQL("""json_build_object(
        'type', 'Feature', 'id', s.id,
        'geometry', ST_AsGeoJSON(s.geom, 8)::json,
        'properties', json_build_object(
            'id', s.id, 'name_vi', s.name_vi, 'name_en', s.name_en, 'rank', s.rank,
            'category', s.category, 'decision_no', s.decision_no, 'decision_date', s.decision_date,
            'decision_issuer', s.decision_issuer,
            'districts', (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name_vi', a.name_vi,
                                                                     'valid_to', a.valid_to) ORDER BY a.id),
                                          '[]'::json)
                          FROM admin_units a WHERE a.id = ANY(s.admin_unit_ids)),
            'address_vi', s.address_vi, 'location_status', s.location_status,
            'location_source', s.location_source,
            'location_accuracy_m', s.location_accuracy_m,
            'location_generalized', s.sensitive,
            'publication_status', s.publication_status{extra}))""").format(extra=extra)


DETAIL_EXTRA = sql.SQL(""",
            'sources', s.sources, 'notes', s.notes,
            'created_at', s.created_at, 'updated_at', s.updated_at,
            'protection_zones', (SELECT count(*) FROM protection_zones z WHERE z.site_id = s.id),
            'location_history', (SELECT count(*) FROM site_location_history h WHERE h.site_id = s.id),
            'description_vi', s.description_vi, 'description_en', s.description_en,
            'history_vi', s.history_vi, 'history_en', s.history_en,
            'significance_vi', s.significance_vi, 'significance_en', s.significance_en,
            'visiting_vi', s.visiting_vi, 'visiting_en', s.visiting_en,
            'narration_vi', s.narration_vi, 'story_sources', s.story_sources""")


# The properties of a feature in a list, in their order: (name, expression on the page row p and
# its districts d). The detail view (``feature_json``) adds the long texts and counts.
LIST_PROPERTIES = (
    ("id", "p.id"),
    ("name_vi", "p.name_vi"),
    ("name_en", "p.name_en"),
    ("rank", "p.rank"),
    ("category", "p.category"),
    ("decision_no", "p.decision_no"),
    ("decision_date", "p.decision_date"),
    ("decision_issuer", "p.decision_issuer"),
    ("districts", "coalesce(d.units, '[]'::json)"),
    ("address_vi", "p.address_vi"),
    ("location_status", "p.location_status"),
    ("location_source", "p.location_source"),
    ("location_accuracy_m", "p.location_accuracy_m"),
    ("location_generalized", "p.sensitive"),
    ("publication_status", "p.publication_status"),
)
PAGE_COLUMNS = (
    "s.id, s.geom, s.name_vi, s.name_en, s.rank, s.category, s.decision_no, s.decision_date, s.decision_issuer, "
    "s.admin_unit_ids, s.address_vi, s.location_status, s.location_source, s.location_accuracy_m, s.sensitive, "
    "s.publication_status"
)


def _properties(near: bool) -> sql.Composable:
    names = [*LIST_PROPERTIES, *([("distance_m", "round(p.distance::numeric, 3)")] if near else [])]
    return sql.SQL(", ").join(sql.SQL(f"{expression} AS ") + sql.Identifier(name) for name, expression in names)


PAGE = """
WITH page AS (
    SELECT {columns}, {distance} AS distance, count(*) OVER () AS matched
    FROM {public} s WHERE {where}
    ORDER BY {order} LIMIT %s OFFSET %s
), districts AS (
    SELECT p.id, json_agg(json_build_object('id', a.id, 'name_vi', a.name_vi, 'valid_to', a.valid_to)
                          ORDER BY a.id) AS units
    FROM page p JOIN admin_units a ON a.id = ANY(p.admin_unit_ids) GROUP BY p.id
)
SELECT max(p.matched), count(*), convert_to(coalesce(string_agg(
           '{{"type":"Feature","id":' || to_json(p.id) || ',"geometry":'
           || coalesce(ST_AsGeoJSON(p.geom, 8), 'null') || ',"properties":' || row_to_json(f)::text || '}}',
           ',' ORDER BY {order_page}), ''), 'UTF8')
FROM page p LEFT JOIN districts d ON d.id = p.id, LATERAL (SELECT {properties}) f
"""
_page_texts: dict[tuple, str] = {}


def page_sql(query: SiteQuery) -> tuple[sql.SQL, list]:
    """One row: (number matched — None when the page is empty —, number on the page, the page's
    features as UTF-8 GeoJSON text joined by commas). The statement's text depends only on which
    filters are set, so it is composed once per combination and psycopg prepares it after a few
    executions; the values travel as parameters."""
    where, where_params = where_clause(query)
    distance, distance_params = _distance(query)
    near = query.near is not None
    shape = _shape(query)
    text = _page_texts.get(shape)
    if text is None:
        text = _page_texts[shape] = (
            sql.SQL(PAGE)
            .format(
                columns=sql.SQL(PAGE_COLUMNS),
                distance=distance,
                public=PUBLIC,
                where=where,
                order=sql.SQL("distance, id" if near else "id"),
                order_page=sql.SQL("p.distance, p.id" if near else "p.id"),
                properties=_properties(near),
            )
            .as_string(None)
        )
    return sql.SQL(text), [*distance_params, *where_params, query.limit, query.offset]


def _shape(query: SiteQuery) -> tuple:
    """What the statement's text depends on: which filters are set (and how many words)."""
    return (
        query.bbox is not None,
        query.intersects is not None,
        query.near is not None,
        bool(query.ranks),
        bool(query.categories),
        query.district is not None,
        len(query.text.split()) if query.text else 0,
        query.located,
    )


def count_sql(query: SiteQuery) -> tuple[sql.Composable, list]:
    where, params = where_clause(query)
    return sql.SQL("SELECT count(*) FROM {public} s WHERE {where}").format(public=PUBLIC, where=where), params


def detail_sql() -> sql.Composable:
    return sql.SQL("SELECT {feature}::text FROM {public} s WHERE s.id = %s").format(
        feature=feature_json(DETAIL_EXTRA), public=PUBLIC
    )


def staff_detail_sql() -> sql.Composable:
    """The same feature for any relic, drafts and withdrawn ones included (editors)."""
    return sql.SQL("SELECT {feature}::text FROM {all} s WHERE s.id = %s").format(
        feature=feature_json(DETAIL_EXTRA), all=ALL_GENERALISED
    )


# -- lists ---------------------------------------------------------------------------------------------
ALL_NAMES = "SELECT id, name_vi FROM sites ORDER BY name_vi"
PUBLIC_BY_RANK = sql.SQL(
    "SELECT id, name_vi, name_en, rank, geom IS NOT NULL FROM {public} "
    "ORDER BY array_position(%s::text[], rank), name_vi"
).format(public=PUBLIC)
SENSITIVE_IF_PUBLIC = sql.SQL("SELECT sensitive FROM {public} WHERE id = %s").format(public=PUBLIC)

# -- editing (staff, on the table) ------------------------------------------------------------------------
RECORD_FOR_UPDATE = (
    "SELECT row_to_json(s)::jsonb - 'search_text' - 'geom' - 'public_geom' - 'footprint' "
    "FROM sites s WHERE id = %s FOR UPDATE"
)
SITE_EXISTS = "SELECT 1 FROM sites WHERE id = %s"


def update_attributes(changes: dict) -> sql.Composable:
    """UPDATE of the named columns (names from the editor's fixed list, values as parameters)."""
    assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in changes)
    return sql.SQL("UPDATE sites SET {}, updated_at = now() WHERE id = %s").format(assignments)


# A relic's position: the old one goes to the history (with who replaced it) before it moves.
ARCHIVE_POSITION = """
INSERT INTO site_location_history (site_id, geom, location_status, location_source,
                                   location_accuracy_m, replaced_by)
SELECT id, geom, location_status, location_source, location_accuracy_m, %(actor)s
FROM sites WHERE id = %(id)s
"""
# The importer keeps a position in the history only when a row really moves it.
ARCHIVE_POSITION_IF_MOVED = (
    ARCHIVE_POSITION
    + """
  AND geom IS NOT NULL
  AND NOT ST_Equals(geom, ST_SetSRID(ST_MakePoint(%(lon)s::float8, %(lat)s::float8), 4326))
"""
)
MOVE = """
UPDATE sites SET geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), location_status = %(status)s,
       location_source = %(source)s, location_accuracy_m = %(accuracy)s, updated_at = now()
WHERE id = %(id)s
"""


def move_statements(
    site_id: str, *, lon: float, lat: float, status: str, source: str, accuracy: float | None, actor: str
) -> list[tuple[str, dict]]:
    """The two statements of moving a relic (history first); run them in one transaction, on a
    sync or async connection alike."""
    values = {
        "id": site_id,
        "lon": lon,
        "lat": lat,
        "status": status,
        "source": source,
        "accuracy": accuracy,
        "actor": actor,
    }
    return [(ARCHIVE_POSITION, values), (MOVE, values)]
