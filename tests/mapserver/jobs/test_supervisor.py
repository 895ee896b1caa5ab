"""`heritage serve`'s supervision of its worker, on small child commands instead of the server:
a child that exits is started again after a growing, capped back-off; stop() ends a running child
with SIGTERM, or SIGKILL when it ignores that."""

from __future__ import annotations

import logging
import sys
import time

from mapserver.jobs.backoff import Backoff
from mapserver.jobs.supervisor import Supervisor, describe_exit

from .conftest import wait_for


def test_backoff_grows_is_capped_and_resets_after_a_healthy_run():
    backoff = Backoff(first=1, cap=5, healthy_after=60)
    assert [backoff.delay(0.1) for _ in range(5)] == [1, 2, 4, 5, 5]
    assert backoff.delay(61) == 1 and backoff.delay(0) == 2


def test_describe_exit():
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(None) == "could not be started"


def test_a_child_that_exits_is_started_again(tmp_path, caplog):
    runs = tmp_path / "runs"
    child = [sys.executable, "-c", f"open({str(runs)!r}, 'a').write('x'); raise SystemExit(3)"]
    supervisor = Supervisor(child, name="test child", backoff=Backoff(first=0.05, cap=0.2))
    with caplog.at_level(logging.WARNING, logger="heritage.supervisor"):
        supervisor.start()
        try:
            wait_for(lambda: runs.exists() and len(runs.read_text()) >= 4, 30, "four runs of the child")
        finally:
            supervisor.stop(timeout=5)
    count = len(runs.read_text())
    assert supervisor.starts >= 4
    assert "test child stopped on its own (exit code 3)" in caplog.text and "starting it again in" in caplog.text
    time.sleep(0.5)
    assert len(runs.read_text()) == count  # nothing is started after stop()


def test_a_long_running_child_is_stopped_with_sigterm(tmp_path):
    started = tmp_path / "started"
    child = [sys.executable, "-c", f"import time; open({str(started)!r}, 'w').close(); time.sleep(600)"]
    supervisor = Supervisor(child, backoff=Backoff(first=0.05))
    supervisor.start()
    wait_for(started.exists, 30, "the child to start")
    pid = supervisor.pid
    before = time.monotonic()
    assert supervisor.stop(timeout=10) == -15  # SIGTERM
    assert time.monotonic() - before < 5 and supervisor.starts == 1 and supervisor.pid is None and pid


def test_a_child_ignoring_sigterm_is_killed_after_the_timeout(tmp_path):
    ready = tmp_path / "ready"
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"open({str(ready)!r}, 'w').close(); time.sleep(600)"
    )
    supervisor = Supervisor([sys.executable, "-c", code], backoff=Backoff(first=0.05))
    supervisor.start()
    wait_for(ready.exists, 30, "the child to ignore SIGTERM")
    before = time.monotonic()
    assert supervisor.stop(timeout=1) == -9  # SIGKILL
    assert 1 <= time.monotonic() - before < 5


def test_a_command_that_cannot_start_is_retried_and_logged(tmp_path, caplog):
    supervisor = Supervisor([str(tmp_path / "missing")], name="ghost", backoff=Backoff(first=0.05, cap=0.1))
    with caplog.at_level(logging.WARNING, logger="heritage.supervisor"):
        supervisor.start()
        wait_for(lambda: caplog.text.count("ghost stopped on its own (could not be started)") >= 2, 10, "retries")
        assert supervisor.stop(timeout=1) is None
    assert "ghost could not be started" in caplog.text


def test_serve_supervises_a_heritage_worker():
    from mapserver.cli import _supervised_worker
    from mapserver.settings import Settings

    supervisor = _supervised_worker(Settings(worker_backoff_max_seconds=7))
    assert supervisor.command == [sys.executable, "-m", "mapserver.cli", "worker"]
    assert supervisor.backoff.cap == 7 and supervisor.starts == 0  # built, not started
