"""Import of relic protection zones I and II from GeoJSON, GeoPackage, zipped Shapefile or DXF.

All or nothing: every feature is checked (a relic it belongs to, zone I or II, a valid polygon in
Vietnam) and any problem rejects the whole file, naming the feature number and the reason. A
file replaces the zones of the (relic, zone) pairs it contains, so importing it again changes
nothing. Every import is written to the audit log.

Attributes (headers in Vietnamese or English, diacritics and case ignored): ``site_id`` (mã di
tích), ``zone`` (khu vực: I, II, 1, 2, "KV I", "Khu vực II"), ``decision_no`` (số quyết định),
``source`` (nguồn). DXF has no attributes: its layer name may say "<site_id>_I" / "<site_id> II";
otherwise the relic and zone given on the command line apply to every feature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from ..records.audit import audit_entry
from ..text import fold, fold_key
from .vector_files import VectorFile, read_vector_file

ALIASES = {
    "site_id": ("site id", "site", "relic", "relic id", "ma di tich", "ma", "madt", "id di tich"),
    "zone": ("zone", "khu vuc", "kv", "khu vuc bao ve", "loai khu vuc", "protection zone"),
    "decision_no": ("decision no", "decision", "so quyet dinh", "quyet dinh", "so qd", "qd"),
    "source": ("source", "nguon", "nguon du lieu"),
}
ZONES = {
    "i": "I",
    "1": "I",
    "kv i": "I",
    "khu vuc i": "I",
    "zone i": "I",
    "ii": "II",
    "2": "II",
    "kv ii": "II",
    "khu vuc ii": "II",
    "zone ii": "II",
}
LAYER_PATTERN = re.compile(r"^(?P<site>[a-z0-9][a-z0-9-]*)[\s_:/]+(?:kv\s*|zone\s*)?(?P<zone>ii|i|1|2)$")


@dataclass
class ZoneRow:
    number: int
    site_id: str
    zone: str
    geometry: BaseGeometry  # MultiPolygon, WGS 84
    decision_no: str | None
    source: str | None


@dataclass
class ImportResult:
    inserted: int
    replaced: int
    crs: str


class ZonesRejected(Exception):
    def __init__(self, errors: list[tuple[int, str]], total: int):
        super().__init__(f"{len(errors)} problem(s) in {total} feature(s)")
        self.errors = errors
        self.total = total


def _field(attributes: dict, name: str) -> str | None:
    keys = {fold_key(str(k)): v for k, v in attributes.items()}
    for alias in (name.replace("_", " "), *ALIASES[name]):
        value = keys.get(alias)
        if value is not None and str(value).strip() != "":
            return str(value).strip()
    return None


def plan(
    vf: VectorFile, known_sites: set[str], *, default_site: str | None = None, default_zone: str | None = None
) -> list[ZoneRow]:
    """Rows to insert, or ZonesRejected listing every bad feature."""
    errors: list[tuple[int, str]] = []
    rows: list[ZoneRow] = []
    if not vf.features:
        raise ZonesRejected([(0, "the file has no features")], 0)
    for f in vf.features:
        problems = list(f.problems)
        site, zone = _field(f.attributes, "site_id"), _field(f.attributes, "zone")
        layer = fold(str(f.attributes.get("Layer") or ""))
        match = LAYER_PATTERN.match(layer) if layer else None
        if match:
            site = site or match.group("site")
            zone = zone or match.group("zone")
        site = site or default_site
        zone = zone or default_zone
        zone_value = ZONES.get(fold_key(zone)) if zone else None
        if site is None:
            problems.append("no relic: add a site_id attribute (mã di tích) or give --site")
        elif site not in known_sites:
            problems.append(f"unknown relic '{site[:60]}'")
        if zone is None:
            problems.append("no zone: add a zone attribute (khu vực I or II) or give --zone")
        elif zone_value is None:
            problems.append(f"zone must be I or II, not '{zone[:20]}'")
        geometry = f.geometry
        if geometry is not None and not problems:
            if geometry.geom_type not in ("Polygon", "MultiPolygon"):
                problems.append(
                    f"a zone must be a polygon, not a {geometry.geom_type}"
                    + (" (an open polyline?)" if "Line" in geometry.geom_type else "")
                )
            elif not geometry.is_valid:
                problems.append(f"invalid polygon: {shapely.is_valid_reason(geometry)}")
            elif geometry.area == 0:
                problems.append("the polygon has no area")
        if problems:
            errors.extend((f.number, p) for p in problems)
            continue
        multi = geometry if geometry.geom_type == "MultiPolygon" else shapely.MultiPolygon([geometry])
        rows.append(
            ZoneRow(
                f.number,
                site,
                zone_value,
                multi,
                _field(f.attributes, "decision_no"),
                _field(f.attributes, "source"),
            )
        )
    if errors:
        raise ZonesRejected(errors, len(vf.features))
    return rows


def import_zones(
    conn: psycopg.Connection,
    path: Path,
    *,
    crs_text: str | None,
    actor: str,
    default_site: str | None = None,
    default_zone: str | None = None,
) -> ImportResult:
    """Read, check and store the zones of one file in one transaction (nothing changes on error)."""
    vf = read_vector_file(path, crs_text)
    known = {r[0] for r in conn.execute("SELECT id FROM sites")}
    rows = plan(vf, known, default_site=default_site, default_zone=default_zone)
    pairs = sorted({(r.site_id, r.zone) for r in rows})
    with conn.transaction():
        replaced = 0
        for site, zone in pairs:
            cur = conn.execute("DELETE FROM protection_zones WHERE site_id = %s AND zone = %s", (site, zone))
            replaced += cur.rowcount
        for r in rows:
            conn.execute(
                "INSERT INTO protection_zones (site_id, zone, geom, decision_no, source) "
                "VALUES (%s, %s, ST_GeomFromWKB(%s, 4326), %s, %s)",
                (r.site_id, r.zone, shapely.to_wkb(r.geometry), r.decision_no, r.source or path.name),
            )
        conn.execute(
            *audit_entry(
                actor,
                "import",
                "protection_zones",
                ",".join(sorted({s for s, _ in pairs})),
                {"file": path.name, "crs": vf.zone.srs, "inserted": len(rows), "replaced": replaced},
            )
        )
    return ImportResult(inserted=len(rows), replaced=replaced, crs=vf.zone.srs)
