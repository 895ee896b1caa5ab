"""Job bodies: tile one scan; re-queue jobs whose worker died (stalled heartbeats)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from procrastinate import Blueprint, JobContext, RetryStrategy

from ..scans.tiling_job import mark_failed, mark_queued_again, run_tiling

log = logging.getLogger("heritage.jobs")
MAX_ATTEMPTS = 3
STALLED_AFTER_SECONDS = 15.0


def build_blueprint() -> Blueprint:
    """A fresh blueprint per app: procrastinate renames the tasks of a blueprint when it is added."""
    blueprint = Blueprint()
    blueprint.task(
        name="tile_scan", pass_context=True, queue="tiling", retry=RetryStrategy(max_attempts=MAX_ATTEMPTS - 1, wait=5)
    )(tile_scan)
    blueprint.periodic(cron="* * * * *")(
        blueprint.task(name="requeue_stalled", pass_context=True, queueing_lock="requeue_stalled", queue="tiling")(
            requeue_stalled
        )
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


async def requeue_stalled(context: JobContext, timestamp: int) -> None:
    """A worker killed mid-job stops its heartbeat: put its jobs (and their scans) back in the queue."""
    await requeue_stalled_jobs(context.app, context.additional_context["settings"])


async def requeue_stalled_jobs(app, settings, seconds_since_heartbeat: float = STALLED_AFTER_SECONDS) -> int:
    count = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat):
        await app.job_manager.retry_job_by_id_async(job.id, retry_at=datetime.now(UTC))
        count += 1
        scan_id = job.task_kwargs.get("scan_id")
        if scan_id is not None:
            mark_queued_again(settings, int(scan_id))
    return count
