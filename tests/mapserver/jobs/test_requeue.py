"""The stalled-job check itself (run by every worker every few seconds and by the periodic
`requeue_stalled` job): a job whose worker stopped beating for longer than the stalled timeout goes
back to the queue with its scan, once; a job of a live worker stays. The timings add up to a minute."""

from __future__ import annotations

import psycopg

from mapserver.jobs import tasks, worker
from mapserver.jobs.queue import make_app
from tests.live_server import run_async_in_thread

from .conftest import add_scan, scan_row, settings_for, write_las


def test_the_settings_requeue_within_a_minute():
    # Stale at most STALLED_SECONDS after the last beat, seen by the next check, fetched by the next poll.
    worst = worker.STALLED_SECONDS + worker.WATCH_SECONDS + 5.0  # procrastinate's fetch polling interval
    assert worker.HEARTBEAT_SECONDS * 3 <= worker.STALLED_SECONDS  # three missed beats, not one
    assert worst <= 30 < 60


def test_stalled_jobs_go_back_to_the_queue_once(jobs_dsn, var_dir, tmp_path):
    settings = settings_for(jobs_dsn, var_dir)
    dead_scan = add_scan(settings, write_las(tmp_path / "a.las", n=200))
    live_scan = add_scan(settings, write_las(tmp_path / "b.las", n=200))

    async def scenario() -> tuple[int, int, int]:
        app = make_app(jobs_dsn)
        async with app.open_async():
            manager = app.job_manager
            dead, live = await manager.register_worker(), await manager.register_worker()
            dead_job = await manager.fetch_job(queues=["tiling"], worker_id=dead)
            live_job = await manager.fetch_job(queues=["tiling"], worker_id=live)
            with psycopg.connect(jobs_dsn, autocommit=True) as conn:
                conn.execute("UPDATE scans SET status = 'running' WHERE id IN (%s, %s)", (dead_scan, live_scan))
                conn.execute(
                    "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '20 seconds' WHERE id = %s",
                    (dead,),
                )
            first = await tasks.requeue_stalled_jobs(app, settings)
            second = await tasks.requeue_stalled_jobs(app, settings)
            statuses = {j.id: j.status for j in await manager.list_jobs_async()}
            assert statuses[dead_job.id] == "todo" and statuses[live_job.id] == "doing"
            return first, second, dead_job.task_kwargs["scan_id"]

    first, second, scan_of_dead_job = run_async_in_thread(scenario)
    assert (first, second) == (1, 0)
    assert scan_of_dead_job == dead_scan
    assert scan_row(jobs_dsn, dead_scan)["status"] == "queued"
    assert scan_row(jobs_dsn, live_scan)["status"] == "running"


def test_the_logged_reason_is_the_root_cause():
    from procrastinate.exceptions import ConnectorException

    try:
        try:
            raise psycopg.OperationalError('connection to server on socket "/x" failed: No such file\nmore detail')
        except psycopg.OperationalError as exc:
            raise ConnectorException() from exc
    except ConnectorException as wrapped:
        assert worker.why(wrapped) == 'OperationalError: connection to server on socket "/x" failed: No such file'
    assert worker.why(ConnectionResetError()) == "ConnectionResetError"
