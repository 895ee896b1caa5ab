"""Running the lesson jobs of a test's database."""

from __future__ import annotations

import psycopg

from mapserver.lessons import files
from tests.live_server import run_async_in_thread


def run_lesson_jobs(server) -> int:
    """Run the queued lesson jobs' bodies (other kinds of job in the queue are not this test's)."""
    settings = server.app.state.settings
    with psycopg.connect(settings.database_url) as conn:
        jobs = conn.execute(
            "SELECT id, args FROM procrastinate_jobs WHERE task_name = 'heritage:build_lesson_files' AND status = 'todo'"
        ).fetchall()
        for job_id, args in jobs:
            run_async_in_thread(
                lambda args=args: files.build(
                    settings, args["what"], args.get("lesson_id"), args.get("subject"), args["base"]
                )
            )
            conn.execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", (job_id,))
    return len(jobs)
