"""The embedded PostgreSQL/PostGIS cluster: a private cluster reached only by a unix socket.

PostgreSQL refuses to run as root, so as root every server binary runs as the `postgres` OS user,
and the cluster lives where that user can reach it (a per-checkout folder under /var/tmp when the
checkout itself is private, e.g. under /root). Nothing here listens on TCP.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "heritage"
SOCKET_PATH_LIMIT = 100  # bytes, including "/.s.PGSQL.5432"


class ClusterError(RuntimeError):
    """The embedded cluster could not be created, started or stopped."""


def postgres_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise ClusterError("PostgreSQL server binaries not found (apt-get install postgresql-15-postgis-3)")
    return Path(found[-1]).parent


def _is_root() -> bool:
    return os.geteuid() == 0


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if _is_root() else cmd


def _postgres_can_write(path: Path) -> bool:
    result = subprocess.run(_as_owner(["test", "-w", str(path)]), capture_output=True)
    return result.returncode == 0


@dataclass(frozen=True)
class Cluster:
    data_dir: Path
    socket_dir: Path

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def dsn(self, dbname: str = "heritage") -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.socket_dir}"

    # -- lifecycle -------------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.exists():
            return False
        result = subprocess.run(
            _as_owner([str(postgres_bindir() / "pg_ctl"), "-D", str(self.data_dir), "status"]),
            capture_output=True,
        )
        return result.returncode == 0

    def init(self) -> None:
        if self.exists():
            return
        for folder in (self.data_dir.parent, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
            if _is_root():
                shutil.chown(folder, "postgres", "postgres")
        self._run(
            [
                str(postgres_bindir() / "initdb"),
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
            "initdb",
        )

    def start(self, *, fast_unsafe: bool = False) -> None:
        """Start the server; `fast_unsafe` turns off fsync (throw-away test clusters only)."""
        if self.is_running():
            return
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if _is_root():
            shutil.chown(self.socket_dir, "postgres", "postgres")
        options = f"-k {self.socket_dir} -c listen_addresses=''"
        if fast_unsafe:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            [
                str(postgres_bindir() / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ],
            "pg_ctl start",
        )

    def stop(self) -> None:
        if not self.is_running():
            return
        self._run(
            [str(postgres_bindir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            "pg_ctl stop",
        )

    def _run(self, cmd: list[str], what: str) -> None:
        result = subprocess.run(_as_owner(cmd), capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            raise ClusterError(f"{what} failed: " + " | ".join(tail) + f" (log: {self.log_file})")


def _short_socket_dir(preferred: Path, key: str) -> Path:
    if len(str(preferred)) + len("/.s.PGSQL.5432") < SOCKET_PATH_LIMIT:
        return preferred
    return Path("/tmp") / f"heritage-sock-{key}"


def locate(var_dir: Path) -> Cluster:
    """Where the cluster of this checkout lives: var/pg, or a per-checkout folder outside it as root."""
    var_dir = var_dir.resolve()
    key = hashlib.sha1(str(var_dir).encode()).hexdigest()[:10]
    base = var_dir / "pg"
    if _is_root():
        base.mkdir(parents=True, exist_ok=True)
        shutil.chown(base, "postgres", "postgres")
        if not _postgres_can_write(base):
            base = Path("/var/tmp") / f"heritage-{key}" / "pg"
    return Cluster(data_dir=base / "data", socket_dir=_short_socket_dir(base / "run", key))


def cluster_at(folder: Path) -> Cluster:
    """A cluster in an arbitrary folder (tests use a fresh temporary one)."""
    key = hashlib.sha1(str(folder).encode()).hexdigest()[:10]
    return Cluster(data_dir=folder / "data", socket_dir=_short_socket_dir(folder / "run", key))
