"""The body of a media ingest job (the worker's `ingest_media` task, or `heritage media add`):
convert the original in a scratch folder → publish the derivatives under a new version prefix in
one step → switch the item to that version. A failure leaves the previous version (if any) in
place and nothing half-written under the new one; the item says why it failed.

Images become IIIF tiles here (iiif_image), panoramas a checked equirectangular JPEG (panorama);
clips, sound and 3D models go to the converters of media.video and media.model3d.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from ..db import database_url
from ..jobs.scratch import remove, scratch_dir
from ..store import StoreError, make_store
from . import queries, urls
from .errors import MediaRejected

log = logging.getLogger("heritage.media")
PROGRESS_EVERY_SECONDS = 0.5
ORIGINAL_MISSING = "The original upload is missing from the store; upload the file again."
INTERNAL = "Internal error while processing (retried {n} times); the staff has been notified in the logs."


def convert(media_type: str, source_format: str, src: Path, out: Path, *, subtitles: Path | None, progress) -> dict:
    """Write the derivatives of one original into ``out`` (an empty folder); returns the facts."""
    if media_type == "image":
        from .iiif_image import build_iiif

        return {**build_iiif(src, out / "iiif", progress=progress), "files": ["iiif/info.json"]}
    if media_type == "panorama":
        from .panorama import build_panorama

        return build_panorama(src, out, progress=progress)
    if media_type == "video":
        from .video import transcode_video

        return transcode_video(src, out, subtitles=subtitles, progress=progress)
    if media_type == "audio":
        from .video import transcode_audio

        return transcode_audio(src, out, progress=progress)
    if media_type == "model":
        from .model3d import normalise_model

        return normalise_model(src, out, source_format=source_format, progress=progress)
    raise MediaRejected(f"No converter for media of type '{media_type}'.")


def _progress_writer(conn: psycopg.Connection, media_id: int) -> Callable[[float], None]:
    last = [0.0]

    def report(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_SECONDS and fraction < 1:
            return
        last[0] = now
        conn.execute(queries.PROGRESS, (round(100 * max(0.0, min(1.0, float(fraction))), 1), media_id))

    return report


def run_ingest(settings, media_id: int, *, attempt: int = 1, conn: psycopg.Connection | None = None) -> str:
    """Process one item; returns its final state ('done' or 'failed'; 'missing' if deleted).
    ``conn``: run on the caller's connection (set-up, the CLI), else on a connection of its own."""
    if conn is not None:
        return _ingest(conn, make_store(settings), settings, media_id, attempt)
    with psycopg.connect(database_url(settings), autocommit=True) as own:
        return _ingest(own, make_store(settings), settings, media_id, attempt)


def _ingest(conn: psycopg.Connection, store, settings, media_id: int, attempt: int) -> str:
    row = conn.execute(queries.INGEST_INPUT, (media_id,)).fetchone()
    if row is None:
        log.warning("media %s no longer exists; nothing to ingest", media_id)
        return "missing"
    media_type, source_format, original_key, subtitles_key, version, _ = row
    if not _present(store, original_key):
        conn.execute(queries.FAILED, (ORIGINAL_MISSING, media_id))
        return "failed"
    conn.execute(queries.RUNNING, (attempt, media_id))
    work = scratch_dir(settings)
    out = work / "out"
    out.mkdir()
    try:
        folder, _, name = original_key.rpartition("/")
        with store.local_tree(folder) as originals:
            subtitles = originals / subtitles_key.rpartition("/")[2] if subtitles_key else None
            facts = convert(
                media_type,
                source_format,
                originals / name,
                out,
                subtitles=subtitles,
                progress=_progress_writer(conn, media_id),
            )
        new_version = version + 1
        prefix = urls.version_prefix(media_id, new_version)
        # Left over by a run that died between publishing and switching: never referenced.
        store.delete_prefix(prefix)
        store.put_tree(prefix, out, move=True)
        conn.execute(queries.DONE, (new_version, json.dumps(facts, default=str), media_id))
        # Keep the previous version for caches and open viewers; older ones go.
        for old in range(1, new_version - 1):
            store.delete_prefix(urls.version_prefix(media_id, old))
        return "done"
    except MediaRejected as exc:
        conn.execute(queries.FAILED, (str(exc)[:1000], media_id))
        return "failed"
    finally:
        remove(work)


def _present(store, key: str | None) -> bool:
    if not key:
        return False
    try:
        return store.stat(key) is not None
    except StoreError:
        return False


def mark_failed(settings, media_id: int, reason: str) -> None:
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute(queries.FAILED, (reason, media_id))


def mark_queued_again(settings, media_id: int) -> None:
    """A stopped worker's item goes back to the queue (only if it was running)."""
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute(queries.QUEUED_AGAIN, (media_id,))
