"""Terrain, imagery and basemap through the real app: the admin adds rasters, the worker builds them,
/api/terrain lists them with versioned URLs, the tile routes serve them like tilesets (Cesium's
quantized-mesh type, gzip, ETag/304, immutable caching), and relics without a position are counted
per district."""

from __future__ import annotations

import gzip
import json

import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.jobs.worker import run_worker
from tests.live_server import LiveServer, run_async_in_thread
from tests.mapserver.terrain.app import with_terrain_routes
from tests.tiling.terrain.rasters import APEX_H, apex_wgs84, read_tile, write_checkerboard, write_cone_vn2000
from tiling.terrain.grid import Tile, tile_range


@pytest.fixture(scope="module")
def server(module_dsn, tmp_path_factory):
    from mapserver.app import create_app
    from tests.conftest import make_settings

    live = LiveServer(with_terrain_routes(create_app(make_settings(module_dsn, tmp_path_factory.mktemp("var")))))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def tokens(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        return {role: create_user(conn, f"terrain-{role}", role)[1] for role in ("admin", "surveyor", "editor")}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def add(server, token, path, **form):
    with open(path, "rb") as fh:
        return server.client.post(
            "/api/terrain/layers", headers=bearer(token), data=form, files={"file": (path.name, fh, "image/tiff")}
        )


def work(server):
    settings = server.app.state.settings
    run_async_in_thread(lambda: run_worker(settings, settings.database_url, burst=True))


@pytest.fixture(scope="module")
def built(server, tokens, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rasters")
    dem = add(server, tokens["admin"], write_cone_vn2000(folder / "cone.tif"), kind="terrain", heights="normal")
    assert dem.status_code == 202, dem.text
    ortho = add(server, tokens["admin"], write_checkerboard(folder / "ortho.tif"), kind="imagery", label="Ảnh thử")
    assert ortho.status_code == 202, ortho.text
    work(server)
    return dem.json()["id"], ortho.json()["id"]


def test_adding_needs_an_admin_and_a_usable_geotiff(server, tokens, tmp_path):
    path = write_cone_vn2000(tmp_path / "cone.tif")
    assert add(server, "", path, kind="terrain").status_code == 401
    assert add(server, tokens["surveyor"], path, kind="terrain").status_code == 403
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"not a raster")
    r = add(server, tokens["admin"], junk, kind="terrain", heights="normal")
    assert r.status_code == 422 and "not a raster" in r.json()["detail"]
    r = add(server, tokens["admin"], path, kind="imagery")  # float heights are no photo
    assert r.status_code == 422 and "8-bit" in r.json()["detail"]
    r = add(server, tokens["admin"], path, kind="terrain", heights="normal", crs="EPSG:32648")
    assert r.status_code == 422 and "not supported" in r.json()["detail"]


def test_built_layers_are_listed_with_versioned_urls(server, tokens, built):
    dem_id, ortho_id = built
    layers = server.client.get("/api/terrain/layers", headers=bearer(tokens["editor"])).json()["layers"]
    mine = {layer["id"]: layer for layer in layers}
    assert mine[dem_id]["status"] == "done" and mine[dem_id]["progress"] == 1
    assert mine[dem_id]["stats"]["source"]["crs"] == "EPSG:5899"
    assert mine[ortho_id]["status"] == "done"
    body = server.client.get("/api/terrain").json()
    assert body["terrain"]["url"] == f"/terrain/v{dem_id}/layer.json"
    assert body["terrain"]["max_level"] == 14
    [ortho] = [i for i in body["imagery"] if i["id"] == ortho_id]
    assert ortho["url_template"] == f"/imagery/{ortho_id}/v1/{{z}}/{{x}}/{{reverseY}}.png"
    assert ortho["tiling_scheme"] == "geographic" and ortho["max_level"] == 17 and ortho["label"] == "Ảnh thử"


def test_terrain_tiles_are_served_as_cesium_expects(server, built):
    dem_id, _ = built
    client = server.client
    layer = client.get(f"/terrain/v{dem_id}/layer.json")
    assert layer.status_code == 200 and layer.json()["tiles"] == ["{z}/{x}/{y}.terrain?v={version}"]
    assert layer.json()["version"] == str(dem_id)
    lon, lat = apex_wgs84()
    x, y, _, _ = tile_range(14, (lon, lat, lon, lat))
    url = f"/terrain/v{dem_id}/14/{x}/{y}.terrain?v={dem_id}"
    raw = httpx_raw(server, url)
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "application/vnd.quantized-mesh"
    assert raw.headers["content-encoding"] == "gzip"
    assert "immutable" in raw.headers["cache-control"] and raw.headers["access-control-allow-origin"] == "*"
    mesh = read_tile(gzip.decompress(raw.content), Tile(14, x, y).bounds)
    assert abs(mesh.height_at(lon, lat) - (APEX_H - 1.82)) < 2.5
    again = client.get(url, headers={"If-None-Match": raw.headers["etag"]})
    assert again.status_code == 304
    assert client.get(f"/terrain/v{dem_id + 999}/layer.json").status_code == 404
    assert client.get(f"/terrain/v{dem_id}/../../rasters/{dem_id}/cone.tif").status_code == 404


def httpx_raw(server, url):
    """The response as sent (not decoded by the client)."""
    import httpx

    with httpx.Client(base_url=server.url) as client, client.stream("GET", url) as response:
        response.read_raw = b"".join(response.iter_raw())
        response._content = response.read_raw
        return response


def test_imagery_tiles_are_pngs_of_the_photo(server, built):
    _, ortho_id = built
    layer = server.client.get("/api/terrain").json()["imagery"]
    [ortho] = [i for i in layer if i["id"] == ortho_id]
    w, s, e, n = ortho["rectangle"]
    x, y, _, _ = tile_range(17, ((w + e) / 2, (s + n) / 2, (w + e) / 2, (s + n) / 2))
    r = server.client.get(f"/imagery/{ortho_id}/v1/17/{x}/{y}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:4] == b"\x89PNG"
    assert server.client.get(f"/imagery/{ortho_id}/v2/17/{x}/{y}.png").status_code == 404


def test_unlocated_relics_counted_per_district(server):
    r = server.client.get("/api/sites/unlocated-by-district")
    assert r.status_code == 200
    body = r.json()
    by_id = {d["id"]: d for d in body["districts"]}
    assert body["total"] == sum(d["count"] for d in body["districts"]) >= 20
    vung_tau = by_id["vung-tau"]
    assert vung_tau["count"] == len(vung_tau["relics"]) >= 8
    assert "bach-dinh" in {x["id"] for x in vung_tau["relics"]}
    assert vung_tau["seat"]["lon"] == pytest.approx(107.067) and "Wikipedia" in vung_tau["seat"]["source"]
    assert "con-dao-prison" not in {x["id"] for d in body["districts"] for x in d["relics"]}  # located
    assert by_id["xuyen-moc"]["seat"] is None  # no sourced seat: no place for a badge is made up


def test_basemap_built_once_and_plain_tiles_stand_for_their_children(server, module_dsn):
    from mapserver.terrain.basemap import ensure_basemap
    from tiling.terrain import gshhg

    if not gshhg.available():
        pytest.skip("gmt-gshhg-full is not installed")
    settings = server.app.state.settings
    version, what = ensure_basemap(settings, module_dsn, max_level=8)
    assert version and what.startswith("built")
    assert ensure_basemap(settings, module_dsn, max_level=8) == (version, "up to date")
    basemap = server.client.get("/api/terrain").json()["basemap"]
    assert basemap["url_template"] == f"/basemap/{version}/{{z}}/{{x}}/{{reverseY}}.png"
    assert "GSHHG" in basemap["attribution"] and basemap["max_level"] == 8
    root = settings.store_dir / "basemap" / version
    manifest = json.loads((root / "basemap.json").read_text())
    assert manifest["provenance"][0]["licence"] == "LGPL-3+"
    drawn = next(root.glob("8/*/*.png"))
    assert server.client.get(f"/basemap/{version}/8/{drawn.parent.name}/{drawn.name}").status_code == 200
    fill = next(p for p in root.glob("7/*/*.fill.png"))
    x, y = int(fill.parent.name), int(fill.name.split(".")[0])
    child = server.client.get(f"/basemap/{version}/8/{2 * x + 1}/{2 * y}.png")
    assert child.status_code == 200 and child.content == fill.read_bytes()
    assert server.client.get(f"/basemap/{version}0/8/{2 * x}/{2 * y}.png").status_code == 404
