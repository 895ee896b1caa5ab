"""`heritage worker`: run tiling jobs until stopped, surviving database restarts.

procrastinate's worker stops when its connection fails (a side task dies, or fetching a job
raises). Here it runs in a loop: on a lost connection the worker waits (growing back-off, capped),
checks the database answers, opens a fresh procrastinate app and starts again in the same process.
SIGINT/SIGTERM stop it cleanly: the running job finishes first (a second SIGTERM ends it at once).

Each (re)start puts back the jobs of workers that died (no heartbeat for STALLED_SECONDS); while
running, the worker repeats that check every WATCH_SECONDS, so a job of a killed worker is queued
again at most STALLED_SECONDS + WATCH_SECONDS (20 s) after the kill, even when this worker is busy,
and started within procrastinate's polling interval (5 s) after that.
Each (re)start also removes the scratch folders of dead workers (jobs.scratch).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time

import psycopg
from procrastinate.exceptions import ConnectorException

from .backoff import Backoff
from .queue import make_app
from .scratch import remove_orphaned, work_root
from .tasks import STALLED_AFTER_SECONDS, requeue_stalled_jobs

HEARTBEAT_SECONDS = 5.0
STALLED_SECONDS = STALLED_AFTER_SECONDS
WATCH_SECONDS = 5.0
PROBE_TIMEOUT_SECONDS = 5
# What a database going away looks like from here (psycopg_pool.PoolTimeout is an OperationalError).
CONNECTION_LOST = (ConnectorException, psycopg.OperationalError, psycopg.InterfaceError, OSError)
log = logging.getLogger("heritage.worker")


def why(exc: BaseException) -> str:
    """The root cause in one line (procrastinate wraps psycopg errors as 'Database error.')."""
    cause = exc
    while cause.__cause__ is not None or (isinstance(cause, ConnectorException) and cause.__context__ is not None):
        cause = cause.__cause__ or cause.__context__
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0]}" if text else type(cause).__name__


async def database_answers(dsn: str) -> None:
    """Raise unless the database accepts a connection and a query now."""
    async with await psycopg.AsyncConnection.connect(dsn, connect_timeout=PROBE_TIMEOUT_SECONDS) as conn:
        await conn.execute("SELECT 1")


def wait_for_database(dsn: str, backoff: Backoff | None = None) -> None:
    """Block until the database answers (for the worker's start-up, before migrating)."""
    backoff = backoff or Backoff()
    while True:
        try:
            asyncio.run(database_answers(dsn))
            return
        except CONNECTION_LOST as exc:
            delay = backoff.delay()
            log.warning("database not reachable (%s); trying again in %.1f s", why(exc), delay)
            time.sleep(delay)


async def run_worker(
    settings, dsn: str, *, concurrency: int = 1, burst: bool = False, backoff: Backoff | None = None
) -> None:
    """Process jobs until stopped (or, with burst, once until the queue is empty, without reconnecting)."""
    if burst:
        await _run_once(settings, dsn, concurrency=concurrency, wait=False)
        return
    stopping = asyncio.Event()
    backoff = backoff or Backoff(cap=settings.worker_backoff_max_seconds)
    with _stop_on_signals(stopping):
        await _run_until_stopped(settings, dsn, concurrency, stopping, backoff)


async def _run_until_stopped(settings, dsn: str, concurrency: int, stopping: asyncio.Event, backoff: Backoff) -> None:
    loop = asyncio.get_running_loop()
    lost_at = None
    while not stopping.is_set():
        started = loop.time()
        try:
            await database_answers(dsn)
            if lost_at is not None:
                log.warning(
                    "database reachable again; the worker starts again %.1f s after it stopped", loop.time() - lost_at
                )
                lost_at = None
            await _run_once(settings, dsn, concurrency=concurrency, wait=True, stopping=stopping)
            if stopping.is_set():
                return
            reason = "the worker stopped on its own (a side task lost its connection)"
        except CONNECTION_LOST as exc:
            if stopping.is_set():
                return
            reason = f"database connection lost or refused ({why(exc)})"
        lost_at = loop.time() if lost_at is None else lost_at
        delay = backoff.delay(loop.time() - started)
        log.warning("%s; reconnecting in %.1f s", reason, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)


async def _run_once(settings, dsn: str, *, concurrency: int, wait: bool, stopping: asyncio.Event | None = None) -> None:
    app = make_app(dsn)
    async with app.open_async():
        await _recover(app, settings)
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=None,  # every queue: tiling, media, guide, terrain — one worker kind does all
                concurrency=concurrency,
                wait=wait,
                additional_context={"settings": settings},
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_SECONDS,
                install_signal_handlers=False,
            ),
            name="procrastinate worker",
        )
        side = [asyncio.create_task(_watch_stalled(app, settings), name="watch stalled")] if wait else []
        stop_wait = asyncio.create_task(stopping.wait()) if stopping is not None else None
        try:
            await asyncio.wait([t for t in (worker, stop_wait) if t is not None], return_when=asyncio.FIRST_COMPLETED)
            if not worker.done():
                log.info("stop requested: finishing the running job(s) first")
                worker.cancel()  # procrastinate's graceful stop: running jobs end, no new job starts
            try:
                await worker
            except asyncio.CancelledError:
                if not worker.cancelled() or asyncio.current_task().cancelling():
                    raise  # this coroutine itself is being cancelled
        finally:
            for task in (*side, stop_wait):
                if task is not None:
                    task.cancel()
            if not worker.done():
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError, *CONNECTION_LOST):
                    await worker


async def _recover(app, settings) -> None:
    """At each (re)start: jobs of dead workers back to the queue, scratch folders of dead workers gone
    (this process's own folders are never taken: it is alive, and its earlier jobs have ended)."""
    requeued = await requeue_stalled_jobs(app, settings, STALLED_SECONDS)
    if requeued:
        log.warning("re-queued %s job(s) left by a stopped worker", requeued)
    doing = {job.id for job in await app.job_manager.list_jobs_async(status="doing")}
    stalled = {job.id for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_SECONDS)}
    try:
        await asyncio.to_thread(
            remove_orphaned, work_root(settings), quiet_for=STALLED_SECONDS, jobs_running=bool(doing - stalled)
        )
    except OSError:  # a disk problem must not pass for a lost connection
        log.exception("could not clean the scratch folders under %s", work_root(settings))


async def _watch_stalled(app, settings) -> None:
    """Jobs of workers that vanished go back to the queue even while this worker is busy."""
    while True:
        await asyncio.sleep(WATCH_SECONDS)
        try:
            await requeue_stalled_jobs(app, settings, STALLED_SECONDS)
        except CONNECTION_LOST as exc:
            log.debug("stalled-job check skipped: %s", why(exc))


@contextlib.contextmanager
def _stop_on_signals(stopping: asyncio.Event):
    """SIGINT/SIGTERM ask for a clean stop; the handlers are removed then, so a second one is final."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def request_stop(signum: int) -> None:
        log.info("%s received: stopping the worker", signal.Signals(signum).name)
        for sig in signals:
            loop.remove_signal_handler(sig)
        stopping.set()

    for sig in signals:
        loop.add_signal_handler(sig, request_stop, sig)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
