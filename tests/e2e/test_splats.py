"""Compressed tiles in the viewer, decoded by the app's own CesiumJS build, from a separate tile
origin through window.heritage.showTileset, with no console error and no foreign request:

* a point cloud tiled with the default meshopt compression (EXT_meshopt_compression): drawn;
* Gaussian splats: a 3DGS PLY of a known shape (a hollow 4 m box of red splats) at a known
  anchor beside a relic, tiled into SPZ-compressed KHR_gaussian_splatting glb tiles: every splat
  decoded, drawn (red pixels where the box is, none when it is hidden), where it was put."""

from __future__ import annotations

import json

import numpy as np
import psycopg
import pytest

import crs
from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites
from tests.e2e.conftest import new_session
from tests.e2e.data import sites_csv
from tiling import tile_scan
from tiling.splats.readers import write_ply
from tiling.splats.spz import Splats, logit

LON, LAT = 107.0843, 10.3460  # t-vt1 (Thắng Nhì, Vũng Tàu)
EDGE = 4.0


def box_splats(edge: float, per_side: int = 24) -> Splats:
    """Splats on the six faces of a cube standing on z = 0 (local metres, z up), opaque red."""
    t = np.linspace(-edge / 2, edge / 2, per_side)
    a, b = (v.ravel() for v in np.meshgrid(t, t))
    half = np.full(a.shape, edge / 2)
    faces = [np.c_[a, b, -half], np.c_[a, b, half], np.c_[a, -half, b], np.c_[a, half, b], np.c_[-half, a, b]]
    faces.append(np.c_[half, a, b])
    pos = np.concatenate(faces) + [0.0, 0.0, edge / 2]
    n = len(pos)
    red = (np.array([0.95, 0.1, 0.1]) - 0.5) / 0.28209479177387814  # DC coefficients of the colour
    return Splats(
        pos,
        np.tile([0.0, 0.0, 0.0, 1.0], (n, 1)),
        np.full((n, 3), np.log(edge / per_side * 0.8)),
        np.full(n, logit(np.array([0.98]))[0]),
        np.tile(red, (n, 1)),
    )


@pytest.fixture(scope="module")
def app_url(live_server, module_dsn):
    with psycopg.connect(module_dsn) as conn:
        import_sites(conn, read_csv_text(sites_csv()), actor="test", source_name="e2e-splats.csv")
    return live_server.url


@pytest.fixture(scope="module")
def splat_tileset(static_server):
    folder, origin = static_server
    east, north = (float(v) for v in crs.from_wgs84(LON, LAT, 5899))
    base = float(crs.ellipsoidal_to_normal(LON, LAT, 0.0))  # the globe is the bare ellipsoid
    write_ply(folder / "box.ply", box_splats(EDGE))
    stats = tile_scan(folder / "box.ply", folder / "splats", src_crs=5899, anchor=(east, north, base))
    assert stats.kind == "splat" and stats.compressed and stats.tiles >= 1  # tile_scan validated it
    return f"{origin}/splats/tileset.json"


@pytest.fixture(scope="module")
def meshopt_points(static_server):
    """A 24 × 24 m patch of 20 000 coloured points beside the relic, meshopt-compressed (the default)."""
    import laspy

    folder, origin = static_server
    east, north = (float(v) for v in crs.from_wgs84(LON, LAT, 5899))
    base = float(crs.ellipsoidal_to_normal(LON, LAT, 0.0))
    rng = np.random.default_rng(3)
    n = 20_000
    header = laspy.LasHeader(point_format=3, version="1.2")
    header.scales, header.offsets = np.array([0.001] * 3), np.array([east, north, 0.0])
    las = laspy.LasData(header)
    dx, dy = rng.uniform(-12, 12, n), rng.uniform(-12, 12, n)
    las.x, las.y, las.z = east + dx, north + dy, base + 2.0 * np.exp(-(dx**2 + dy**2) / 40.0)
    las.red, las.green, las.blue = np.full(n, 60000), np.full(n, 50000), np.full(n, 5000)
    las.write(str(folder / "patch.las"))
    stats = tile_scan(folder / "patch.las", folder / "points", src_crs=5899)
    assert stats.compressed
    return f"{origin}/points/tileset.json"


# The splat tileset's state, and where its centre is on screen.
STATE = """() => {
  const v = window.heritageViewer;
  const t = [...Array(v.scene.primitives.length).keys()].map((i) => v.scene.primitives.get(i))
    .find((p) => p instanceof Cesium.Cesium3DTileset && p.show);
  if (!t) return null;
  const c = Cesium.Cartographic.fromCartesian(t.boundingSphere.center);
  const w = Cesium.SceneTransforms.worldToWindowCoordinates(v.scene, t.boundingSphere.center);
  const splats = t.gaussianSplatPrimitive;
  return {loaded: t.tilesLoaded, contents: t.statistics.numberOfTilesWithContentReady,
          splats: splats ? splats._numSplats || 0 : -1,
          lon: Cesium.Math.toDegrees(c.longitude), lat: Cesium.Math.toDegrees(c.latitude), h: c.height,
          radius: t.boundingSphere.radius, x: w ? w.x : null, y: w ? w.y : null,
          width: v.scene.canvas.clientWidth, height: v.scene.canvas.clientHeight};
}"""

# Red pixels in a square around (x, y) of the canvas, copied right after a frame.
RED_AROUND = """([x, y, r, show]) => new Promise((resolve) => {
  const v = window.heritageViewer;
  const t = [...Array(v.scene.primitives.length).keys()].map((i) => v.scene.primitives.get(i))
    .find((p) => p instanceof Cesium.Cesium3DTileset && p.resource.url.split('?')[0].endsWith('/splats/tileset.json'));
  t.show = show;
  const scene = v.scene;
  let frames = 0;
  const grab = () => {
    if (++frames < 3) { scene.requestRender(); return; }  // let the sorter catch up
    scene.postRender.removeEventListener(grab);
    const k = scene.canvas.width / scene.canvas.clientWidth;
    const c = document.createElement('canvas');
    c.width = scene.canvas.width; c.height = scene.canvas.height;
    const g = c.getContext('2d');
    g.drawImage(scene.canvas, 0, 0);
    const d = g.getImageData(Math.round((x - r) * k), Math.round((y - r) * k), Math.round(2 * r * k),
                             Math.round(2 * r * k)).data;
    let red = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i + 1] < 90 && d[i + 2] < 90) red++;
    resolve(red);
  };
  scene.postRender.addEventListener(grab);
  scene.requestRender();
})"""


SHOWN_LOADED = """window.__tilesetError || window.__tileFailed || (() => {
  const v = window.heritageViewer;
  const t = [...Array(v.scene.primitives.length).keys()].map((i) => v.scene.primitives.get(i))
    .find((p) => p instanceof Cesium.Cesium3DTileset && p.show);
  return t && t.tilesLoaded && t.statistics.numberOfTilesWithContentReady > 0;
})()"""

# Picks in a 5 × 5 grid 6 px apart around the shown tileset's centre that hit it (points have gaps).
PICKS = """() => {
  const s = window.heritageViewer.scene;
  const t = [...Array(s.primitives.length).keys()].map((i) => s.primitives.get(i))
    .find((p) => p instanceof Cesium.Cesium3DTileset && p.show);
  const w = Cesium.SceneTransforms.worldToWindowCoordinates(s, t.boundingSphere.center);
  let hits = 0;
  for (let dx = -12; dx <= 12; dx += 6) for (let dy = -12; dy <= 12; dy += 6) {
    const picked = s.pick(new Cesium.Cartesian2(w.x + dx, w.y + dy));
    if (picked && picked.primitive === t) hits += 1;
  }
  return hits;
}"""


def test_viewer_draws_meshopt_points_and_splats(browser, app_url, static_server, meshopt_points, splat_tileset):
    """One page: the meshopt point tiles, then the splat tileset (one page load keeps it short)."""
    _, origin = static_server
    session = new_session(browser, app_url, extra_origins=[origin])
    page = session.page
    try:
        session.open_viewer(app_url, "/?lite")
        page.evaluate("async (url) => { await window.heritage.showTileset(url); }", meshopt_points)
        session.wait(SHOWN_LOADED)
        assert page.evaluate("window.__tilesetError || window.__tileFailed || null") is None, session.errors
        # points drawn where they were put: CesiumJS decoded EXT_meshopt_compression itself
        assert page.evaluate(PICKS) >= 5

        shown = page.evaluate(
            """async (url) => { const t = await window.heritage.showTileset(url); return !!t; }""", splat_tileset
        )
        assert shown is True
        session.wait(
            f"""window.__tilesetError || window.__tileFailed || (() => {{
              const s = ({STATE})();
              return s && s.loaded && s.contents > 0 && s.splats > 0;
            }})()"""
        )
        assert page.evaluate("window.__tilesetError || window.__tileFailed || null") is None, session.errors
        state = page.evaluate(STATE)
        # every splat of the box was decoded, and the box stands where the anchor put it
        assert state["splats"] == len(box_splats(EDGE)), state
        assert abs(state["lon"] - LON) < 2e-5 and abs(state["lat"] - LAT) < 2e-5, state
        assert abs(state["h"] - EDGE / 2) < 0.5 and state["radius"] < EDGE, state
        assert 0 < state["x"] < state["width"] and 0 < state["y"] < state["height"], state
        around = [state["x"], state["y"], 40]
        red_shown = page.evaluate(RED_AROUND, [*around, True])
        red_hidden = page.evaluate(RED_AROUND, [*around, False])
        assert red_shown > 500 and red_hidden < red_shown / 10, (red_shown, red_hidden)
        # the SPZ decoder ran inside the app's own Cesium build; nothing came from elsewhere
        session.assert_clean()
        assert any(u.endswith("/splats/tileset.json") for u in session.requests)
        tiles = [u for u in session.requests if u.startswith(origin) and u.endswith(".glb")]
        assert tiles, session.requests
        doc = json.loads(page.request.get(splat_tileset).text())
        assert doc["extensions"]["3DTILES_content_gltf"]["extensionsRequired"] == [
            "KHR_gaussian_splatting",
            "KHR_gaussian_splatting_compression_spz_2",
        ]
    finally:
        session.context.close()
