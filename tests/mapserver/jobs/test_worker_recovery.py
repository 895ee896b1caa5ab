"""A real worker process against a real PostgreSQL: it outlives a database restart, and a job of
a worker killed mid-way is taken back and finished by a fresh worker within a minute, its scratch
folder removed."""

from __future__ import annotations

import time

from mapserver.jobs.scratch import parse_owner, work_root

from .conftest import WorkerProcess, add_scan, scan_row, settings_for, wait_for, write_las

STARTED = "Starting worker on"  # procrastinate's log line once the worker loop runs


def test_worker_survives_a_database_restart(jobs_cluster, jobs_dsn, var_dir, tmp_path):
    settings = settings_for(jobs_dsn, var_dir)
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    try:
        worker.wait_log(STARTED, timeout=60)
        jobs_cluster.stop()
        time.sleep(5)
        assert worker.alive(), worker.log()[-3000:]
        jobs_cluster.start(fast_unsafe=True)
        up = time.monotonic()
        reconnected = worker.wait_log("database reachable again", timeout=60)
        print(f"\nworker reconnected {reconnected - up:.1f} s after the database came back")
        wait_for(lambda: worker.log().count(STARTED) >= 2, 30, "the worker loop to run again")
        assert "database connection lost" in worker.log() or "stopped on its own" in worker.log()

        scan_id = add_scan(settings, write_las(tmp_path / "after.las"))
        queued = time.monotonic()
        wait_for(lambda: scan_row(jobs_dsn, scan_id)["status"] in ("done", "failed"), 90, "the scan to be tiled")
        print(f"scan queued after the restart tiled in {time.monotonic() - queued:.1f} s")
        row = scan_row(jobs_dsn, scan_id)
        assert row["status"] == "done" and row["tileset_version"] == 1, row
        assert worker.alive()  # the same process did it
        assert "tile_scan" in worker.log()
    finally:
        jobs_cluster.start(fast_unsafe=True)
        assert worker.stop() == 0, worker.log()[-3000:]


def test_killed_workers_job_is_finished_by_a_fresh_worker_within_a_minute(jobs_dsn, var_dir, tmp_path):
    settings = settings_for(jobs_dsn, var_dir)
    scan_id = add_scan(settings, write_las(tmp_path / "big.las", n=600_000, seed=2))
    first = WorkerProcess(settings, tmp_path / "first.log")
    try:
        wait_for(lambda: scan_row(jobs_dsn, scan_id)["status"] == "running" or not first.alive(), 120, "running")
        folders = wait_for(lambda: list(work_root(settings).glob("tiling-*")), 30, "the job's scratch folder")
        assert [parse_owner(f.name).pid for f in folders] == [first.pid]
    finally:
        first.kill()
    killed = time.monotonic()
    assert scan_row(jobs_dsn, scan_id)["status"] == "running"  # nobody told the database

    fresh = WorkerProcess(settings, tmp_path / "fresh.log")
    try:
        fresh.wait_log(STARTED, timeout=60)
        assert not folders[0].exists()  # the dead worker's scratch folder went at start
        requeued = wait_for(
            lambda: (row := scan_row(jobs_dsn, scan_id))["status"] != "running" or row["attempts"] > 1,
            60,
            "the job to be queued again",
            every=0.1,
        )
        requeued_after = time.monotonic() - killed
        wait_for(lambda: scan_row(jobs_dsn, scan_id)["status"] in ("done", "failed"), 60, "the scan to be done")
        done_after = time.monotonic() - killed
        print(f"\nkilled job queued again after {requeued_after:.1f} s, done {done_after:.1f} s after the kill")
        row = scan_row(jobs_dsn, scan_id)
        assert requeued and row["status"] == "done" and row["attempts"] == 2 and row["tileset_version"] == 1, row
        assert done_after < 60
        assert list(work_root(settings).glob("tiling-*")) == []  # the finished job removed its own
    finally:
        assert fresh.stop() == 0, fresh.log()[-3000:]


def test_a_job_cut_off_by_a_database_restart_is_finished_after_it(jobs_cluster, jobs_dsn, var_dir, tmp_path):
    settings = settings_for(jobs_dsn, var_dir)
    scan_id = add_scan(settings, write_las(tmp_path / "mid.las", n=1_500_000, seed=3))
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    try:
        wait_for(lambda: scan_row(jobs_dsn, scan_id)["status"] == "running" or not worker.alive(), 120, "running")
        jobs_cluster.stop()
        time.sleep(5)
        jobs_cluster.start(fast_unsafe=True)
        up = time.monotonic()
        wait_for(lambda: scan_row(jobs_dsn, scan_id)["status"] in ("done", "failed"), 90, "the scan to be tiled")
        print(f"\njob cut off by the restart done {time.monotonic() - up:.1f} s after the database came back")
        row = scan_row(jobs_dsn, scan_id)
        assert row["status"] == "done" and row["attempts"] >= 2 and row["tileset_version"] == 1, row
        assert worker.alive()
        assert list(work_root(settings).glob("tiling-*")) == []  # the failed attempt removed its folder
    finally:
        jobs_cluster.start(fast_unsafe=True)
        assert worker.stop() == 0, worker.log()[-3000:]
