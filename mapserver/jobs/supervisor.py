"""`heritage serve` keeps its tiling worker alive: a thread starts the worker process, waits for it,
and starts it again (after a back-off that grows while it keeps failing) until the server stops.

The child runs in its own session, so a Ctrl-C on the server's terminal reaches only the server;
the server then stops the child itself: SIGTERM (the worker finishes its running job), SIGKILL
after a timeout.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Sequence

from .backoff import Backoff

log = logging.getLogger("heritage.supervisor")


def describe_exit(code: int | None) -> str:
    if code is None:
        return "could not be started"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Supervisor:
    """Run `command` again whenever it ends, until `stop()`."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        name: str = "tiling worker",
        backoff: Backoff | None = None,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ):
        self.command = list(command)
        self.name = name
        self.backoff = backoff or Backoff()
        self.env = env
        self.cwd = cwd
        self.starts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._keep_running, name=f"supervise {self.name}", daemon=True)
        self._thread.start()

    def _spawn(self) -> subprocess.Popen | None:
        with self._lock:
            if self._stopping.is_set():
                return None
            try:
                self._process = subprocess.Popen(self.command, env=self.env, cwd=self.cwd, start_new_session=True)
            except OSError as exc:
                log.error("%s could not be started: %s", self.name, exc)
                self._process = None
                return None
            self.starts += 1
            return self._process

    def _keep_running(self) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            process = self._spawn()
            code = process.wait() if process is not None else None
            if self._stopping.is_set():
                return
            ran_for = time.monotonic() - started
            delay = self.backoff.delay(ran_for)
            log.warning(
                "%s stopped on its own (%s) after %.1f s; starting it again in %.1f s",
                self.name,
                describe_exit(code),
                ran_for,
                delay,
            )
            if self._stopping.wait(delay):
                return

    def stop(self, timeout: float = 30.0) -> int | None:
        """Stop supervising and end the child: SIGTERM, then SIGKILL after `timeout` seconds."""
        self._stopping.set()
        with self._lock:
            process = self._process
        code = None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop within %.0f s; killing it", self.name, timeout)
                    process.kill()
                    process.wait()
            code = process.returncode
        if self._thread is not None:
            self._thread.join(timeout=5)
        return code
