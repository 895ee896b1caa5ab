"""Which scratch folders a starting worker removes: those of dead processes on this host at once;
folders it cannot attribute only once quiet for longer than the stalled timeout with no job running
(or after a day); never those of live processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from mapserver.jobs.scratch import Owner, is_alive, orphaned, parse_owner, remove_orphaned, this_process
from mapserver.jobs.worker import STALLED_SECONDS
from tests.live_server import run_async_in_thread

from .conftest import settings_for


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _age(path, seconds: float) -> None:
    old = time.time() - seconds
    for folder, _, files in os.walk(path):
        for name in (*files, "."):
            os.utime(os.path.join(folder, name), (old, old))


def test_owner_names_round_trip_and_liveness():
    me = this_process()
    assert parse_owner(f"tiling-{me.tag()}~abc123") == me
    assert parse_owner("tiling-abc123") is None and parse_owner("other") is None
    assert is_alive(me)
    assert not is_alive(Owner(me.host, _dead_pid(), 0))
    assert not is_alive(Owner(me.host, me.pid, me.started + 1))  # same pid, another process


def test_orphaned_folders(tmp_path):
    root = tmp_path / "work"
    me = this_process()
    mine = root / f"tiling-{me.tag()}~live"
    dead = root / f"tiling-{Owner(me.host, _dead_pid(), 1).tag()}~dead"
    foreign_old = root / "tiling-legacy_old"
    foreign_fresh = root / "tiling-legacy_fresh"
    elsewhere = root / f"tiling-{Owner('other-host', 1, 1).tag()}~x"
    ancient = root / "tiling-ancient"
    unrelated = root / "keep-me"
    for folder in (mine, dead, foreign_old, foreign_fresh, elsewhere, ancient, unrelated):
        (folder / "out").mkdir(parents=True)
        (folder / "out" / "tile.bin").write_bytes(b"x")
    for folder in (mine, dead, foreign_old, elsewhere, unrelated):
        _age(folder, 3600)
    _age(ancient, 2 * 86400)

    assert orphaned(root, quiet_for=STALLED_SECONDS, jobs_running=False) == sorted(
        [dead, foreign_old, elsewhere, ancient]
    )
    # Another worker has a job running: only what is surely dead (or a day old) goes.
    assert orphaned(root, quiet_for=STALLED_SECONDS, jobs_running=True) == sorted([dead, ancient])
    removed = remove_orphaned(root, quiet_for=STALLED_SECONDS, jobs_running=True)
    assert not dead.exists() and not ancient.exists() and mine.exists() and foreign_old.exists() and removed
    assert orphaned(tmp_path / "missing", quiet_for=1, jobs_running=False) == []


def test_a_burst_worker_cleans_up_at_start(jobs_dsn, var_dir):

    from mapserver.jobs.worker import run_worker

    settings = settings_for(jobs_dsn, var_dir)
    leftover = var_dir / "work" / f"tiling-{Owner(this_process().host, _dead_pid(), 5).tag()}~zz"
    (leftover / "out").mkdir(parents=True)
    run_async_in_thread(lambda: run_worker(settings, jobs_dsn, burst=True))
    assert not leftover.exists()
