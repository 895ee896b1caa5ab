"""Scratch folders of tiling jobs under var/work/.

A job removes its own folder when it ends, failed or not. A worker killed mid-job cannot, so each
folder is named after the process that made it (host, pid and the process's start time, which
tells a reused pid apart) and a worker starting up removes the folders of processes that are gone.
A folder it cannot attribute (another host sharing var/, an older name) is removed only when
nothing has touched it for longer than the stalled-worker timeout and no job is running anywhere,
or when it has been left alone for a day.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("heritage.scratch")
PREFIX = "tiling-"
SEP = "~"
UNATTRIBUTED_MAX_AGE = 24 * 3600.0


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: int  # the process's start time in clock ticks since boot; 0 when unknown

    def tag(self) -> str:
        return SEP.join((self.host, str(self.pid), str(self.started)))


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:64] or "host"


def _start_ticks(pid: int) -> int | None:
    """The start time of a live process from /proc; None without /proc; raises when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if not Path("/proc/self/stat").exists():
            return None
        raise ProcessLookupError(pid) from None
    fields = text.rpartition(")")[2].split()
    if fields[0] in ("Z", "X"):  # killed but not yet reaped by its parent
        raise ProcessLookupError(pid)
    return int(fields[19])


def this_process() -> Owner:
    pid = os.getpid()
    return Owner(_host(), pid, _start_ticks(pid) or 0)


def is_alive(owner: Owner) -> bool:
    """Whether the process that made a folder on this host still runs (and is the same process)."""
    try:
        started = _start_ticks(owner.pid)
    except ProcessLookupError:
        return False
    except (OSError, ValueError, IndexError):
        return True  # unreadable: assume alive, never remove a live job's files
    if started is None:
        try:
            os.kill(owner.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return not owner.started or started == owner.started


def parse_owner(name: str) -> Owner | None:
    if not name.startswith(PREFIX):
        return None
    parts = name[len(PREFIX) :].split(SEP)
    if len(parts) != 4 or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    return Owner(parts[0], int(parts[1]), int(parts[2]))


def work_root(settings) -> Path:
    return settings.var_dir / "work"


def scratch_dir(settings) -> Path:
    """A fresh folder for one job, named after this process."""
    root = work_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=root, prefix=f"{PREFIX}{this_process().tag()}{SEP}"))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def last_touched(path: Path) -> float:
    """The newest modification time of the folder or anything inside it."""
    newest = 0.0
    for folder, dirs, files in os.walk(path):
        for name in (".", *dirs, *files):
            try:
                newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
            except OSError:
                continue
    return newest


def orphaned(root: Path, *, quiet_for: float, jobs_running: bool, now: float | None = None) -> list[Path]:
    """Folders under `root` that no live job can own (see the module's rule)."""
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    host = _host()
    found = []
    for folder in sorted(root.iterdir()):
        if not folder.name.startswith(PREFIX) or not folder.is_dir() or folder.is_symlink():
            continue
        owner = parse_owner(folder.name)
        if owner is not None and owner.host == host:
            if not is_alive(owner):
                found.append(folder)
            continue
        quiet = now - last_touched(folder)
        if (quiet > quiet_for and not jobs_running) or quiet > UNATTRIBUTED_MAX_AGE:
            found.append(folder)
    return found


def remove_orphaned(root: Path, *, quiet_for: float, jobs_running: bool) -> list[Path]:
    removed = orphaned(root, quiet_for=quiet_for, jobs_running=jobs_running)
    for folder in removed:
        remove(folder)
    if removed:
        log.warning("removed %s scratch folder(s) left by stopped workers: %s", len(removed), removed)
    return removed
