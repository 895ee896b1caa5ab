"""Real scans end to end: uploaded through POST /api/scans, tiled by the worker (the demo temple as a
Draco-compressed mesh, and a LAS point cloud), served by /tiles and shown by the viewer through the
relic panel's "Xem 3D" buttons — no route stubbing, no tile origin other than the app."""

from __future__ import annotations

import csv
import io
import json
import struct
import zipfile
from urllib.parse import urlparse

import laspy
import numpy as np
import psycopg
import pytest

import crs
from mapserver.accounts.service import create_user
from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites
from mapserver.jobs.worker import run_worker
from tests.e2e.conftest import new_session
from tests.e2e.data import COLUMNS
from tests.live_server import run_async_in_thread
from tiling.demo import write_demo_mesh

SITE = "t-scan"
LON, LAT = 107.0843, 10.3460  # Thắng Nhì, Vũng Tàu
MESH_LABEL = "Đình mẫu (lưới Draco, thử)"
POINTS_LABEL = "Đám mây điểm (LAS, thử)"
POINTS = 50_000
DRACO = "KHR_draco_mesh_compression"
VIEWPORT = {"width": 900, "height": 600}  # wide enough for the desktop layout (side panel)


def _sites_csv() -> str:
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            COLUMNS,
            [
                SITE,
                "Đình có bản quét (thử)",
                "Relic with scans (test)",
                "provincial",
                "historical",
                "Vũng Tàu",
                "",
                str(LON),
                str(LAT),
                "test",
                "0.5",
            ],
        ]
    )
    return out.getvalue()


def _temple_zip(folder) -> bytes:
    obj = write_demo_mesh(folder / "mesh")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(obj.parent.iterdir()):
            zf.write(part, part.name)
    return buf.getvalue()


def _las(path, east: float, north: float, base: float) -> None:
    """A 24 × 24 m patch of POINTS coloured points with a 3 m mound, in real VN-2000 coordinates."""
    rng = np.random.default_rng(7)
    header = laspy.LasHeader(point_format=3, version="1.2")
    header.scales = np.array([0.001, 0.001, 0.001])
    header.offsets = np.array([east, north, 0.0])
    las = laspy.LasData(header)
    dx, dy = rng.uniform(-12, 12, POINTS), rng.uniform(-12, 12, POINTS)
    las.x, las.y = east + dx, north + dy
    las.z = base + 3.0 * np.exp(-(dx**2 + dy**2) / 40.0) + rng.normal(0, 0.02, POINTS)
    las.red = (np.clip(dx + 12, 0, 24) / 24 * 65535).astype(np.uint16)
    las.green = (np.clip(dy + 12, 0, 24) / 24 * 65535).astype(np.uint16)
    las.blue = np.full(POINTS, 20000, np.uint16)
    las.write(str(path))


def _glb_json(data: bytes) -> dict:
    magic, version, _ = struct.unpack_from("<III", data, 0)
    assert magic == 0x46546C67 and version == 2
    length, kind = struct.unpack_from("<II", data, 12)
    assert kind == 0x4E4F534A  # JSON chunk first
    return json.loads(data[20 : 20 + length])


def _contents(node: dict) -> list[str]:
    uris = [node["content"]["uri"]] if "content" in node else []
    for child in node.get("children", []):
        uris += _contents(child)
    return uris


@pytest.fixture(scope="module")
def scans(live_server, module_dsn, tmp_path_factory):
    """{kind: scan JSON} of the two scans, uploaded by a surveyor and tiled by a burst worker."""
    with psycopg.connect(module_dsn) as conn:
        import_sites(conn, read_csv_text(_sites_csv()), actor="test", source_name="e2e-scans.csv")
        token = create_user(conn, "e2e-surveyor", "surveyor")[1]
        editor = create_user(conn, "e2e-editor", "editor")[1]
    settings = live_server.app.state.settings
    client = live_server.client
    auth = {"Authorization": f"Bearer {token}"}
    east, north = (float(v) for v in crs.from_wgs84(LON, LAT, 5899))
    # normal height of the ellipsoid there: the globe is the bare ellipsoid, so bases sit on it
    base = float(crs.ellipsoidal_to_normal(LON, LAT, 0.0))
    folder = tmp_path_factory.mktemp("scans")
    las_path = folder / "patch.las"
    _las(las_path, east + 40.0, north, base)  # 40 m east of the relic, beside the temple

    uploads = [
        (
            {"label": MESH_LABEL, "anchor": f"{east:.3f},{north:.3f},{base:.3f}", "heading": "0", "compress": "true"},
            ("temple.zip", _temple_zip(folder), "application/zip"),
        ),
        ({"label": POINTS_LABEL}, ("patch.las", las_path.read_bytes(), "application/octet-stream")),
    ]
    ids = []
    for form, file in uploads:
        r = client.post(
            "/api/scans",
            headers=auth,
            files={"file": file},
            data={"site_id": SITE, "crs": "EPSG:5899", "heights": "normal", **form},
        )
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    run_async_in_thread(lambda: run_worker(settings, settings.database_url, burst=True))
    for scan_id in ids:  # a surveyor's scans reach the public once an editor approves them
        approved = client.post(
            f"/api/scans/{scan_id}/review", json={"action": "approve"}, headers={"Authorization": f"Bearer {editor}"}
        )
        assert approved.status_code == 200, approved.text
    out = {}
    for scan_id in ids:
        scan = client.get(f"/api/scans/{scan_id}", headers=auth).json()
        assert scan["status"] == "done", scan
        out[scan["kind"]] = scan
    assert set(out) == {"mesh", "pointcloud"}
    return out


def test_pipeline_publishes_a_draco_mesh_and_a_point_cloud(live_server, scans):
    client = live_server.client
    mesh, points = scans["mesh"], scans["pointcloud"]
    assert mesh["label"] == MESH_LABEL and mesh["stats"]["compressed"] is True and mesh["stats"]["faces"] > 10_000
    assert points["label"] == POINTS_LABEL and points["stats"]["points"] == POINTS
    listed = client.get(f"/api/sites/{SITE}/scans").json()["scans"]  # public list: what the panel gets
    assert sorted(s["id"] for s in listed) == sorted([mesh["id"], points["id"]])
    for scan in (mesh, points):
        # georeferenced where they were put: both within ~60 m of the relic, bases on the ellipsoid
        bbox = scan["stats"]["bbox"]
        assert abs((bbox["lon_min"] + bbox["lon_max"]) / 2 - LON) < 6e-4, bbox
        assert abs((bbox["lat_min"] + bbox["lat_max"]) / 2 - LAT) < 2e-4, bbox
        assert -0.5 < bbox["h_min"] < 0.5, bbox

    for scan, draco in ((mesh, True), (points, False)):
        base = scan["tileset_url"].rsplit("/", 1)[0]
        uris = _contents(client.get(scan["tileset_url"]).json()["root"])
        glbs = [u for u in uris if u.endswith(".glb")]
        assert glbs and len(glbs) == len(uris), uris
        for uri in glbs:
            gltf = _glb_json(client.get(f"{base}/{uri}").content)
            primitives = [p for m in gltf.get("meshes", []) for p in m["primitives"]]
            assert primitives, uri
            if draco:
                assert DRACO in gltf.get("extensionsUsed", []) and DRACO in gltf.get("extensionsRequired", [])
                assert all(DRACO in p.get("extensions", {}) for p in primitives), uri
            else:
                assert all(p.get("mode") == 0 for p in primitives), uri  # POINTS


# The tileset currently shown (ScanLayer shows one at a time), its state, and a pick at its centre.
SHOWN = """(url) => {
  const v = window.heritageViewer;
  const scene = v.scene;
  const all = [...Array(scene.primitives.length).keys()].map((i) => scene.primitives.get(i))
    .filter((p) => p instanceof Cesium.Cesium3DTileset);
  const shown = all.filter((t) => t.show);
  const t = shown[0];
  if (shown.length !== 1 || !t.resource.url.split('?')[0].endsWith(url)) {
    return {tilesets: all.length, shown: shown.map((s) => s.resource.url)};
  }
  const c = Cesium.Cartographic.fromCartesian(t.boundingSphere.center);
  const w = Cesium.SceneTransforms.worldToWindowCoordinates(scene, t.boundingSphere.center);
  // a 5 × 5 grid of picks 6 px apart around the centre (a point cloud has gaps between points)
  let hits = 0, centre = false, other = 0;
  if (w) {
    for (let dx = -12; dx <= 12; dx += 6) {
      for (let dy = -12; dy <= 12; dy += 6) {
        const picked = scene.pick(new Cesium.Cartesian2(w.x + dx, w.y + dy));
        const mine = !!picked && picked.primitive === t;
        if (mine) hits += 1; else if (picked) other += 1;
        if (mine && dx === 0 && dy === 0) centre = true;
      }
    }
  }
  return {
    tilesets: all.length, loaded: t.tilesLoaded, contents: t.statistics.numberOfTilesWithContentReady,
    lon: Cesium.Math.toDegrees(c.longitude), lat: Cesium.Math.toDegrees(c.latitude), h: c.height,
    radius: t.boundingSphere.radius, onScreen: !!w, centre, hits, other,
    inCanvas: !!w && w.x > 0 && w.y > 0 && w.x < scene.canvas.clientWidth && w.y < scene.canvas.clientHeight,
  };
}"""


def test_viewer_renders_the_real_tilesets_from_the_panel(browser, live_server, scans):
    app_url = live_server.url
    session = new_session(browser, app_url, viewport=VIEWPORT)
    tiles: list[tuple[str, int]] = []
    session.context.on(
        "response", lambda r: urlparse(r.url).path.startswith("/tiles/") and tiles.append((r.url, r.status))
    )
    page = session.page
    try:
        session.open_viewer(app_url, f"/?lite#site={SITE}")
        page.locator("#panel").wait_for(state="visible")
        for shown, (kind, label) in enumerate((("mesh", MESH_LABEL), ("pointcloud", POINTS_LABEL)), start=1):
            scan = scans[kind]
            button = page.locator("#panel-scans li", has_text=label).get_by_role("button", name="Xem 3D")
            button.click()
            # the panel says so once the camera got there; then every tile in view is loaded
            session.wait(f"""window.__tilesetError || window.__tileFailed || (
                document.querySelector('#panel-scan-status').textContent === {json.dumps("Đã tải mô hình 3D: " + label)}
                && window.__timings.allTilesLoaded && (() => {{
                  const s = window.heritageViewer.scene;
                  const t = [...Array(s.primitives.length).keys()].map((i) => s.primitives.get(i))
                    .find((p) => p instanceof Cesium.Cesium3DTileset && p.show);
                  return t && t.resource.url.split('?')[0].endsWith({json.dumps(scan["tileset_url"])})
                    && t.tilesLoaded && t.statistics.numberOfTilesWithContentReady > 0;
                }})())""")
            assert page.evaluate("window.__tilesetError || window.__tileFailed || null") is None, (
                session.failed,
                session.errors,
            )
            state = page.evaluate(SHOWN, scan["tileset_url"])
            assert state.get("loaded") is True and state["contents"] >= 1, state
            assert state["tilesets"] == shown, state  # one more loaded, only this one shown
            # drawn where the pipeline put it (mesh at the relic, points 40 m east of it), on the globe
            lon_offset = 0.0 if kind == "mesh" else 40.0 / 109_500  # metres → degrees of longitude
            assert abs(state["lon"] - LON - lon_offset) < 1e-4 and abs(state["lat"] - LAT) < 1e-4, state
            assert -1 < state["h"] < 10 and state["radius"] < 40, state
            # actually rendered: picking at (around) the centre of its bounding sphere hits its content
            assert state["inCanvas"], state
            if kind == "mesh":
                assert state["centre"], state
            assert state["hits"] >= (20 if kind == "mesh" else 5) and state["other"] == 0, state

        # the Draco decoder really ran (its WebAssembly came from the app's own Cesium build)
        assert any(urlparse(u).path.endswith("/draco_decoder.wasm") for u in session.requests), session.requests
        # every tile request (both tilesets: JSON and glb) was answered, by our /tiles route
        assert tiles and all(status in (200, 206, 304) for _, status in tiles), tiles
        for scan in scans.values():
            base = scan["tileset_url"].rsplit("/", 1)[0]
            assert any(urlparse(u).path == scan["tileset_url"] for u, _ in tiles), tiles
            assert any(urlparse(u).path.startswith(base + "/tiles/") for u, _ in tiles), tiles
        hosts = {urlparse(u).hostname for u in session.requests if urlparse(u).scheme not in ("data", "blob")}
        assert hosts <= {"127.0.0.1", "localhost"}, hosts
        session.assert_clean()  # no foreign request, console error, failed request or dialog
    finally:
        session.context.close()
