"""Import relics from CSV/GeoJSON/XLSX: every row validated first, then one transaction.

A file with any bad row changes nothing; the error names the row, the column and the reason.
Re-importing the same file is a no-op by id (upsert). A row without coordinates never erases a
position already in the registry (it may have been surveyed since); a row with coordinates
replaces it, and the old position goes to site_location_history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from shapely.geometry import Point

from ..records.audit import audit_entry
from ..regions.province import province_area
from ..sites import queries as site_queries
from ..text import fold_key
from ..vocabulary import LOCATION_STATUSES
from .readers import Row, Table
from .values import (
    ImportRejected,
    RowError,
    parse_date,
    parse_enum,
    parse_float,
    resolve_columns,
    site_category,
    site_rank,
)

SITE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "ma", "ma di tich", "code"),
    "name_vi": ("name_vi", "ten", "ten di tich", "name"),
    "name_en": ("name_en", "ten tieng anh", "english name"),
    "rank": ("rank", "xep hang", "cap xep hang", "hang"),
    "category": ("category", "loai hinh", "loai hinh di tich", "loai"),
    "decision_no": ("decision_no", "so quyet dinh", "quyet dinh"),
    "decision_date": ("decision_date", "ngay quyet dinh", "ngay xep hang"),
    "decision_issuer": ("issuer", "decision_issuer", "co quan quyet dinh", "co quan ban hanh"),
    "district": ("district_2023", "district", "huyen", "quan huyen", "don vi hanh chinh"),
    "address_vi": ("address_vi", "address", "dia chi"),
    "lon": ("lon", "longitude", "kinh do"),
    "lat": ("lat", "latitude", "vi do"),
    "location_status": ("location_status", "trang thai vi tri"),
    "location_source": ("coord_source", "location_source", "nguon toa do"),
    "location_accuracy_m": ("coord_accuracy_m", "location_accuracy_m", "accuracy_m", "do chinh xac m", "do chinh xac"),
    "sources": ("source", "sources", "nguon"),
    "notes": ("notes", "ghi chu"),
    "publication_status": ("publication_status", "trang thai cong bo"),
}

SITE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


@dataclass
class SiteRecord:
    row: int
    id: str
    name_vi: str
    rank: str
    name_en: str | None = None
    category: str | None = None
    decision_no: str | None = None
    decision_date: date | None = None
    decision_issuer: str | None = None
    admin_unit_ids: list[str] = field(default_factory=list)
    address_vi: str | None = None
    lon: float | None = None
    lat: float | None = None
    location_status: str | None = None
    location_source: str | None = None
    location_accuracy_m: float | None = None
    sources: str | None = None
    notes: str | None = None
    publication_status: str = "published"


@dataclass
class ImportResult:
    inserted: int
    updated: int
    unchanged: int = 0
    rejected: int = 0


def _opt(values: dict[str, str], name: str) -> str | None:
    value = values.get(name, "").strip()
    return value or None


def _units_by_name(conn: psycopg.Connection) -> dict[str, str]:
    units = {}
    for unit_id, name_vi, name_en in conn.execute("SELECT id, name_vi, name_en FROM admin_units"):
        units[unit_id] = unit_id
        for name in (name_vi, name_en):
            if name:
                units[fold_key(name)] = unit_id
                # "Huyện Xuyên Mộc" is written "Xuyên Mộc" in lists: index the bare name too.
                bare = re.sub(
                    r"^(tinh|thanh pho|tp|thi xa|huyen|quan|district|city|town|province) ", "", fold_key(name)
                )
                units.setdefault(bare, unit_id)
    return units


def validate_rows(table: Table, units: dict[str, str], area) -> tuple[list[SiteRecord], list[RowError]]:
    columns = resolve_columns(table.columns, SITE_COLUMNS, required=("id", "name_vi", "rank"))
    errors: list[RowError] = []
    records: list[SiteRecord] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        values = {name: row.values.get(col, "") for name, col in columns.items()}
        record = _validate_row(row, values, units, area, errors)
        if record is None:
            continue
        if record.id in seen:
            errors.append(RowError(row.number, "id", f"duplicate id '{record.id}' (also row {seen[record.id]})"))
            continue
        seen[record.id] = row.number
        records.append(record)
    return records, errors


def _validate_row(
    row: Row, values: dict[str, str], units: dict[str, str], area, errors: list[RowError]
) -> SiteRecord | None:
    before = len(errors)
    n = row.number

    def fail(column: str, reason: str) -> None:
        errors.append(RowError(n, column, reason))

    site_id = values.get("id", "").strip()
    if not SITE_ID.match(site_id):
        fail("id", "must be 1-100 characters of a-z, 0-9 and '-', starting with a letter or digit")
    name_vi = values.get("name_vi", "").strip()
    if not name_vi:
        fail("name_vi", "is empty")
    rank = parse_enum(values.get("rank", ""), site_rank, "rank", n, errors, required=True)
    category = parse_enum(values.get("category", ""), site_category, "category", n, errors)
    decision_date = parse_date(values.get("decision_date", ""), "decision_date", n, errors)
    accuracy = parse_float(
        values.get("location_accuracy_m", ""), "location_accuracy_m", n, errors, minimum=0.0, maximum=100_000.0
    )
    lon, lat = _position(row, values, n, errors)
    if lon is not None and lat is not None and area is not None and not area.contains(Point(lon, lat)):
        fail("lon/lat", f"({lon}, {lat}) lies outside the province (more than ~5 km from its boundary)")
    unit_ids = []
    for part in filter(None, (p.strip() for p in values.get("district", "").split(";"))):
        unit = units.get(fold_key(part))
        if unit is None:
            fail("district", f"unknown administrative unit '{part}'")
        else:
            unit_ids.append(unit)
    status = _opt(values, "location_status")
    if status is not None and status not in LOCATION_STATUSES:
        fail("location_status", f"must be {', '.join(LOCATION_STATUSES[:-1])} or {LOCATION_STATUSES[-1]}")
    has_point = lon is not None and lat is not None
    if status == "unknown" and has_point:
        fail("location_status", "is 'unknown' but the row gives coordinates")
    if status not in (None, "unknown") and not has_point:
        fail("location_status", f"is '{status}' but the row gives no coordinates")
    publication = _opt(values, "publication_status") or "published"
    if publication not in ("draft", "published", "withdrawn"):
        fail("publication_status", "must be draft, published or withdrawn")
    if len(errors) > before:
        return None
    return SiteRecord(
        row=n,
        id=site_id,
        name_vi=name_vi,
        rank=rank,
        name_en=_opt(values, "name_en"),
        category=category,
        decision_no=_opt(values, "decision_no"),
        decision_date=decision_date,
        decision_issuer=_opt(values, "decision_issuer"),
        admin_unit_ids=unit_ids,
        address_vi=_opt(values, "address_vi"),
        lon=lon,
        lat=lat,
        location_status=(status or "sourced") if has_point else None,
        location_source=_opt(values, "location_source"),
        location_accuracy_m=accuracy,
        sources=_opt(values, "sources"),
        notes=_opt(values, "notes"),
        publication_status=publication,
    )


def _position(row: Row, values: dict[str, str], n: int, errors: list[RowError]) -> tuple[float | None, float | None]:
    if row.geometry is not None:
        geometry = row.geometry
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") != "Point"
            or not isinstance(coords, list)
            or len(coords) < 2
            or not all(isinstance(c, (int, float)) for c in coords[:2])
        ):
            errors.append(RowError(n, "geometry", "must be a GeoJSON Point with numeric coordinates"))
            return None, None
        lon, lat = float(coords[0]), float(coords[1])
    else:
        lon = parse_float(values.get("lon", ""), "lon", n, errors)
        lat = parse_float(values.get("lat", ""), "lat", n, errors)
        if (lon is None) != (lat is None) and not any(e.row == n and e.column in ("lon", "lat") for e in errors):
            errors.append(RowError(n, "lon" if lon is None else "lat", "is empty while the other is given"))
            return None, None
    if lon is None or lat is None:
        return None, None
    if not (-180 <= lon <= 180) or not (-90 <= lat <= 90):
        errors.append(RowError(n, "lon/lat", f"({lon}, {lat}) is not a longitude/latitude in degrees"))
        return None, None
    if 100 < lat < 120 and -20 < lon < 30:
        errors.append(RowError(n, "lon/lat", "longitude and latitude look swapped"))
        return None, None
    return lon, lat


UPSERT = """
INSERT INTO sites (id, name_vi, name_en, rank, category, decision_no, decision_date, decision_issuer,
                   admin_unit_ids, address_vi, geom, location_status, location_source,
                   location_accuracy_m, sources, notes, publication_status)
VALUES (%(id)s, %(name_vi)s, %(name_en)s, %(rank)s, %(category)s, %(decision_no)s, %(decision_date)s,
        %(decision_issuer)s, %(admin_unit_ids)s, %(address_vi)s,
        CASE WHEN %(lon)s::float8 IS NULL THEN NULL
             ELSE ST_SetSRID(ST_MakePoint(%(lon)s::float8, %(lat)s::float8), 4326) END,
        coalesce(%(location_status)s, 'unknown'), %(location_source)s, %(location_accuracy_m)s,
        %(sources)s, %(notes)s, %(publication_status)s)
ON CONFLICT (id) DO UPDATE SET
    name_vi = EXCLUDED.name_vi, name_en = EXCLUDED.name_en, rank = EXCLUDED.rank,
    category = EXCLUDED.category, decision_no = EXCLUDED.decision_no,
    decision_date = EXCLUDED.decision_date, decision_issuer = EXCLUDED.decision_issuer,
    admin_unit_ids = EXCLUDED.admin_unit_ids, address_vi = EXCLUDED.address_vi,
    geom = CASE WHEN %(lon)s::float8 IS NULL THEN sites.geom ELSE EXCLUDED.geom END,
    location_status = CASE WHEN %(lon)s::float8 IS NULL THEN sites.location_status
                           ELSE EXCLUDED.location_status END,
    location_source = CASE WHEN %(lon)s::float8 IS NULL THEN sites.location_source
                           ELSE EXCLUDED.location_source END,
    location_accuracy_m = CASE WHEN %(lon)s::float8 IS NULL THEN sites.location_accuracy_m
                               ELSE EXCLUDED.location_accuracy_m END,
    sources = EXCLUDED.sources, notes = EXCLUDED.notes,
    publication_status = EXCLUDED.publication_status, updated_at = now()
WHERE (sites.name_vi, sites.name_en, sites.rank, sites.category, sites.decision_no, sites.decision_date,
       sites.decision_issuer, sites.admin_unit_ids, sites.address_vi, sites.sources, sites.notes,
       sites.publication_status)
      IS DISTINCT FROM
      (EXCLUDED.name_vi, EXCLUDED.name_en, EXCLUDED.rank, EXCLUDED.category, EXCLUDED.decision_no,
       EXCLUDED.decision_date, EXCLUDED.decision_issuer, EXCLUDED.admin_unit_ids, EXCLUDED.address_vi,
       EXCLUDED.sources, EXCLUDED.notes, EXCLUDED.publication_status)
   OR (%(lon)s::float8 IS NOT NULL AND
       (sites.geom IS NULL OR NOT ST_Equals(sites.geom, EXCLUDED.geom)
        OR (sites.location_status, sites.location_source, sites.location_accuracy_m)
           IS DISTINCT FROM
           (EXCLUDED.location_status, EXCLUDED.location_source, EXCLUDED.location_accuracy_m)))
RETURNING (xmax = 0) AS inserted
"""


def import_sites(
    conn: psycopg.Connection, table: Table, *, actor: str, source_name: str, keep_existing: bool = False
) -> ImportResult:
    """Validate every row, then upsert all of them in one transaction (or raise ImportRejected).
    ``keep_existing``: relics already in the registry are left as they are (counted unchanged)."""
    records, errors = validate_rows(table, _units_by_name(conn), province_area(conn))
    if errors:
        raise ImportRejected(errors, total_rows=len(table.rows))
    inserted = updated = unchanged = 0
    with conn.transaction():
        existing = set()
        if keep_existing:
            ids = [r.id for r in records]
            existing = {row[0] for row in conn.execute("SELECT id FROM sites WHERE id = ANY(%s)", (ids,))}
        for record in records:
            if record.id in existing:
                unchanged += 1
                continue
            params: dict[str, Any] = dict(record.__dict__, actor=actor)
            if record.lon is not None:
                conn.execute(site_queries.ARCHIVE_POSITION_IF_MOVED, params)
            row = conn.execute(UPSERT, params).fetchone()
            if row is None:
                unchanged += 1
            elif row[0]:
                inserted += 1
            else:
                updated += 1
        conn.execute(
            *audit_entry(
                actor,
                "import",
                "sites",
                None,
                {"file": source_name, "inserted": inserted, "updated": updated, "unchanged": unchanged},
            )
        )
    return ImportResult(inserted=inserted, updated=updated, unchanged=unchanged)
