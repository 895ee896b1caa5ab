"""The 3D province in headless Chromium: the terrain built from a generated cone DEM (VN-2000, normal
heights) is what Cesium samples (sampleTerrainMostDetailed) — apex + N within the raster's
resolution —, relic markers stand on it, the sample model is lifted onto it, the basemap and an
orthophoto are layered above NaturalEarthII, and relics without a position appear as district
badges with their list. Nothing leaves the machine."""

from __future__ import annotations

import os

import psycopg
import pytest

import crs
from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites
from tests.e2e.conftest import new_session
from tests.e2e.data import sites_csv
from tests.e2e.tileset import write_box_tileset
from tests.live_server import LiveServer
from tests.mapserver.terrain.app import with_terrain_routes
from tests.tiling.terrain.rasters import APEX_H, RESOLUTION_M, SLOPE, apex_wgs84, write_checkerboard, write_cone_vn2000

T_VT1 = (107.0843, 10.3460)  # a located test relic 2 m from the cone's apex


@pytest.fixture(scope="module")
def app_url(module_dsn, tmp_path_factory):
    from mapserver.app import create_app
    from mapserver.store import make_store
    from mapserver.terrain.basemap import ensure_basemap
    from mapserver.terrain.jobs import run_build
    from mapserver.terrain.service import RasterRequest, register_raster
    from tests.conftest import make_settings

    settings = make_settings(module_dsn, tmp_path_factory.mktemp("var"))
    folder = tmp_path_factory.mktemp("rasters")
    with psycopg.connect(module_dsn) as conn:
        import_sites(conn, read_csv_text(sites_csv()), actor="test", source_name="e2e.csv")
        store = make_store(settings)
        dem = register_raster(
            conn,
            store,
            RasterRequest("terrain", write_cone_vn2000(folder / "cone.tif"), "cone.tif", "test", heights="normal"),
        )
        ortho = register_raster(
            conn, store, RasterRequest("imagery", write_checkerboard(folder / "o.tif"), "o.tif", "test", label="Ảnh")
        )
    run_build(settings, dem)
    run_build(settings, ortho)
    ensure_basemap(settings, module_dsn, max_level=7)
    server = LiveServer(with_terrain_routes(create_app(settings)))
    server.start()
    yield server.url
    server.stop()


def test_cesium_samples_the_cone_apex_at_its_normal_height_plus_n(browser, app_url, static_server):
    folder, tiles_origin = static_server
    write_box_tileset(folder / "sample", lon=T_VT1[0], lat=T_VT1[1], size=20.0)
    session = new_session(browser, app_url, extra_origins=[tiles_origin])
    page = session.page
    scans = {"scans": [{"id": 1, "kind": "mesh", "status": "done", "label": "Mẫu", "sample": True,
                        "tileset_url": f"{tiles_origin}/sample/tileset.json"}]}  # fmt: skip
    page.route("**/api/sites/t-vt1/scans", lambda route: route.fulfill(json=scans))
    try:
        session.open_viewer(app_url)
        session.wait("window.__timings.groundReady && window.__timings.terrainReady")
        lon, lat = apex_wgs84()
        sampled = page.evaluate(
            """async ([lon, lat]) => {
                const v = window.heritageViewer;
                const [p] = await Cesium.sampleTerrainMostDetailed(v.terrainProvider, [Cesium.Cartographic.fromDegrees(lon, lat)]);
                return {height: p.height, quantized: v.terrainProvider instanceof Cesium.CesiumTerrainProvider,
                        normals: v.terrainProvider.hasVertexNormals, water: v.terrainProvider.hasWaterMask};
            }""",
            [lon, lat],
        )
        n = float(crs.geoid_undulation(lon, lat))
        assert sampled["quantized"] and sampled["normals"] and sampled["water"]
        assert abs(sampled["height"] - (APEX_H + n)) < RESOLUTION_M * SLOPE, (sampled, APEX_H + n)

        layers = page.evaluate("""() => {
            const v = window.heritageViewer;
            const l = [...Array(v.imageryLayers.length).keys()].map((i) => v.imageryLayers.get(i).imageryProvider);
            return l.map((p) => p.constructor.name + ':' + (p.url || ''));
        }""")
        assert len(layers) == 3 and "/basemap/" in layers[1] and "/imagery/" in layers[2], layers

        if os.environ.get("HERITAGE_SCREENSHOTS"):
            page.evaluate("""() => { const v = window.heritageViewer;
                v.camera.setView({destination: Cesium.Rectangle.fromDegrees(106.95, 10.25, 107.35, 10.6)}); v.scene.requestRender(); }""")
            page.wait_for_timeout(8000)
            page.screenshot(path=os.path.join(os.environ["HERITAGE_SCREENSHOTS"], "province.png"))
        marker = page.evaluate("""() => {
            const e = window.heritage.relics.source.entities.getById('t-vt1');
            return e.billboard.heightReference.getValue() === Cesium.HeightReference.CLAMP_TO_GROUND
                && e.label.heightReference.getValue() === Cesium.HeightReference.CLAMP_TO_GROUND;
        }""")
        assert marker is True

        # the sample model (generated, base on the ellipsoid) is lifted onto the terrain
        page.evaluate("window.heritage.select('t-vt1')")
        page.get_by_role("button", name="Xem 3D").click()
        session.wait("window.__tilesetError || window.__tileFailed || window.__timings.allTilesLoaded")
        lift = page.evaluate("""() => {
            const v = window.heritageViewer;
            const t = [...Array(v.scene.primitives.length).keys()].map((i) => v.scene.primitives.get(i))
                .find((p) => p instanceof Cesium.Cesium3DTileset);
            return t.heritageLift;
        }""")
        assert APEX_H + n - 10 < lift < APEX_H + n + 0.5, lift

        badges = page.evaluate("""() => window.heritage.districts.count()""")
        body = page.request.get(f"{app_url}/api/sites/unlocated-by-district").json()
        expected = [d for d in body["districts"] if d["seat"] and d["count"]]
        assert badges == len(expected) >= 3
        vung_tau = next(d for d in expected if d["id"] == "vung-tau")
        page.evaluate(
            """(d) => window.heritage.districts.showList(window.heritage.districts.districts.get(d))""", "vung-tau"
        )
        popup = page.locator("#district-popup")
        assert popup.is_visible() and str(vung_tau["count"]) in popup.locator("h2").inner_text()
        assert popup.locator("li").count() == vung_tau["count"]
        if os.environ.get("HERITAGE_SCREENSHOTS"):  # to look at it as a person would
            page.screenshot(path=os.path.join(os.environ["HERITAGE_SCREENSHOTS"], "terrain.png"))
        session.assert_clean()
    finally:
        session.context.close()
