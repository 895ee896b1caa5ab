"""Failed uploads do not keep their originals forever: once a scan has been failed for longer than
`failed_upload_retention_days`, its stored original (scans/<id>/original/) is deleted, the scan is
marked (`stats.original_expired_at` and a note after its error) and the deletion is audited.
The scan record and everything else in the store stay; a retry then fails saying the original is gone.
"""

from __future__ import annotations

import logging

import psycopg

from ..db import database_url
from ..records.audit import audit_entry
from ..scans import queries
from ..store import make_store

log = logging.getLogger("heritage.retention")
ACTOR = "system:retention"
BATCH = 100


def expired_note(days: float) -> str:
    return f"[The original upload was deleted {days:g} days after this failure; upload the scan again.]"


def original_prefix(scan_id: int) -> str:
    return f"scans/{scan_id}/original"


def expire_failed_originals(settings, *, store=None) -> list[int]:
    """Delete the originals of scans failed longer than the retention; returns their ids."""
    days = float(settings.failed_upload_retention_days)
    store = store or make_store(settings)
    expired: list[int] = []
    with psycopg.connect(database_url(settings)) as conn:
        while True:
            # One transaction per batch; rows locked so two workers never expire the same scan twice.
            with conn.transaction():
                rows = conn.execute(queries.FAILED_ORIGINALS_DUE, (days * 86400.0, BATCH)).fetchall()
                done_now = [row for row in rows if _expire_one(conn, store, row, days)]
            expired.extend(scan_id for scan_id, *_ in done_now)
            if len(rows) < BATCH or not done_now:
                break
    if expired:
        log.info("deleted the originals of %s failed scan(s) older than %g days: %s", len(expired), days, expired)
    return expired


def _expire_one(conn: psycopg.Connection, store, row, days: float) -> bool:
    scan_id, file_size, failed_at = row
    prefix = original_prefix(scan_id)
    try:
        store.delete_prefix(prefix)
    except Exception:
        log.exception("could not delete %s; it stays until the next run", prefix)
        return False
    conn.execute(queries.ORIGINAL_EXPIRED, (expired_note(days), scan_id))
    detail = {"prefix": prefix, "bytes": file_size, "failed_at": failed_at, "retention_days": days}
    conn.execute(*audit_entry(ACTOR, "expire_original", "scan", str(scan_id), detail))
    return True
