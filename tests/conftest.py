"""Shared fixtures: a throw-away PostGIS cluster for the whole session, databases cloned from a
migrated+seeded template, and the real app served over HTTP by uvicorn in a thread."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from mapserver.embedded_pg import Cluster
from mapserver.migrate import ensure_database, upgrade
from mapserver.seed import load_reference_data
from mapserver.settings import PROJECT_ROOT, Settings
from tests.live_server import LiveServer, running_cluster

TEMPLATE_DB = "heritage_template"


def cluster_folder() -> Path:
    """A short path the postgres OS user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="hrtg-", dir="/tmp"))
    folder.chmod(0o755)
    return folder


@pytest.fixture(scope="session")
def pg_cluster() -> Cluster:
    with running_cluster("hrtg-") as cluster:
        yield cluster


@pytest.fixture(scope="session")
def template_dsn(pg_cluster: Cluster) -> str:
    dsn = pg_cluster.dsn(TEMPLATE_DB)
    ensure_database(dsn)
    upgrade(dsn)
    load_reference_data(dsn, PROJECT_ROOT / "data", actor="test-setup")
    return dsn


def _create_from_template(cluster: Cluster) -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE_DB))
        )
    return name


def _drop(cluster: Cluster, name: str) -> None:
    # Only databases this session created (t_ + random hex) are ever dropped.
    assert name.startswith("t_")
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def fresh_dsn(pg_cluster: Cluster, template_dsn: str) -> str:
    """A private copy of the seeded database for one test (writes allowed)."""
    name = _create_from_template(pg_cluster)
    yield pg_cluster.dsn(name)
    _drop(pg_cluster, name)


@pytest.fixture(scope="module")
def module_dsn(pg_cluster: Cluster, template_dsn: str) -> str:
    """A copy of the seeded database shared by one test module."""
    name = _create_from_template(pg_cluster)
    yield pg_cluster.dsn(name)
    _drop(pg_cluster, name)


def make_settings(dsn: str, tmp: Path) -> Settings:
    return Settings(database_url=dsn, var_dir=tmp, pool_min_size=1, pool_max_size=4)


@pytest.fixture(scope="module")
def live_server(module_dsn: str, tmp_path_factory) -> LiveServer:
    """The real app over HTTP on a free loopback port, on the module's database."""
    from mapserver.app import create_app

    server = LiveServer(create_app(make_settings(module_dsn, tmp_path_factory.mktemp("var"))))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright's sync API, one for the whole session: a second
    sync_playwright() in the same thread fails ("Sync API inside the asyncio loop")."""
    from tests.e2e.conftest import ARGS, CHROMIUM

    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/setup.sh --test installs it)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()
