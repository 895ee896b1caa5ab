"""The embedded PostgreSQL/PostGIS cluster: a private cluster reached only by a unix socket.

PostgreSQL refuses to run as root, so as root every server binary runs as the `postgres` OS user,
and the cluster lives where that user can reach it (a per-checkout folder under /var/tmp when the
checkout itself is private, e.g. under /root). Nothing here listens on TCP.

Access: the socket directory is 0700 (only the cluster's OS user, and root, can reach it) and
pg_hba.conf allows only unix-socket connections with a SCRAM password. The password is generated at
initdb and kept in the cluster's folder in `pgpass` (libpq's password-file format, mode 0600, owned by
the user running the app); `Cluster.dsn()` names that file (`passfile=`), so DSNs never carry the
password itself. A cluster made by an earlier version with `trust` is migrated on its next start: a
password is set (single-user mode when stopped, over the still-trusted socket when running), then
pg_hba.conf is rewritten and reloaded.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import secrets
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "heritage"
SOCKET_PATH_LIMIT = 100  # bytes, including "/.s.PGSQL.5432"
PASSWORD_FILE = "pgpass"
HBA = (
    "# Written by heritage (mapserver/embedded_pg.py): unix socket only, SCRAM password for every role.\n"
    "# TYPE  DATABASE  USER  METHOD\n"
    "local   all       all   scram-sha-256\n"
)


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


def _owner_ids() -> tuple[int, int]:
    """(uid, gid) of the OS user the server runs as."""
    if _is_root():
        entry = pwd.getpwnam("postgres")
        return entry.pw_uid, entry.pw_gid
    return os.geteuid(), os.getegid()


def _postgres_can_write(path: Path) -> bool:
    result = subprocess.run(_as_owner(["test", "-w", str(path)]), capture_output=True)
    return result.returncode == 0


def _private_dir(path: Path) -> None:
    """Create or take over a directory only the server's OS user may enter (mode 0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ClusterError(f"{path} must be a plain directory, not a link")
    uid, gid = _owner_ids()
    if info.st_uid not in (uid, os.geteuid()):
        raise ClusterError(f"{path} belongs to another user (uid {info.st_uid}); remove it and start again")
    if info.st_uid != uid or info.st_gid != gid:
        os.chown(path, uid, gid)
    os.chmod(path, 0o700)


def _write_private(path: Path, text: str, owner: tuple[int, int] | None = None) -> None:
    """Write a file readable only by its owner (0600), replacing any previous one in one step."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    if owner is not None:
        os.chown(tmp, *owner)
    os.replace(tmp, path)


@dataclass(frozen=True)
class Cluster:
    data_dir: Path
    socket_dir: Path

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    @property
    def password_file(self) -> Path:
        return self.data_dir.parent / PASSWORD_FILE

    def password(self) -> str:
        """The superuser's password, from the cluster's password file."""
        try:
            line = self.password_file.read_text().strip()
        except FileNotFoundError:
            raise ClusterError(f"no password file {self.password_file}: start the cluster to create it") from None
        return line.split(":", 4)[4]

    def dsn(self, dbname: str = "heritage") -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.socket_dir}&passfile={self.password_file}"

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
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if _is_root():
            shutil.chown(self.data_dir.parent, "postgres", "postgres")
        _private_dir(self.socket_dir)
        password = secrets.token_urlsafe(32)
        # initdb reads the password from a file its own OS user can read; removed right after.
        initdb_pw = self.data_dir.parent / ".initdb-password"
        _write_private(initdb_pw, password + "\n", _owner_ids() if _is_root() else None)
        try:
            self._run(
                [
                    str(postgres_bindir() / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "--auth-local=scram-sha-256",
                    "--auth-host=reject",
                    f"--pwfile={initdb_pw}",
                    "-U",
                    SUPERUSER,
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ],
                "initdb",
            )
        finally:
            initdb_pw.unlink(missing_ok=True)
        self._save_password(password)
        self._write_hba()

    def start(self, *, fast_unsafe: bool = False) -> None:
        """Start the server (securing a cluster made with `trust` first); `fast_unsafe` turns off
        fsync (throw-away test clusters only)."""
        if not self.exists():
            raise ClusterError(f"no cluster in {self.data_dir}: create it first (init)")
        running = self.is_running()
        _private_dir(self.socket_dir)
        self._secure(running=running)
        if running:
            return
        options = f"-k {self.socket_dir} -c listen_addresses='' -c unix_socket_permissions=0700"
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

    # -- access ----------------------------------------------------------------------------------
    @property
    def _hba_file(self) -> Path:
        return self.data_dir / "pg_hba.conf"

    def _hba_trusts(self) -> bool:
        lines = (line.split("#", 1)[0].split() for line in self._hba_file.read_text().splitlines())
        return any("trust" in fields for fields in lines)

    def _secure(self, *, running: bool) -> None:
        """Migrate a cluster from before password auth: set a password, then allow only SCRAM."""
        if self.password_file.exists() and self._hba_file.read_text() == HBA:
            return
        if not self.password_file.exists():
            password = secrets.token_urlsafe(32)
            if not running:
                self._set_password_offline(password)
            elif self._hba_trusts():
                self._set_password_online(password)
            else:
                raise ClusterError(
                    f"the password file {self.password_file} is missing: stop the cluster and start it "
                    "again to set a new password"
                )
            self._save_password(password)
        self._write_hba()
        if running:
            self._run([str(postgres_bindir() / "pg_ctl"), "-D", str(self.data_dir), "reload"], "pg_ctl reload")

    def _set_password_offline(self, password: str) -> None:
        # One statement a line; token_urlsafe makes no quotes.
        statement = f"SET password_encryption = 'scram-sha-256';\nALTER ROLE {SUPERUSER} PASSWORD '{password}';\n"
        cmd = [str(postgres_bindir() / "postgres"), "--single", "-D", str(self.data_dir), "-c", "listen_addresses="]
        result = subprocess.run(_as_owner([*cmd, "postgres"]), input=statement, capture_output=True, text=True)
        if result.returncode != 0 or "ERROR" in result.stdout + result.stderr:
            tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            raise ClusterError("setting the password (single-user mode) failed: " + " | ".join(tail))

    def _set_password_online(self, password: str) -> None:
        trusted = f"postgresql://{SUPERUSER}@/postgres?host={self.socket_dir}"
        with psycopg.connect(trusted, autocommit=True) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(SUPERUSER), sql.Literal(password)))

    def _save_password(self, password: str) -> None:
        _write_private(self.password_file, f"*:*:*:{SUPERUSER}:{password}\n")

    def _write_hba(self) -> None:
        _write_private(self._hba_file, HBA, _owner_ids() if _is_root() else None)

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
