"""Processes an earlier `heritage serve` left running when it was killed outright (its children
live in their own sessions): found by their pid file and recognised by their command line, so a
reused pid of somebody else's process is never touched."""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

log = logging.getLogger("heritage.front")
STOP_SECONDS = 10.0


def write_pid(path: Path, pid: int | None) -> None:
    if pid is not None:
        path.write_text(f"{pid}\n")


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop_leftover(pid_file: Path, marker: str, name: str) -> None:
    """Stop the process named in `pid_file` if its command line contains `marker`."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    if pid <= 1 or marker not in _command_line(pid):
        pid_file.unlink(missing_ok=True)
        return
    log.warning("stopping the %s left running by an earlier `heritage serve` (pid %d)", name, pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline and marker in _command_line(pid):
        time.sleep(0.1)
    if marker in _command_line(pid):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
