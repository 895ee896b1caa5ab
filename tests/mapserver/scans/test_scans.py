"""Scans through the server: upload → queued job → worker → validated tileset published and served
with the right HTTP semantics; failures with reasons; a killed worker's job is retried."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import laspy
import numpy as np
import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.jobs.worker import run_worker
from mapserver.settings import PROJECT_ROOT
from tests.live_server import run_async_in_thread


def write_las(path, n=20_000, east=426_900.0, north=1_144_200.0, seed=1):
    rng = np.random.default_rng(seed)
    header = laspy.LasHeader(point_format=3, version="1.2")
    header.scales = np.array([0.001, 0.001, 0.001])
    header.offsets = np.array([east, north, 0.0])
    las = laspy.LasData(header)
    las.x = east + rng.uniform(0, 20, n)
    las.y = north + rng.uniform(0, 20, n)
    las.z = 15 + rng.uniform(0, 5, n)
    las.red = las.green = las.blue = rng.integers(0, 65535, n, dtype=np.uint16)
    las.write(str(path))
    return path


@pytest.fixture(scope="module")
def token(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        return create_user(conn, "scanner", "surveyor")[1]


@pytest.fixture(scope="module")
def settings(module_dsn, live_server):
    return live_server.app.state.settings


def work_queue(settings):
    run_async_in_thread(lambda: run_worker(settings, settings.database_url, burst=True))


def upload(client, token, path, **form):
    with open(path, "rb") as fh:
        return client.post(
            "/api/scans",
            headers={"Authorization": f"Bearer {token}"},
            data={"site_id": "bach-dinh", "crs": "EPSG:5899", **form},
            files={"file": (path.name, fh, "application/octet-stream")},
        )


@pytest.fixture(scope="module")
def published(live_server, token, settings, tmp_path_factory):
    path = write_las(tmp_path_factory.mktemp("las") / "scan.las")
    r = upload(live_server.client, token, path, label="Thử nghiệm")
    assert r.status_code == 202, r.text
    scan_id = r.json()["id"]
    queued = live_server.client.get(f"/api/scans/{scan_id}", headers={"Authorization": f"Bearer {token}"})
    assert queued.json()["status"] == "queued"
    assert live_server.client.get(f"/api/scans/{scan_id}").status_code == 404  # public: not yet
    work_queue(settings)
    # Tiled, but a surveyor's scan is public only once an editor approves it.
    assert live_server.client.get(f"/api/scans/{scan_id}").status_code == 404
    approve(live_server.client, scan_id, editor_token(live_server))
    return scan_id


def editor_token(live_server) -> str:
    with psycopg.connect(live_server.app.state.settings.database_url) as conn:
        return create_user(conn, f"scan-editor-{uuid.uuid4().hex[:6]}", "editor")[1]


def approve(client, scan_id: int, token: str) -> None:
    r = client.post(
        f"/api/scans/{scan_id}/review", json={"action": "approve"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200 and r.json()["review_status"] == "published", r.text


def test_scan_is_tiled_and_listed(live_server, published):
    scan = live_server.client.get(f"/api/scans/{published}").json()
    assert scan["status"] == "done" and scan["progress"] == 1 and scan["kind"] == "pointcloud"
    assert scan["stats"]["points"] == 20_000 and scan["tileset_url"] == f"/tiles/{published}/v1/tileset.json"
    listed = live_server.client.get("/api/sites/bach-dinh/scans").json()["scans"]
    assert [s["id"] for s in listed] == [published]
    assert live_server.client.get("/api/sites/nope/scans").status_code == 404


def test_tile_serving_headers_etag_range_cors(live_server, published):
    c = live_server.client
    url = f"/tiles/{published}/v1/tileset.json"
    r = c.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.headers["content-encoding"] == "gzip" and r.headers["access-control-allow-origin"] == "*"
    assert "immutable" in r.headers["cache-control"] and r.headers["etag"].startswith('"')
    tileset = r.json()
    assert tileset["asset"]["version"] in ("1.0", "1.1")
    assert c.get(url, headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    content = tileset["root"].get("content", {}).get("uri") or tileset["root"]["children"][0]["content"]["uri"]
    tile_url = f"/tiles/{published}/v1/{content}"
    whole = c.get(tile_url)
    assert whole.status_code == 200 and "content-encoding" not in whole.headers
    part = c.get(tile_url, headers={"Range": "bytes=4-11"})
    assert part.status_code == 206 and part.content == whole.content[4:12]
    assert part.headers["content-range"] == f"bytes 4-11/{len(whole.content)}"
    assert c.get(tile_url, headers={"Range": "bytes=999999999-"}).status_code == 416
    for bad in (
        f"/tiles/{published}/v1/../../../etc/passwd",
        f"/tiles/{published}/v1/%2e%2e/x",
        f"/tiles/{published}/v9/tileset.json",
        "/tiles/999/v1/tileset.json",
    ):
        assert c.get(bad).status_code == 404, bad


def test_retile_publishes_a_new_version(live_server, published, settings, module_dsn):
    from mapserver.jobs.defer import defer_tile_scan_sync

    defer_tile_scan_sync(module_dsn, published)
    work_queue(settings)
    scan = live_server.client.get(f"/api/scans/{published}").json()
    assert scan["tileset_url"] == f"/tiles/{published}/v2/tileset.json"
    assert live_server.client.get(f"/tiles/{published}/v1/tileset.json").status_code == 200  # previous kept


def test_bad_scans_fail_with_a_reason(live_server, token, settings, tmp_path):
    corrupt = tmp_path / "broken.las"
    corrupt.write_bytes(b"LASF" + os.urandom(300))
    wrong_crs = write_las(tmp_path / "wgs.las")
    ids = [
        upload(live_server.client, token, corrupt).json()["id"],
        upload(live_server.client, token, wrong_crs, crs="EPSG:4326").json()["id"],
    ]
    work_queue(settings)
    auth = {"Authorization": f"Bearer {token}"}
    for scan_id in ids:
        scan = live_server.client.get(f"/api/scans/{scan_id}", headers=auth).json()
        assert scan["status"] == "failed" and scan["error"], scan
        assert scan["tileset_url"] is None
    assert upload(live_server.client, token, corrupt, site_id="nope").status_code == 422
    exe = tmp_path / "virus.exe"
    exe.write_bytes(b"MZ")
    assert upload(live_server.client, token, exe).status_code == 422
    anonymous = live_server.client.post(
        "/api/scans", data={"site_id": "bach-dinh"}, files={"file": ("a.las", b"x", "application/octet-stream")}
    )
    assert anonymous.status_code == 401


def test_killed_worker_job_is_retried(live_server, token, settings, tmp_path):
    path = write_las(tmp_path / "big.las", n=1_500_000, seed=2)
    scan_id = upload(live_server.client, token, path).json()["id"]
    env = dict(os.environ, HERITAGE_DATABASE_URL=settings.database_url, HERITAGE_VAR_DIR=str(settings.var_dir))
    worker = subprocess.Popen(
        [sys.executable, "-m", "mapserver.cli", "worker"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    auth = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 120
    while live_server.client.get(f"/api/scans/{scan_id}", headers=auth).json()["status"] != "running":
        assert time.monotonic() < deadline and worker.poll() is None
        time.sleep(0.2)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert live_server.client.get(f"/api/scans/{scan_id}", headers=auth).json()["status"] == "running"
    time.sleep(17)  # longer than the stalled-worker timeout (15 s)
    work_queue(settings)
    scan = live_server.client.get(f"/api/scans/{scan_id}", headers=auth).json()
    assert scan["status"] == "done" and scan["attempts"] >= 1 and scan["tileset_url"].endswith("/v1/tileset.json")


def test_scan_list_for_surveyors(live_server, token, published):
    assert live_server.client.get("/api/scans").status_code == 401
    listed = live_server.client.get("/api/scans", headers={"Authorization": f"Bearer {token}"}).json()["scans"]
    assert published in [s["id"] for s in listed]
    assert [s["id"] for s in listed] == sorted((s["id"] for s in listed), reverse=True)


def test_unqueued_scan_is_marked_failed_not_left_queued(live_server, token, tmp_path):
    class UnreachableQueue:  # failure injection: the job queue refuses, as when it is down
        async def tile_scan(self, scan_id):
            raise ConnectionError("queue down")

        async def close(self):
            pass

    state = live_server.app.state
    real_queue, state.jobs = state.jobs, UnreachableQueue()
    try:
        r = upload(live_server.client, token, write_las(tmp_path / "q.las", n=1000))
    finally:
        state.jobs = real_queue
    assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
    listed = live_server.client.get("/api/scans", headers={"Authorization": f"Bearer {token}"}).json()["scans"]
    newest = listed[0]
    assert newest["status"] == "failed" and "could not be queued" in newest["error"]
