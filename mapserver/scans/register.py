"""Register a scan upload: row in `scans`, original in the store, tiling job queued — one unit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

import crs

from ..records.audit import audit_entry
from ..sites import queries as site_queries
from ..store import Store, file_sha256
from . import queries
from .originals import OriginalRejected, store_original


class ScanRejected(ValueError):
    pass


@dataclass
class ScanRequest:
    site_id: str
    file_path: Path
    file_name: str
    actor: str
    crs: str | None = None
    heights: str = "normal"
    anchor: tuple[float, float, float] | None = None
    heading: float = 0.0
    label: str | None = None
    sample: bool = False
    compress: bool = True
    # A contributor's scan is shown to the public only after an editor approves it (scans.review).
    needs_review: bool = False


def parse_anchor(text: str | None) -> tuple[float, float, float] | None:
    if not text:
        return None
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise ScanRejected("anchor must be E,N,H in metres (three numbers)") from None
    if len(values) != 3:
        raise ScanRejected("anchor must be E,N,H in metres (three numbers)")
    return values  # type: ignore[return-value]


def register_scan(conn: psycopg.Connection, store: Store, req: ScanRequest) -> int:
    """Insert the scan and store its original; the caller defers the job after the commit."""
    if conn.execute(site_queries.SITE_EXISTS, (req.site_id,)).fetchone() is None:
        raise ScanRejected(f"Unknown relic id '{req.site_id[:100]}'.")
    epsg = None
    if req.crs:
        try:
            zone = crs.parse_crs(req.crs)
        except (crs.UnsupportedCRS, ValueError) as exc:
            raise ScanRejected(f"Unsupported CRS '{req.crs[:60]}': {exc}") from None
        epsg = zone.epsg
    if req.heights not in ("normal", "ellipsoidal"):
        raise ScanRejected("heights must be normal (VN-2000, Hòn Dấu) or ellipsoidal (WGS 84)")
    if not -360 <= req.heading <= 360:
        raise ScanRejected("heading must be in degrees (-360..360)")
    sha256, size = file_sha256(req.file_path)
    if size == 0:
        raise ScanRejected("The file is empty.")
    anchor = req.anchor or (None, None, None)
    with conn.transaction():
        scan_id = conn.execute(
            queries.INSERT,
            (
                req.site_id,
                req.label,
                req.sample,
                req.file_name[:200],
                sha256,
                size,
                epsg,
                req.heights,
                *anchor,
                req.heading,
                req.compress,
                req.actor,
                "in_review" if req.needs_review else "published",
            ),
        ).fetchone()[0]
        try:
            key = store_original(store, scan_id, req.file_path, req.file_name)
        except OriginalRejected as exc:
            store.delete_prefix(f"scans/{scan_id}")
            raise ScanRejected(str(exc)) from None
        conn.execute(queries.SET_FILE_KEY, (key, scan_id))
        conn.execute(*audit_entry(req.actor, "upload", "scan", str(scan_id), {"site": req.site_id}))
    return scan_id
