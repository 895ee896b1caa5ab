"""A PostgreSQL cluster of these tests' own: they stop and restart it, which the session-wide
cluster of the other tests must never see. Databases are cloned from a migrated, seeded template."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import laspy
import numpy as np
import psycopg
import pytest
from psycopg import sql

from mapserver.embedded_pg import Cluster
from mapserver.jobs.defer import defer_tile_scan_sync
from mapserver.migrate import ensure_database, upgrade
from mapserver.scans.register import ScanRequest, register_scan
from mapserver.seed import load_reference_data
from mapserver.settings import PROJECT_ROOT, Settings
from mapserver.store import make_store
from tests.live_server import running_cluster

TEMPLATE = "jobs_template"


@pytest.fixture(scope="package")
def jobs_cluster() -> Cluster:
    """The jobs tests' own cluster: they stop and start it, which must not touch the shared one."""
    with running_cluster("hjob-") as cluster:
        yield cluster


@pytest.fixture(scope="package")
def jobs_template(jobs_cluster: Cluster) -> str:
    dsn = jobs_cluster.dsn(TEMPLATE)
    ensure_database(dsn)
    upgrade(dsn)
    load_reference_data(dsn, PROJECT_ROOT / "data", actor="test-setup")
    return dsn


@pytest.fixture
def jobs_dsn(jobs_cluster: Cluster, jobs_template: str) -> str:
    """A private copy of the seeded database on the tests' own cluster."""
    name = "j_" + uuid.uuid4().hex[:12]
    with psycopg.connect(jobs_cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE)))
    yield jobs_cluster.dsn(name)
    if jobs_cluster.is_running():
        with psycopg.connect(jobs_cluster.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def var_dir() -> Path:
    """Runtime folder of the worker (store, scratch); under /tmp so that it is short and shared."""
    folder = Path(tempfile.mkdtemp(prefix="hjob-var-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def settings_for(dsn: str, var_dir: Path) -> Settings:
    return Settings(database_url=dsn, var_dir=var_dir, pool_min_size=1, pool_max_size=2)


def write_las(path: Path, n: int = 5_000, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    header = laspy.LasHeader(point_format=3, version="1.2")
    header.scales = np.array([0.001, 0.001, 0.001])
    header.offsets = np.array([426_900.0, 1_144_200.0, 0.0])
    las = laspy.LasData(header)
    las.x = 426_900.0 + rng.uniform(0, 20, n)
    las.y = 1_144_200.0 + rng.uniform(0, 20, n)
    las.z = 15 + rng.uniform(0, 5, n)
    las.red = las.green = las.blue = rng.integers(0, 65535, n, dtype=np.uint16)
    las.write(str(path))
    return path


def add_scan(settings: Settings, path: Path, *, queue: bool = True) -> int:
    """Register a scan of the relic bach-dinh (original into the store) and queue its tiling."""
    request = ScanRequest(site_id="bach-dinh", file_path=path, file_name=path.name, actor="test", crs="EPSG:5899")
    with psycopg.connect(settings.database_url) as conn:
        scan_id = register_scan(conn, make_store(settings), request)
    if queue:
        defer_tile_scan_sync(settings.database_url, scan_id)
    return scan_id


def scan_row(dsn: str, scan_id: int) -> dict:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT status, attempts, tileset_version, error, stats FROM scans WHERE id = %s", (scan_id,)
        ).fetchone()
    return dict(zip(("status", "attempts", "tileset_version", "error", "stats"), row))


def wait_for(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class WorkerProcess:
    """`python -m mapserver.cli worker` in a subprocess, its output kept in a file."""

    def __init__(self, settings: Settings, log_path: Path, **env: str):
        self.log_path = log_path
        environment = dict(
            os.environ, HERITAGE_DATABASE_URL=settings.database_url, HERITAGE_VAR_DIR=str(settings.var_dir), **env
        )
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mapserver.cli", "worker"],
                cwd=PROJECT_ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_log(self, text: str, timeout: float) -> float:
        """Wait until `text` appears in the output; returns the monotonic time it was seen."""
        wait_for(lambda: text in self.log() or not self.alive(), timeout, repr(text), every=0.1)
        assert self.alive(), f"worker exited ({self.process.returncode}):\n{self.log()[-3000:]}"
        return time.monotonic()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
