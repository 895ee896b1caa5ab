"""Backup and restore: a round trip into another database and store (local and S3), refusal of a
damaged backup without changing anything, and refusal of a non-empty target without --force."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
import typer
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner

from mapserver.backup import DUMP, MANIFEST, BackupError, make_backup, restore_backup
from mapserver.backup_cli import backup_command, restore_command
from mapserver.embedded_pg import Cluster, postgres_bindir
from mapserver.store import LocalStore, S3Store
from tests.conftest import _drop

NEW_SITES = """
INSERT INTO sites (id, name_vi, rank, category, geom, location_status, location_source)
SELECT 'bk-' || g, 'Di tích sao lưu ' || g, 'provincial', 'historical',
       ST_SetSRID(ST_MakePoint(107.1 + g / 100.0, 10.4), 4326), 'approximate', 'backup test'
FROM generate_series(1, 3) AS g
"""
STORE_FILES = {
    "surveys/1/points.csv": b"id,lon,lat\n1,107.1,10.4\n",
    "tiles/3/v1/tileset.json": json.dumps({"asset": {"version": "1.1"}}).encode(),
    "tiles/3/v1/content/0.glb": bytes(range(256)) * 40,
    "scans/7/original.e57": b"\x00" * 5000 + b"end",
}


def table_counts(dsn: str) -> dict[str, int]:
    """Rows of every table outside the system schemas, counted here independently of mapserver.backup."""
    with psycopg.connect(dsn) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        return {
            f"{s}.{t}": conn.execute(
                sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(s), sql.Identifier(t))
            ).fetchone()[0]
            for s, t in tables
        }


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def fill_store(store, tmp: Path) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    for key, data in STORE_FILES.items():
        source = tmp / key.replace("/", "_")
        source.write_bytes(data)
        store.put_file(key, source)


@pytest.fixture
def empty_dsn(pg_cluster: Cluster) -> str:
    """A brand-new database with nothing in it (not cloned from the template)."""
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield pg_cluster.dsn(name)
    _drop(pg_cluster, name)


@pytest.fixture(scope="module")
def source(module_dsn: str, tmp_path_factory) -> tuple[str, Path]:
    """(dsn, var dir) of an installation with data: the seeded copy, three more relics, store files."""
    with psycopg.connect(module_dsn) as conn:
        conn.execute(NEW_SITES)
    var = tmp_path_factory.mktemp("source-var")
    fill_store(LocalStore(var / "store"), var / "incoming")
    shutil.rmtree(var / "incoming")
    return module_dsn, var


@pytest.fixture(scope="module")
def backup_dir(source, tmp_path_factory) -> Path:
    dsn, var = source
    folder = tmp_path_factory.mktemp("backups") / "b1"
    make_backup(dsn, LocalStore(var / "store"), folder)
    return folder


def cli(*args: str, database_url: str, var_dir: Path, monkeypatch) -> object:
    monkeypatch.setenv("HERITAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("HERITAGE_VAR_DIR", str(var_dir))
    monkeypatch.delenv("HERITAGE_STORE_URL", raising=False)
    app = typer.Typer()
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    return CliRunner().invoke(app, list(args))


def test_round_trip_through_the_commands(source, empty_dsn, tmp_path, monkeypatch):
    dsn, var = source
    folder = tmp_path / "backup"
    made = cli("backup", str(folder), database_url=dsn, var_dir=var, monkeypatch=monkeypatch)
    assert made.exit_code == 0, made.output
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["app_version"] == "0.1.0" and manifest["database"]["alembic_revision"]
    assert manifest["database"]["row_counts"]["public.sites"] == table_counts(dsn)["public.sites"]
    assert set(manifest["files"]) == {DUMP} | {f"store/{key}" for key in STORE_FILES}
    for name, meta in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == meta["sha256"]

    target_var = tmp_path / "target-var"
    done = cli("restore", str(folder), database_url=empty_dsn, var_dir=target_var, monkeypatch=monkeypatch)
    assert done.exit_code == 0, done.output
    assert table_counts(empty_dsn) == table_counts(dsn)
    assert tree_hashes(target_var / "store") == tree_hashes(var / "store")
    with psycopg.connect(empty_dsn) as conn:
        names = conn.execute("SELECT name_vi FROM sites WHERE id LIKE 'bk-%' ORDER BY id").fetchall()
        assert [n for (n,) in names] == [f"Di tích sao lưu {g}" for g in (1, 2, 3)]
        assert conn.execute("SELECT ST_X(geom) FROM sites WHERE id = 'bk-2'").fetchone()[0] == pytest.approx(107.12)


def _flip_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "name"),
    [("flip", DUMP), ("flip", "store/tiles/3/v1/content/0.glb"), ("delete", "store/scans/7/original.e57")],
)
def test_a_damaged_backup_is_refused_and_changes_nothing(backup_dir, fresh_dsn, damage, name, tmp_path, monkeypatch):
    folder = tmp_path / "copy"
    shutil.copytree(backup_dir, folder)
    if damage == "delete":
        (folder / name).unlink()
    else:
        _flip_byte(folder / name, at=len((folder / name).read_bytes()) // 2)
    target = LocalStore(tmp_path / "var" / "store")
    fill_store(target, tmp_path / "incoming")
    before_rows, before_files = table_counts(fresh_dsn), tree_hashes(target.root)

    with pytest.raises(BackupError, match="damaged; nothing was restored") as refused:
        restore_backup(fresh_dsn, target, folder, force=True)
    assert f"{name} {'is missing' if damage == 'delete' else 'does not match its checksum'}" in str(refused.value)
    result = cli(
        "restore", str(folder), "--force", database_url=fresh_dsn, var_dir=tmp_path / "var", monkeypatch=monkeypatch
    )
    assert result.exit_code == 1 and "damaged" in result.output
    assert table_counts(fresh_dsn) == before_rows
    assert tree_hashes(target.root) == before_files


def test_a_backup_without_its_manifest_is_refused(backup_dir, empty_dsn, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(backup_dir, folder)
    (folder / MANIFEST).unlink()
    with pytest.raises(BackupError, match="not a backup"):
        restore_backup(empty_dsn, LocalStore(tmp_path / "store"), folder)
    assert table_counts(empty_dsn) == {}


def test_a_non_empty_target_needs_force(source, backup_dir, fresh_dsn, tmp_path):
    dsn, var = source
    target = LocalStore(tmp_path / "store")
    (tmp_path / "stale.txt").write_bytes(b"old")
    target.put_file("tiles/99/v1/stale.json", tmp_path / "stale.txt")
    with psycopg.connect(fresh_dsn) as conn:
        conn.execute("CREATE TABLE leftover (id int)")
    with pytest.raises(BackupError, match="use --force"):
        restore_backup(fresh_dsn, target, backup_dir)

    restore_backup(fresh_dsn, target, backup_dir, force=True)
    assert table_counts(fresh_dsn) == table_counts(dsn)  # the leftover table went with the old schema
    assert tree_hashes(target.root) == tree_hashes(var / "store")


def test_the_backup_folder_must_be_new_or_empty(source, tmp_path):
    dsn, var = source
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(BackupError, match="not an empty folder"):
        make_backup(dsn, LocalStore(var / "store"), tmp_path / "full")


def test_round_trip_with_an_s3_store_and_a_password_in_the_url(source, empty_dsn, pg_cluster, tmp_path, monkeypatch):
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    dsn, _ = source
    # An external-style URL carrying its password (no passfile): pg_dump and psql get it from the environment.
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    params = conninfo_to_dict(dsn)
    with_password = f"postgresql://heritage:{pg_cluster.password()}@/{params['dbname']}?host={params['host']}"
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="old")
        client.create_bucket(Bucket="new")
        old, new = S3Store("old", "heritage", client=client), S3Store("new", "", client=client)
        fill_store(old, tmp_path / "incoming")
        make_backup(with_password, old, tmp_path / "backup")
        restore_backup(empty_dsn, new, tmp_path / "backup")
        restored = {item["Key"]: item["Size"] for item in client.list_objects_v2(Bucket="new")["Contents"]}
        assert restored == {key: len(data) for key, data in STORE_FILES.items()}
        for key, data in STORE_FILES.items():
            assert b"".join(new.read(key, 0, len(data))) == data
    assert table_counts(empty_dsn) == table_counts(dsn)


def test_a_dump_that_breaks_half_way_rolls_everything_back(backup_dir, fresh_dsn, tmp_path):
    # Checksums that match a cut dump: pg_restore writes the schema, then fails on the missing data.
    # The drop (--force) and everything before the failure must be rolled back.
    folder = tmp_path / "copy"
    shutil.copytree(backup_dir, folder)
    dump = folder / DUMP
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size * 19 // 20])
    alone = subprocess.run([str(postgres_bindir() / "pg_restore"), "--file=-", str(dump)], capture_output=True)
    assert alone.returncode != 0 and b"CREATE TABLE" in alone.stdout  # it does fail half-way
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"][DUMP] = {"sha256": hashlib.sha256(dump.read_bytes()).hexdigest(), "size": dump.stat().st_size}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    target = LocalStore(tmp_path / "store")
    fill_store(target, tmp_path / "incoming")
    before_rows, before_files = table_counts(fresh_dsn), tree_hashes(target.root)
    with pytest.raises(BackupError, match=r"pg_restore \(nothing was changed\) failed"):
        restore_backup(fresh_dsn, target, folder, force=True)
    assert table_counts(fresh_dsn) == before_rows
    assert tree_hashes(target.root) == before_files


def test_a_backup_from_a_newer_schema_is_refused(backup_dir, empty_dsn, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(backup_dir, folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["database"]["alembic_revision"] = "9999"
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="revision 9999 is unknown here"):
        restore_backup(empty_dsn, LocalStore(tmp_path / "store"), folder)
    assert table_counts(empty_dsn) == {}


def test_a_restore_tool_failing_between_statements_commits_nothing(backup_dir, fresh_dsn, tmp_path, monkeypatch):
    # A pg_restore that stops cleanly after one statement and fails: psql must not commit the drop or it.
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "psql").symlink_to(postgres_bindir() / "psql")
    fake = tools / "pg_restore"
    fake.write_text(
        '#!/bin/sh\necho "CREATE TABLE half_done (id int);"\necho "pg_restore: error: simulated" >&2\nexit 1\n'
    )
    fake.chmod(0o755)
    monkeypatch.setattr("mapserver.backup.postgres_bindir", lambda: tools)
    before = table_counts(fresh_dsn)
    with pytest.raises(BackupError, match="simulated"):
        restore_backup(fresh_dsn, LocalStore(tmp_path / "store"), backup_dir, force=True)
    assert table_counts(fresh_dsn) == before
