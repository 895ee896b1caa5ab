"""`heritage worker`: run tiling jobs; at start, put back the jobs of workers that died."""

from __future__ import annotations

import logging

from .queue import make_app
from .tasks import requeue_stalled_jobs

HEARTBEAT_SECONDS = 5.0
STALLED_SECONDS = 15.0
log = logging.getLogger("heritage.worker")


async def run_worker(settings, dsn: str, *, concurrency: int = 1, burst: bool = False) -> None:
    """Process jobs until stopped (or, with burst, until the queue is empty)."""
    app = make_app(dsn)
    async with app.open_async():
        requeued = await requeue_stalled_jobs(app, settings, STALLED_SECONDS)
        if requeued:
            log.warning("re-queued %s job(s) left by a stopped worker", requeued)
        await app.run_worker_async(
            queues=["tiling"],
            concurrency=concurrency,
            wait=not burst,
            additional_context={"settings": settings},
            update_heartbeat_interval=HEARTBEAT_SECONDS,
            stalled_worker_timeout=STALLED_SECONDS,
            install_signal_handlers=not burst,
        )
