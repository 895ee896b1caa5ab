"""The S3 store against a real S3 server on loopback (moto in server mode): objects, ranges,
trees, and a scan tiled by the worker and served from the bucket."""

from __future__ import annotations

import boto3
import psycopg
import pytest
from moto.server import ThreadedMotoServer

from mapserver.accounts.service import create_user
from mapserver.app import create_app
from mapserver.jobs.worker import run_worker
from mapserver.store import S3Store, StoreError
from tests.conftest import make_settings
from tests.live_server import LiveServer, free_port, run_async_in_thread
from tests.mapserver.scans.test_scans import approve, upload, write_las


@pytest.fixture(scope="module")
def s3_endpoint():
    mp = pytest.MonkeyPatch()
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        mp.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="heritage")
    yield endpoint
    server.stop()
    mp.undo()


def test_objects_ranges_trees(s3_endpoint, tmp_path):
    store = S3Store("heritage", "unit", endpoint_url=s3_endpoint)
    source = tmp_path / "a.bin"
    source.write_bytes(bytes(range(256)) * 10)
    store.put_file("x/a.bin", source)
    info = store.stat("x/a.bin")
    assert info.size == 2560 and store.stat("x/missing") is None
    assert b"".join(store.read("x/a.bin", 10, 5)) == bytes(range(10, 15))
    tree = tmp_path / "tree"
    (tree / "tiles").mkdir(parents=True)
    (tree / "tileset.json").write_text("{}")
    (tree / "tiles" / "0.glb").write_bytes(b"glTF")
    store.put_tree("t/v1", tree)
    with store.local_tree("t/v1") as local:
        assert (local / "tiles" / "0.glb").read_bytes() == b"glTF"
    store.delete_prefix("t/v1")
    assert store.stat("t/v1/tileset.json") is None
    with pytest.raises(StoreError):
        store.stat("../etc/passwd")


def test_scan_published_to_and_served_from_s3(s3_endpoint, module_dsn, tmp_path):
    settings = make_settings(module_dsn, tmp_path / "var").model_copy(
        update={"store_url": "s3://heritage/app", "s3_endpoint_url": s3_endpoint}
    )
    with psycopg.connect(module_dsn) as conn:
        token = create_user(conn, "s3-surveyor", "surveyor")[1]
        editor = create_user(conn, "s3-editor", "editor")[1]
    server = LiveServer(create_app(settings))
    server.start()
    try:
        response = upload(server.client, token, write_las(tmp_path / "s.las", n=5000))
        assert response.status_code == 202, response.text
        scan_id = response.json()["id"]
        run_async_in_thread(lambda: run_worker(settings, module_dsn, burst=True))
        approve(server.client, scan_id, editor)
        scan = server.client.get(f"/api/scans/{scan_id}").json()
        assert scan["status"] == "done", scan
        keys = [
            o["Key"]
            for o in boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(
                Bucket="heritage", Prefix=f"app/tiles/{scan_id}/v1/"
            )["Contents"]
        ]
        assert f"app/tiles/{scan_id}/v1/tileset.json" in keys
        tileset = server.client.get(scan["tileset_url"])
        assert tileset.status_code == 200 and tileset.json()["asset"]["version"]
        ranged = server.client.get(scan["tileset_url"], headers={"Range": "bytes=0-0"})
        assert ranged.status_code == 206 and ranged.content == b"{"
        assert (
            server.client.get(scan["tileset_url"], headers={"If-None-Match": tileset.headers["etag"]}).status_code
            == 304
        )
    finally:
        server.stop()
