"""Guide fixtures: the seeded template database with the guide's index built once per session
(embedding the shipped records takes about a minute on two cores), cloned per module; and the real
app with the guide's routers, served over HTTP."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql

from mapserver.guide import service
from mapserver.guide.embed import Embedder
from tests.conftest import TEMPLATE_DB, make_settings
from tests.live_server import LiveServer

GUIDE_TEMPLATE = "heritage_guide_template"


def _clone(cluster, source: str, name: str) -> str:
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(source)))
    return cluster.dsn(name)


def _drop(cluster, name: str) -> None:
    assert name.startswith("t_")  # only databases made here
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def guide_template(pg_cluster, template_dsn, embedder) -> str:
    dsn = _clone(pg_cluster, TEMPLATE_DB, GUIDE_TEMPLATE)
    with psycopg.connect(dsn) as conn:
        result = service.refresh(conn, embedder)
    assert result.indexed >= 30 and result.embedded > 500
    return GUIDE_TEMPLATE


@pytest.fixture(scope="module")
def guide_dsn(pg_cluster, guide_template) -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    dsn = _clone(pg_cluster, guide_template, name)
    yield dsn
    _drop(pg_cluster, name)


def guide_app(dsn: str, tmp):
    from mapserver.app import create_app
    from mapserver.guide import pages, routes

    app = create_app(make_settings(dsn, tmp))
    paths = {getattr(r, "path", None) for r in app.router.routes}
    if "/api/guide/ask" not in paths:  # until app.py includes the guide itself
        app.include_router(routes.router)
        app.include_router(pages.router)
    return app


@pytest.fixture(scope="module")
def guide_server(guide_dsn, tmp_path_factory) -> LiveServer:
    server = LiveServer(guide_app(guide_dsn, tmp_path_factory.mktemp("var")))
    server.start()
    yield server
    server.stop()
