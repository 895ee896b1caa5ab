"""Job bodies: tile one scan; ingest one media item; re-queue jobs whose worker died (stalled
heartbeats); delete the originals of long-failed uploads."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import psycopg
from procrastinate import Blueprint, JobContext, RetryStrategy
from procrastinate.exceptions import ConnectorException

from ..lessons import files as lesson_files
from ..media import ingest_job
from ..scans import fanout
from ..scans.tiling_job import mark_failed, mark_queued_again, run_tiling
from ..terrain import jobs as raster_jobs
from .retention import expire_failed_originals

log = logging.getLogger("heritage.jobs")
MAX_ATTEMPTS = 3
# A worker beats every 5 s (jobs.worker); three missed beats and its jobs are taken back.
STALLED_AFTER_SECONDS = 15.0
EXPIRE_CRON = "17 * * * *"  # hourly


def build_blueprint() -> Blueprint:
    """A fresh blueprint per app: procrastinate renames the tasks of a blueprint when it is added."""
    blueprint = Blueprint()
    blueprint.task(
        name="tile_scan", pass_context=True, queue="tiling", retry=RetryStrategy(max_attempts=MAX_ATTEMPTS - 1, wait=5)
    )(tile_scan)
    retry = RetryStrategy(max_attempts=MAX_ATTEMPTS - 1, wait=5)
    blueprint.task(name="ingest_media", pass_context=True, queue="media", retry=retry)(ingest_media)
    blueprint.task(name="build_lesson_files", pass_context=True, queue="media", retry=retry)(
        lesson_files.build_lesson_files
    )
    blueprint.task(name="build_raster", pass_context=True, queue="terrain", retry=retry)(raster_jobs.build_raster)
    # a big scan's parts and their merge (scans.fanout): any number of workers share them
    blueprint.task(name="tile_scan_part", pass_context=True, queue="tiling", retry=retry)(tile_scan_part)
    blueprint.task(name="merge_scan_parts", pass_context=True, queue="tiling", retry=retry)(merge_scan_parts)
    # Every running worker also checks every few seconds (jobs.worker); this periodic job is the
    # same check, kept so that any worker of the queue does it even if it runs old code.
    blueprint.periodic(cron="* * * * *")(
        blueprint.task(name="requeue_stalled", pass_context=True, queueing_lock="requeue_stalled", queue="tiling")(
            requeue_stalled
        )
    )
    # The virtual guide (guide.jobs): one record indexed and narrated, queued by each change of it.
    from ..guide.jobs import guide_index

    blueprint.task(name="guide_index", queue="guide", pass_context=True, retry=RetryStrategy(max_attempts=2, wait=30))(
        guide_index
    )
    blueprint.periodic(cron=EXPIRE_CRON)(
        blueprint.task(
            name="expire_failed_originals", pass_context=True, queueing_lock="expire_failed_originals", queue="tiling"
        )(expire_failed_uploads)
    )
    return blueprint


def tile_scan(context: JobContext, scan_id: int) -> None:
    settings = context.additional_context["settings"]
    attempt = (context.job.attempts or 0) + 1
    try:
        run_tiling(settings, scan_id, attempt=attempt)
    except Exception:
        log.exception("tiling scan %s failed (attempt %s of %s)", scan_id, attempt, MAX_ATTEMPTS)
        if attempt >= MAX_ATTEMPTS:
            mark_failed(
                settings,
                scan_id,
                f"Internal error while tiling (retried {MAX_ATTEMPTS} times); the staff has been notified in the logs.",
            )
        raise


def tile_scan_part(context: JobContext, scan_id: int, run: str, part: int) -> None:
    _fanout_step(context, scan_id, f"part {part}", lambda settings: fanout.run_part(settings, scan_id, run, part))


def merge_scan_parts(context: JobContext, scan_id: int, run: str) -> None:
    _fanout_step(context, scan_id, "merge", lambda settings: fanout.run_merge(settings, scan_id, run))


def _fanout_step(context: JobContext, scan_id: int, what: str, step) -> None:
    settings = context.additional_context["settings"]
    attempt = (context.job.attempts or 0) + 1
    try:
        step(settings)
    except Exception:
        log.exception("tiling scan %s (%s) failed (attempt %s of %s)", scan_id, what, attempt, MAX_ATTEMPTS)
        if attempt >= MAX_ATTEMPTS:
            mark_failed(settings, scan_id, f"Internal error while tiling ({what}, retried {MAX_ATTEMPTS} times).")
        raise


def ingest_media(context: JobContext, media_id: int) -> None:
    settings = context.additional_context["settings"]
    attempt = (context.job.attempts or 0) + 1
    try:
        ingest_job.run_ingest(settings, media_id, attempt=attempt)
    except Exception:
        log.exception("ingest of media %s failed (attempt %s of %s)", media_id, attempt, MAX_ATTEMPTS)
        if attempt >= MAX_ATTEMPTS:
            ingest_job.mark_failed(settings, media_id, ingest_job.INTERNAL.format(n=MAX_ATTEMPTS))
        raise


async def requeue_stalled(context: JobContext, timestamp: int) -> None:
    """A worker killed mid-job stops its heartbeat: put its jobs (and their scans) back in the queue."""
    await requeue_stalled_jobs(context.app, context.additional_context["settings"])


def expire_failed_uploads(context: JobContext, timestamp: int) -> None:
    expire_failed_originals(context.additional_context["settings"])


async def requeue_stalled_jobs(app, settings, seconds_since_heartbeat: float = STALLED_AFTER_SECONDS) -> int:
    count = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat):
        try:
            await app.job_manager.retry_job_by_id_async(job.id, retry_at=datetime.now(UTC))
        except ConnectorException as exc:
            if not isinstance(exc.__cause__, psycopg.errors.RaiseException):
                raise
            log.info("job %s was taken back by another worker already", job.id)  # no longer 'doing'
            continue
        count += 1
        log.warning("job %s (%s) of a stopped worker is queued again", job.id, job.task_name)
        scan_id = job.task_kwargs.get("scan_id")
        if scan_id is not None:
            await asyncio.to_thread(mark_queued_again, settings, int(scan_id))
        media_id = job.task_kwargs.get("media_id")
        if media_id is not None:
            await asyncio.to_thread(ingest_job.mark_queued_again, settings, int(media_id))
        layer_id = job.task_kwargs.get("layer_id")
        if layer_id is not None:
            await asyncio.to_thread(raster_jobs.mark_queued_again, settings, int(layer_id))
    return count
