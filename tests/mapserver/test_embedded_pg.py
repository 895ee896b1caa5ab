"""The embedded cluster's access rules: a private socket directory, SCRAM passwords instead of
`trust`, and clusters made with `trust` by earlier versions moved over on their next start."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess

import psycopg
import pytest

from mapserver.embedded_pg import (
    HBA,
    SUPERUSER,
    Cluster,
    ClusterError,
    _as_owner,
    _is_root,
    cluster_at,
    postgres_bindir,
)
from tests.conftest import cluster_folder


def _without_password(cluster: Cluster, dbname: str = "postgres") -> str:
    # passfile pointing nowhere: libpq must not find a password in ~/.pgpass either.
    return f"postgresql://{SUPERUSER}@/{dbname}?host={cluster.socket_dir}&passfile=/nonexistent"


def _assert_locked(cluster: Cluster) -> None:
    info = cluster.socket_dir.stat()
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert info.st_uid == (pwd.getpwnam("postgres").pw_uid if _is_root() else os.geteuid())
    assert stat.S_IMODE(cluster.password_file.stat().st_mode) == 0o600
    assert (cluster.data_dir / "pg_hba.conf").read_text() == HBA
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(_without_password(cluster)).close()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(_without_password(cluster), password="not-the-password").close()
    with psycopg.connect(cluster.dsn("postgres")) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == ""
        assert conn.execute("SHOW password_encryption").fetchone()[0] == "scram-sha-256"
        verifier = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (SUPERUSER,)).fetchone()[0]
        assert verifier.startswith("SCRAM-SHA-256$")


def test_session_cluster_needs_the_password_and_hides_its_socket(pg_cluster: Cluster):
    _assert_locked(pg_cluster)
    assert "password" not in pg_cluster.dsn() and str(pg_cluster.password_file) in pg_cluster.dsn()
    with psycopg.connect(_without_password(pg_cluster), password=pg_cluster.password()) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == SUPERUSER


def _old_trust_cluster(cluster: Cluster) -> None:
    """A cluster as earlier versions made it: initdb -A trust, socket directory open to all."""
    for folder in (cluster.data_dir.parent, cluster.socket_dir):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        if _is_root():
            shutil.chown(folder, "postgres", "postgres")
    initdb = [str(postgres_bindir() / "initdb"), "-D", str(cluster.data_dir), "-A", "trust", "-U", SUPERUSER]
    subprocess.run(_as_owner([*initdb, "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)


def _old_start(cluster: Cluster) -> None:
    options = f"-k {cluster.socket_dir} -c listen_addresses='' -c fsync=off"
    cmd = [str(postgres_bindir() / "pg_ctl"), "-D", str(cluster.data_dir), "-l", str(cluster.log_file), "-w"]
    subprocess.run(_as_owner([*cmd, "-o", options, "start"]), check=True, capture_output=True)


@pytest.mark.parametrize("running", [False, True], ids=["stopped", "running"])
def test_a_trust_cluster_is_moved_to_passwords_on_start(running: bool):
    folder = cluster_folder()
    cluster = cluster_at(folder)
    try:
        _old_trust_cluster(cluster)
        if running:
            _old_start(cluster)
            with psycopg.connect(_without_password(cluster), autocommit=True) as conn:  # trust lets anyone in
                conn.execute("CREATE DATABASE kept")
        assert not cluster.password_file.exists()
        cluster.init()  # an existing cluster is left as it is
        cluster.start(fast_unsafe=True)
        assert cluster.is_running()
        _assert_locked(cluster)
        if running:
            with psycopg.connect(cluster.dsn("kept")) as conn:
                assert conn.execute("SELECT current_database()").fetchone()[0] == "kept"
        cluster.stop()
        cluster.start(fast_unsafe=True)  # a second start changes nothing
        _assert_locked(cluster)
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_missing_password_file_is_explained(tmp_path):
    stray = cluster_at(tmp_path)
    with pytest.raises(ClusterError, match="no password file"):
        stray.password()
