"""Backup and restore of a whole installation: the database and the file store, in one folder.

A backup folder holds
  database.dump   pg_dump's custom format, taken from one snapshot (the row counts come from it too)
  store/KEY       every object of the file store (local directory or S3, read through mapserver.store)
  manifest.json   app version, Alembic revision, row count of every table, SHA-256 and size of every file;
                  written last, so a folder without it is an unfinished backup

Restore checks every checksum before it touches anything, then replays the dump in one transaction
(into an empty database, or with `force` after dropping every schema of the database in that same
transaction), checks the row counts, and copies the store back.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .embedded_pg import postgres_bindir
from .store import KEY, LocalStore, S3Store, check_key

FORMAT = 1
DUMP = "database.dump"
STORE = "store"
MANIFEST = "manifest.json"
BLOCK = 1 << 20

# Ordinary and partitioned tables outside the system schemas, except those an extension owns
# (PostGIS's spatial_ref_sys): what "the app's tables" means for counting and for "empty".
TABLES = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""
# Run before the dump with --force, in the restore's transaction: a failed restore keeps the old data.
DROP_EVERYTHING = """
DO $$
DECLARE s name;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema')
             AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $$;
CREATE SCHEMA public;
GRANT USAGE ON SCHEMA public TO PUBLIC;
"""


class BackupError(RuntimeError):
    """A backup could not be made, or a backup folder cannot be restored."""


Advance = Callable[[int], None]


class Steps:
    """Progress of the long steps on a rich Progress, or nothing when none is given."""

    def __init__(self, progress=None):
        self.progress = progress

    @contextmanager
    def step(self, description: str, total: int) -> Iterator[Advance]:
        if self.progress is None:
            yield lambda _n: None
            return
        task = self.progress.add_task(description, total=max(total, 1))
        try:
            yield lambda n: self.progress.advance(task, n)
        finally:
            self.progress.update(task, completed=max(total, 1))


# -- the database ------------------------------------------------------------------------------
def app_tables(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return [(schema, table) for schema, table in conn.execute(TABLES).fetchall()]


def row_counts(conn: psycopg.Connection, advance: Advance = lambda _n: None) -> dict[str, int]:
    counts = {}
    for schema, table in app_tables(conn):
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        counts[f"{schema}.{table}"] = conn.execute(query).fetchone()[0]
        advance(1)
    return counts


def alembic_revision(conn: psycopg.Connection) -> str | None:
    if not conn.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL").fetchone()[0]:
        return None
    row = conn.execute("SELECT version_num FROM public.alembic_version").fetchone()
    return row[0] if row else None


def _client(dsn: str) -> tuple[str, dict[str, str]]:
    """The DSN for a client tool and its environment: a password goes in PGPASSWORD, not on the command
    line (where other local users could read it)."""
    params = conninfo_to_dict(dsn)
    password = params.pop("password", None)
    env = {**os.environ, **({"PGPASSWORD": str(password)} if password is not None else {})}
    return make_conninfo("", **params), env


def _follow(process: subprocess.Popen, marker: str, advance: Advance, lines: list[str]) -> None:
    """Read a tool's verbose stderr: one step per line holding `marker`; the lines kept for errors."""
    for raw in process.stderr:
        line = raw.decode(errors="replace").rstrip()
        if marker in line:
            advance(1)
        lines.append(line)


def _failed(what: str, lines: list[str]) -> BackupError:
    tail = [line for line in lines if "error" in line.lower()][-5:] or lines[-5:]
    return BackupError(f"{what} failed: " + " | ".join(tail))


def _dump(dsn: str, target: Path, steps: Steps) -> tuple[dict[str, int], str | None]:
    """pg_dump of one snapshot, and the row counts and revision seen in that same snapshot."""
    with psycopg.connect(dsn) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = app_tables(conn)
        with steps.step("counting rows", total=len(tables)) as advance:
            counts = row_counts(conn, advance)
        revision = alembic_revision(conn)
        cmd = [str(postgres_bindir() / "pg_dump"), "--format=custom", "--verbose", "--no-password"]
        conninfo, env = _client(dsn)
        cmd += [f"--snapshot={snapshot}", f"--file={target}", f"--dbname={conninfo}"]
        with steps.step("dumping the database", total=len(tables)) as advance:
            process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            _follow(process, "dumping contents of table", advance, lines := [])
            if process.wait() != 0:
                raise _failed("pg_dump", lines)
        conn.rollback()
    return counts, revision


def _replay(dsn: str, dump: Path, *, drop_first: bool, steps: Steps, tables: int) -> None:
    """pg_restore's SQL relayed into psql as one transaction (the drop in front when asked). psql commits
    at the end of its input, so it gets that end only once pg_restore has succeeded; otherwise it is
    killed and the transaction rolls back. (pg_restore would wrap large objects in a transaction of
    their own; the app keeps none.)"""
    bindir = postgres_bindir()
    restore = [str(bindir / "pg_restore"), "--no-owner", "--verbose", "--file=-", str(dump)]
    psql = [str(bindir / "psql"), "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
    conninfo, env = _client(dsn)
    psql += ["--dbname", conninfo, *(["-c", DROP_EVERYTHING] if drop_first else []), "-f", "-"]
    env["PGOPTIONS"] = "-c client_min_messages=warning"
    with tempfile.TemporaryFile("w+") as psql_errors, steps.step("restoring the database", total=tables) as advance:
        reader = subprocess.Popen(restore, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        writer = subprocess.Popen(psql, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors, env=env)
        follower = threading.Thread(target=_follow, args=(reader, "processing data for table", advance, lines := []))
        follower.start()
        restored = broken = False
        try:
            while block := reader.stdout.read(BLOCK):
                writer.stdin.write(block)
            restored = reader.wait() == 0
            if restored:
                writer.stdin.close()  # the end of input: psql commits
        except BrokenPipeError:  # psql stopped at an error
            broken = True
        if not restored:
            reader.kill()
            writer.kill()
        psql_rc = writer.wait()
        reader.wait()
        follower.join()
        psql_errors.seek(0)
        if broken or (restored and psql_rc != 0):
            raise _failed("restoring the database (nothing was changed)", psql_errors.read().splitlines())
        if not restored:
            raise _failed("pg_restore (nothing was changed)", lines)


# -- the store ---------------------------------------------------------------------------------
def list_objects(store: LocalStore | S3Store) -> dict[str, int]:
    """Every object of the store: key -> size (files whose names are not keys, like temp files, skipped)."""
    found: dict[str, int] = {}
    if isinstance(store, LocalStore):
        if store.root.is_dir():
            for path in store.root.rglob("*"):
                key = path.relative_to(store.root).as_posix()
                if path.is_file() and not path.is_symlink() and KEY.match(key):
                    found[key] = path.stat().st_size
    elif isinstance(store, S3Store):
        # The store's interface has no listing of everything; its client and prefix give one.
        base = f"{store.prefix}/" if store.prefix else ""
        for page in store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=base):
            for item in page.get("Contents", []):
                if KEY.match(key := item["Key"][len(base) :]):
                    found[key] = item["Size"]
    else:
        raise BackupError(f"cannot list a store of type {type(store).__name__}")
    return dict(sorted(found.items()))


def _clear_store(store: LocalStore | S3Store, keys: list[str]) -> None:
    for top in sorted({key.split("/")[0] for key in keys if "/" in key}):
        store.delete_prefix(top)
    for key in (k for k in keys if "/" not in k):
        if isinstance(store, LocalStore):
            store.path(key).unlink(missing_ok=True)
        else:
            store.client.delete_object(Bucket=store.bucket, Key=f"{store.prefix}/{key}" if store.prefix else key)


def _copy_out(store, objects: dict[str, int], folder: Path, steps: Steps) -> dict[str, dict]:
    files = {}
    with steps.step(f"copying {len(objects)} store file(s)", total=sum(objects.values())) as advance:
        for key, size in objects.items():
            target = folder / STORE / key
            target.parent.mkdir(parents=True, exist_ok=True)
            digest, written = hashlib.sha256(), 0
            with open(target, "wb") as fh:
                for block in store.read(key, 0, size):
                    fh.write(block)
                    digest.update(block)
                    written += len(block)
                    advance(len(block))
            if written != size:
                raise BackupError(f"store object '{key}' changed while it was copied ({written} of {size} bytes)")
            files[f"{STORE}/{key}"] = {"sha256": digest.hexdigest(), "size": size}
    return files


def _hash(path: Path, advance: Advance) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            digest.update(block)
            size += len(block)
            advance(len(block))
    return digest.hexdigest(), size


# -- backup ------------------------------------------------------------------------------------
def app_version() -> str:
    try:
        return metadata.version("heritage-map")
    except metadata.PackageNotFoundError:
        return "unknown"


def make_backup(dsn: str, store: LocalStore | S3Store, folder: Path, steps: Steps | None = None) -> dict:
    """Back the database and the store up into `folder` (new or empty); returns the manifest."""
    steps = steps or Steps()
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} exists and is not an empty folder; back up into a new one")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # the dump holds account hashes and the exact places of sensitive relics
    counts, revision = _dump(dsn, folder / DUMP, steps)
    with steps.step("checksum of the dump", total=(folder / DUMP).stat().st_size) as advance:
        digest, size = _hash(folder / DUMP, advance)
    files = {DUMP: {"sha256": digest, "size": size}}
    files.update(_copy_out(store, list_objects(store), folder, steps))
    manifest = {
        "format": FORMAT,
        "app": "heritage-map",
        "app_version": app_version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"dump": DUMP, "alembic_revision": revision, "row_counts": counts},
        "store": {"kind": type(store).__name__, "objects": len(files) - 1},
        "files": files,
    }
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, folder / MANIFEST)
    return manifest


# -- restore -----------------------------------------------------------------------------------
def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"no {MANIFEST} in {folder}: not a backup, or one that did not finish")
    try:
        manifest = json.loads(path.read_text())
        files = manifest["files"]
        manifest["database"]["row_counts"]
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{path} is damaged or not a heritage backup manifest") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not supported (expected {FORMAT})")
    if DUMP not in files:
        raise BackupError(f"{MANIFEST} lists no {DUMP}")
    for name in files:
        if name != DUMP and not (name.startswith(f"{STORE}/") and KEY.match(name[len(STORE) + 1 :])):
            raise BackupError(f"{MANIFEST} names an unexpected file '{name[:80]}'")
    return manifest


def verify_backup(folder: Path, steps: Steps | None = None) -> dict:
    """The manifest, once every file it lists is present with its size and SHA-256; else BackupError."""
    steps = steps or Steps()
    folder = Path(folder)
    manifest = read_manifest(folder)
    files = manifest["files"]
    damaged = []
    total = sum(meta["size"] for meta in files.values())
    with steps.step(f"checking {len(files)} file(s) of the backup", total=total) as advance:
        for name, expected in files.items():
            path = folder / name
            if not path.is_file() or path.is_symlink():
                damaged.append(f"{name} is missing")
                continue
            digest, size = _hash(path, advance)
            if (digest, size) != (expected["sha256"], expected["size"]):
                damaged.append(f"{name} does not match its checksum")
    if damaged:
        more = f" (and {len(damaged) - 5} more)" if len(damaged) > 5 else ""
        raise BackupError("the backup is damaged; nothing was restored: " + "; ".join(damaged[:5]) + more)
    return manifest


def _differences(found: dict[str, int], expected: dict[str, int]) -> str:
    names = sorted(n for n in found.keys() | expected.keys() if found.get(n) != expected.get(n))
    shown = ", ".join(f"{n}: {found.get(n, 'absent')} instead of {expected.get(n, 'absent')}" for n in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _known_revision(dsn: str, revision: str) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from .migrate import alembic_config

    try:
        ScriptDirectory.from_config(alembic_config(dsn)).get_revision(revision)
    except CommandError:
        raise BackupError(f"the backup's schema revision {revision} is unknown here (a newer version's?)") from None


def restore_backup(
    dsn: str, store: LocalStore | S3Store, folder: Path, *, force: bool = False, steps: Steps | None = None
) -> dict:
    """Restore a verified backup into the database and store; returns the manifest."""
    steps = steps or Steps()
    folder = Path(folder)
    manifest = verify_backup(folder, steps)
    database = manifest["database"]
    if database.get("alembic_revision"):
        _known_revision(dsn, database["alembic_revision"])
    with psycopg.connect(dsn) as conn:
        tables = app_tables(conn)
    present = list(list_objects(store))
    if (tables or present) and not force:
        raise BackupError(
            f"the database has {len(tables)} table(s) and the store {len(present)} file(s): restore into an empty "
            "database and store, or use --force to drop and replace what is there"
        )
    _replay(dsn, folder / DUMP, drop_first=force, steps=steps, tables=len(database["row_counts"]))
    with psycopg.connect(dsn) as conn:
        counts, revision = row_counts(conn), alembic_revision(conn)
    if counts != database["row_counts"] or revision != database.get("alembic_revision"):
        raise BackupError(
            f"the restored database differs from the backup ({_differences(counts, database['row_counts'])}, "
            f"revision {revision}); the store was left as it was"
        )
    if present:
        _clear_store(store, present)
    store_files = {name[len(STORE) + 1 :]: meta for name, meta in manifest["files"].items() if name != DUMP}
    total = sum(meta["size"] for meta in store_files.values())
    with steps.step(f"restoring {len(store_files)} store file(s)", total=total) as advance:
        for key, meta in store_files.items():
            store.put_file(check_key(key), folder / STORE / key)
            advance(meta["size"])
    restored = list_objects(store)
    expected = {key: meta["size"] for key, meta in store_files.items()}
    if restored != expected:
        raise BackupError(f"the restored store differs from the backup: {_differences(restored, expected)}")
    return manifest
