"""The production front for real: `heritage serve` starts nginx and the app on the test database;
published tiles come from nginx itself with the app's HTTP semantics, withdrawn, sensitive and
unpublished ones are not there, the API reaches the app, and a stop leaves no nginx behind."""

from __future__ import annotations

import gzip
import json
import re

import httpx
import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.front.nginx import find_nginx
from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites
from tests.mapserver.front.served import add_media, add_rasters, add_scan, eventually, processes_mentioning, serve

pytestmark = pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed (apt-get install nginx-light)")
NGINX_ETAG = re.compile(r'^"[0-9a-f]+-[0-9a-f]+"$')  # "<mtime>-<size>" in hex; the app's is a SHA-1


@pytest.fixture(scope="module")
def front(module_dsn, tmp_path_factory):
    var = tmp_path_factory.mktemp("front") / "var"
    store = var / "store"
    with psycopg.connect(module_dsn) as conn:
        import_sites(
            conn,
            read_csv_text("id,name_vi,rank,category,lon,lat\nt-front,Đình thử,provincial,historical,107.08,10.35\n"),
            actor="test",
            source_name="t.csv",
        )
        scans = {
            "public": add_scan(conn, store, "bach-dinh", versions=(1, 2)),  # v2 is on disk, not published
            "to_withdraw": add_scan(conn, store, "bach-dinh"),
            "in_review": add_scan(conn, store, "bach-dinh", review="in_review"),
            "of_sensitive": add_scan(conn, store, "t-front"),
        }
        media = {
            "image": add_media(conn, store, "bach-dinh", "image"),
            "video": add_media(conn, store, "bach-dinh", "video"),
            "draft": add_media(conn, store, "bach-dinh", "video", status="draft"),
        }
        scans.update({f"media_{k}": v for k, v in media.items()})
        scans.update({f"raster_{k}": v for k, v in add_rasters(conn, store).items()})
        editor = create_user(conn, "front-editor", "editor")[1]
    served = serve(module_dsn, var, "--workers", "1", env={"HERITAGE_FRONT_RESYNC_SECONDS": "0.5"})
    client = httpx.Client(base_url=served.url, timeout=30)
    yield served, client, scans, {"Authorization": f"Bearer {editor}"}, store
    client.close()
    served.stop()


def logged(served, path: str) -> str | None:
    """The access-log line of a request for `path` (nginx flushes its log within a second)."""
    pattern = f'"GET {path} HTTP/1.1"'

    def find():
        text = served.access_log.read_text() if served.access_log.exists() else ""
        return next((line for line in text.splitlines() if pattern in line), None)

    return eventually(find, seconds=5)


def test_published_tiles_come_from_nginx_with_the_app_semantics(front):
    served, client, scans, _, store = front
    base = f"/tiles/{scans['public']}/v1"
    tile = client.get(f"{base}/tiles/0.pnts")
    on_disk = (store / "tiles" / str(scans["public"]) / "v1" / "tiles" / "0.pnts").read_bytes()
    assert tile.status_code == 200 and tile.content == on_disk
    assert tile.headers["content-type"] == "application/octet-stream"
    assert tile.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert tile.headers["access-control-allow-origin"] == "*"
    assert tile.headers["access-control-expose-headers"] == "ETag, Content-Length, Content-Range"
    assert NGINX_ETAG.match(tile.headers["etag"]), tile.headers["etag"]
    # nginx answered alone: its log has no upstream for the tile, the app's socket for the API.
    assert logged(served, f"{base}/tiles/0.pnts").endswith("upstream=-")

    again = client.get(f"{base}/tiles/0.pnts", headers={"If-None-Match": tile.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    part = client.get(f"{base}/tiles/0.pnts", headers={"Range": "bytes=4-11"})
    assert part.status_code == 206 and part.content == on_disk[4:12]
    assert part.headers["content-range"] == f"bytes 4-11/{len(on_disk)}"
    assert client.get(f"{base}/tiles/0.pnts", headers={"Range": "bytes=999999-"}).status_code == 416


def test_tileset_json_is_gzipped(front):
    _, client, scans, _, store = front
    path = f"/tiles/{scans['public']}/v1/tileset.json"
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as response:
        body = b"".join(response.iter_raw())
        headers = response.headers
    assert response.status_code == 200 and headers["content-encoding"] == "gzip"
    assert headers["content-type"] == "application/json" and "accept-encoding" in headers["vary"].lower()
    on_disk = (store / "tiles" / str(scans["public"]) / "v1" / "tileset.json").read_bytes()
    assert gzip.decompress(body) == on_disk and len(body) < len(on_disk)
    assert client.get(path, headers={"Accept-Encoding": "identity"}).content == on_disk


def test_unpublished_versions_and_scans_are_not_there(front):
    _, client, scans, _, store = front
    assert (store / "tiles" / str(scans["public"]) / "v2" / "tileset.json").exists()
    for path in (
        f"/tiles/{scans['public']}/v2/tileset.json",  # newer than the published version
        f"/tiles/{scans['in_review']}/v1/tileset.json",  # waiting for an editor
        f"/tiles/{scans['public']}/v1/",  # no directory listings
        f"/tiles/{scans['public']}/v1/../v2/tileset.json",
        "/tiles/999999/v1/tileset.json",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"
        assert json.loads(answer.content)["status"] == 404
    assert client.post(f"/tiles/{scans['public']}/v1/tileset.json").status_code == 405


def test_published_media_files_come_from_nginx_too(front):
    served, client, ids, editor, store = front
    tile_path = f"/iiif/3/{ids['media_image']}/v1/full/90,/0/default.jpg"
    tile = client.get(tile_path)
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/jpeg"
    assert tile.content.startswith(b"\xff\xd8") and "immutable" in tile.headers["cache-control"]
    assert logged(served, tile_path).endswith("upstream=-")
    clip = client.get(f"/media/{ids['media_video']}/v1/video.mp4", headers={"Range": "bytes=0-99"})
    assert clip.status_code == 206 and clip.headers["content-type"] == "video/mp4" and len(clip.content) == 100
    # The app writes its own address into info.json: that one is never answered by nginx.
    info_path = f"/iiif/3/{ids['media_image']}/v1/info.json"
    client.get(info_path)
    assert "upstream=unix:" in logged(served, info_path)
    draft = client.get(f"/media/{ids['media_draft']}/v1/video.mp4")
    assert draft.status_code == 404 and draft.headers["content-type"] == "application/problem+json"
    assert (store / "media" / str(ids["media_draft"]) / "v1" / "video.mp4").exists()
    # Staff (a token or a session cookie) are passed to the app for what is not linked: their drafts.
    client.get(f"/media/{ids['media_draft']}/v1/video.mp4?staff", headers=editor)
    assert "upstream=unix:" in logged(served, f"/media/{ids['media_draft']}/v1/video.mp4?staff")


def test_terrain_imagery_and_basemap_come_from_nginx(front):
    served, client, ids, _, store = front
    path = f"/terrain/v{ids['raster_terrain']}/0/0/0.terrain"
    tile = eventually(lambda: (r := client.get(path)).status_code == 200 and r, seconds=10)
    # stored gzipped, sent as it is: httpx undoes the encoding, so the body is the raw tile
    assert (
        tile.headers["content-encoding"] == "gzip" and tile.headers["content-type"] == "application/vnd.quantized-mesh"
    )
    assert tile.content == bytes(range(256)) * 8 and "immutable" in tile.headers["cache-control"]
    assert logged(served, path).endswith("upstream=-")
    layer = client.get(f"/terrain/v{ids['raster_terrain']}/layer.json")
    assert layer.status_code == 200 and "content-encoding" not in layer.headers
    assert client.get(f"/terrain/v{ids['raster_terrain_retired']}/layer.json").status_code == 404
    ortho = client.get(f"/imagery/{ids['raster_imagery']}/v1/0/0/0.png")
    assert ortho.status_code == 200 and ortho.headers["content-type"] == "image/png"
    assert client.get("/basemap/bm-test/0/0/0.png").headers["content-type"] == "image/png"
    # a tile never drawn: nginx has no file, the app answers with the plain tile above it
    plain = client.get("/basemap/bm-test/1/1/1.png")
    assert plain.status_code == 200 and plain.content.endswith(b"fill")
    assert "upstream=unix:" in logged(served, "/basemap/bm-test/1/1/1.png")
    assert client.get("/basemap/other/0/0/0.png").status_code == 404


def test_api_requests_reach_the_app(front):
    served, client, _, _, _ = front
    relic = client.get("/api/sites/bach-dinh")
    assert relic.status_code == 200 and relic.json()["id"] == "bach-dinh"
    assert "upstream=unix:" in logged(served, "/api/sites/bach-dinh")
    ogc = client.get("/ogc/collections")
    # Links keep the port the client used: the front passes the Host header on.
    assert served.url in json.dumps(ogc.json()["links"])


def test_a_withdrawn_scan_is_unreachable_at_once(front):
    _, client, scans, editor, _ = front
    path = f"/tiles/{scans['to_withdraw']}/v1/tileset.json"
    assert client.get(path).status_code == 200
    r = client.post(
        f"/api/scans/{scans['to_withdraw']}/review", json={"action": "withdraw", "reason": "wrong site"}, headers=editor
    )
    assert r.status_code == 200, r.text
    assert eventually(lambda: client.get(path).status_code == 404, seconds=5)
    assert client.get(f"/tiles/{scans['public']}/v1/tileset.json").status_code == 200  # the others stay


def test_a_relic_made_sensitive_hides_its_scans(front):
    _, client, scans, editor, _ = front
    path = f"/tiles/{scans['of_sensitive']}/v1/tiles/0.pnts"
    assert client.get(path).status_code == 200
    r = client.patch("/api/sites/t-front", json={"sensitive": True}, headers=editor)
    assert r.status_code == 200, r.text
    # Nobody announces a relic's own change: the periodic resync (0.5 s here) unlinks it.
    assert eventually(lambda: client.get(path).status_code == 404, seconds=5)


def test_stop_leaves_nothing_running(front):
    served, client, *_ = front
    conf = str(served.var / "front" / "nginx.conf")
    socket = str(served.var / "front" / "run" / "app.sock")
    assert processes_mentioning(conf), "nginx should be running"
    assert served.stop() == 0
    assert processes_mentioning(conf) == [] and processes_mentioning(socket) == []
    with pytest.raises(httpx.ConnectError):
        client.get("/healthz")
