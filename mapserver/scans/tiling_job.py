"""The body of a tiling job: tile → validate (inside tiling.tile_scan) → publish a new version →
switch the scan to it. A failure leaves the previous version published and nothing half-written."""

from __future__ import annotations

import json
import logging
import time

import psycopg

from ..db import database_url
from ..jobs.scratch import remove, scratch_dir
from ..store import StoreError, make_store
from . import fanout, queries

log = logging.getLogger("heritage.tiling")
PROGRESS_EVERY_SECONDS = 0.5
ORIGINAL_EXPIRED = "The original upload was deleted (failed uploads are kept for a while only); upload the scan again."
ORIGINAL_MISSING = "The original upload is missing from the store; upload the scan again."


def _progress_writer(conn: psycopg.Connection, scan_id: int):
    last = [0.0]

    def report(fraction: float, stage: str) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_SECONDS and fraction < 1:
            return
        last[0] = now
        conn.execute(queries.PROGRESS, (max(0.0, min(1.0, float(fraction))), stage[:200], scan_id))

    return report


def run_tiling(settings, scan_id: int, *, attempt: int = 1) -> None:
    from tiling.errors import TilingError
    from tiling.pipeline import tile_scan

    store = make_store(settings)
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        row = conn.execute(queries.TILING_INPUT, (scan_id,)).fetchone()
        if row is None:
            log.warning("scan %s no longer exists; nothing to tile", scan_id)
            return
        file_key, epsg, heights, e, n, h, heading, compress, version = row
        if not _original_present(store, file_key):
            expired = conn.execute(queries.ORIGINAL_EXPIRED_AT, (scan_id,)).fetchone()[0]
            log.warning("scan %s cannot be tiled: its original %s is gone", scan_id, file_key)
            conn.execute(*queries.failed(scan_id, ORIGINAL_EXPIRED if expired else ORIGINAL_MISSING))
            return
        conn.execute(queries.RUNNING, (attempt, scan_id))
        work = scratch_dir(settings)
        original_dir, _, main_name = file_key.rpartition("/")
        try:
            anchor = (e, n, h) if e is not None else None
            with store.local_tree(original_dir) as originals:
                if fanout.wanted(originals / main_name):  # too big for one worker: parts, then a merge
                    fanout.start(settings, conn, store, scan_id, originals / main_name, row, work)
                    return
                stats = tile_scan(
                    originals / main_name,
                    work / "out",
                    src_crs=epsg,
                    heights=heights,
                    anchor=anchor,
                    heading=heading or 0.0,
                    compress=compress,
                    progress=_progress_writer(conn, scan_id),
                )
            publish(conn, store, scan_id, version + 1, work / "out", stats)
        except TilingError as exc:
            conn.execute(*queries.failed(scan_id, str(exc)))
        finally:
            remove(work)


def publish(conn: psycopg.Connection, store, scan_id: int, new_version: int, out, stats, **more) -> None:
    """A validated tileset directory becomes the scan's next version (also used by scans.fanout,
    which adds what it did to the stats as ``more``)."""
    store.put_tree(f"tiles/{scan_id}/v{new_version}", out)
    details = {**stats.to_dict(), **more}
    details.pop("tileset", None)
    conn.execute(queries.DONE, (stats.kind, json.dumps(details), new_version, scan_id))
    conn.execute(*queries.tiles_changed())
    # Keep the previous version for caches and open viewers; older ones go.
    for old in range(1, new_version - 1):
        store.delete_prefix(f"tiles/{scan_id}/v{old}")


def _original_present(store, file_key: str) -> bool:
    try:
        return store.stat(file_key) is not None
    except StoreError:  # never stored (an upload that failed half-way)
        return False


def mark_failed(settings, scan_id: int, reason: str) -> None:
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute(*queries.failed(scan_id, reason))


def mark_queued_again(settings, scan_id: int) -> None:
    """A stopped worker's scan goes back to the queue (only if it was running)."""
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute(queries.QUEUED_AGAIN, (scan_id,))
