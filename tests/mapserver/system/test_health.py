"""/healthz: 200 with the database, 503 without it, and recovery without a restart."""

from __future__ import annotations

import shutil
import time

from mapserver.app import create_app
from mapserver.embedded_pg import cluster_at
from mapserver.migrate import ensure_database, upgrade
from tests.conftest import cluster_folder, make_settings
from tests.live_server import LiveServer


def test_healthz_reports_outage_and_recovers():
    # Its own cluster: stopping the shared one would disturb other tests.
    folder = cluster_folder()
    cluster = cluster_at(folder)
    cluster.init()
    cluster.start(fast_unsafe=True)
    dsn = cluster.dsn("heritage")
    ensure_database(dsn)
    upgrade(dsn)
    server = LiveServer(create_app(make_settings(dsn, folder / "var")))
    server.start()
    try:
        ok = server.client.get("/healthz")
        assert ok.status_code == 200 and ok.json()["database"] == "ok"
        cluster.stop()
        down = server.client.get("/healthz")
        assert down.status_code == 503 and down.json()["database"] == "unreachable"
        api_down = server.client.get("/api/sites")
        assert api_down.status_code == 503
        assert api_down.headers["content-type"] == "application/problem+json"
        cluster.start(fast_unsafe=True)
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            status = server.client.get("/healthz").status_code
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200
        assert server.client.get("/api/sites").status_code == 200
    finally:
        server.stop()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
