"""The CesiumJS viewer end to end: the real app over HTTP on a seeded PostGIS, headless chromium with
software WebGL, no network beyond the app (and, for the scan test, a separate tile origin)."""

from __future__ import annotations

import csv
import io
import json

import psycopg
import pytest

from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites
from tests.e2e.conftest import new_session
from tests.e2e.data import XSS, XSS_EN, sites_csv
from tests.e2e.tileset import write_box_tileset

LOCATED = {"con-dao-prison", "t-vt1", "t-vt2", "t-br", "t-xm", "t-xss"}


@pytest.fixture(scope="module")
def app_url(live_server, module_dsn):
    with psycopg.connect(module_dsn) as conn:
        import_sites(conn, read_csv_text(sites_csv()), actor="test", source_name="e2e.csv")
    return live_server.url


@pytest.fixture
def session(browser, app_url):
    s = new_session(browser, app_url)
    yield s
    s.context.close()


# Stats of the WebGL canvas, copied right after a frame (the drawing buffer is not preserved).
CANVAS_STATS = """() => new Promise((resolve) => {
  const scene = window.heritageViewer.scene;
  const grab = () => {
    scene.postRender.removeEventListener(grab);
    const c = document.createElement('canvas');
    c.width = scene.canvas.width; c.height = scene.canvas.height;
    const g = c.getContext('2d');
    g.drawImage(scene.canvas, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let n = 0, sum = 0, sq = 0, yellow = 0; const colours = new Set();
    for (let i = 0; i < d.length; i += 4) {
      const v = (d[i] + d[i + 1] + d[i + 2]) / 3; n++; sum += v; sq += v * v;
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      if (d[i] > 200 && d[i + 1] > 160 && d[i + 2] < 140) yellow++;  // the boundary line (#ffd54f)
    }
    const mean = sum / n;
    resolve({mean, std: Math.sqrt(sq / n - mean * mean), colours: colours.size, yellow});
  };
  scene.postRender.addEventListener(grab);
  scene.requestRender();
})"""

# Window position (page CSS pixels) of a lon/lat/height, for real mouse clicks on the globe.
SCREEN_XY = """([lon, lat, h]) => {
  const v = window.heritageViewer;
  const p = Cesium.SceneTransforms.worldToWindowCoordinates(v.scene, Cesium.Cartesian3.fromDegrees(lon, lat, h || 0));
  const r = v.scene.canvas.getBoundingClientRect();
  return p && [r.left + p.x, r.top + p.y];
}"""

SET_VIEW = """([w, s, e, n]) => {
  const v = window.heritageViewer;
  v.camera.cancelFlight();  // a deep link or a selection may still be flying
  v.camera.setView({destination: Cesium.Rectangle.fromDegrees(w, s, e, n)});
  v.scene.requestRender();
}"""


def located_ids(session, app_url) -> set[str]:
    body = session.page.request.get(f"{app_url}/api/sites?located=true&limit=10000").json()
    return {f["id"] for f in body["features"]}


def test_first_view_offline_webgl2_and_every_located_relic(session, app_url):
    session.open_viewer(app_url)
    page = session.page
    session.wait("window.__timings.boundaryShown")
    state = page.evaluate("""() => {
        const v = window.heritageViewer;
        const relics = v.dataSources.getByName('relics')[0];
        const c = v.camera.positionCartographic;
        return {
          webgl2: v.scene.context.webgl2,
          entities: relics.entities.values.length,
          ids: relics.entities.values.map((e) => e.id),
          boundary: window.heritage.boundary ? window.heritage.boundary.length : 0,
          lon: Cesium.Math.toDegrees(c.longitude), lat: Cesium.Math.toDegrees(c.latitude), height: c.height,
          timings: window.__timings,
        };
    }""")
    assert state["webgl2"] is True
    expected = located_ids(session, app_url)
    assert expected == LOCATED
    assert state["entities"] == len(expected) and set(state["ids"]) == expected
    assert state["boundary"] > 0
    # framed on the province (mainland and Côn Đảo), not on the whole Earth
    assert 106.5 < state["lon"] < 107.6 and 8.6 < state["lat"] < 10.8 and state["height"] < 600_000
    session.wait("window.__timings.boundaryShown && window.heritageViewer.scene.globe.tilesLoaded")
    stats = page.evaluate(CANVAS_STATS)
    # textured globe (NaturalEarthII), not space or a flat fill, with the yellow province outline
    assert stats["mean"] > 40 and stats["colours"] > 1000 and stats["yellow"] > 500, stats
    # the unlocated relics are listed as such and not on the map
    unlocated = page.locator("#unlocated-list li button")
    assert unlocated.count() == 23  # 24 shipped relics, 1 of them located
    assert "bach-dinh" not in state["ids"]
    session.assert_clean()
    print(f"\ntimings (ms from navigation start): {state['timings']}")


def test_search_without_diacritics_select_and_filters(session, app_url):
    session.open_viewer(app_url)
    page = session.page
    search = page.get_by_role("combobox", name="Tìm di tích theo tên")
    search.fill("bach dinh")
    option = page.get_by_role("option").first
    assert option.inner_text().startswith("Di tích lịch sử văn hóa Bạch Dinh")
    search.press("Enter")
    panel = page.locator("#panel")
    panel.wait_for(state="visible")
    assert page.locator("#panel-title").inner_text() == "Di tích lịch sử văn hóa Bạch Dinh"
    # no position in the registry: said plainly, no fly-to
    assert "Chưa khảo sát vị trí" in page.locator("#panel-fields").inner_text()
    assert page.locator("#panel-fly").is_disabled()
    assert page.locator("#panel-page").get_attribute("href") == "/sites/bach-dinh"
    assert page.evaluate("location.hash") == "#site=bach-dinh"

    # a located relic, đ folded to d and case ignored; the panel gets VN-2000 from the server
    search.fill("DINH THAN thang nhi")
    page.get_by_role("option", name="Đình thần Thắng Nhì (thử)").click()
    assert page.locator("#panel-title").inner_text() == "Đình thần Thắng Nhì (thử)"
    vn2000 = page.locator("[data-field=vn2000]")
    session.wait("document.querySelector('[data-field=vn2000]').textContent.startsWith('E ')")
    position = page.request.get(f"{app_url}/api/sites/t-vt1/position").json()
    assert vn2000.inner_text() == f"E {position['vn2000']['e']:.3f} m, N {position['vn2000']['n']:.3f} m"
    assert page.locator("[data-field=wgs84]").inner_text().startswith("107.084300, 10.346000")
    decision_text = page.locator("#panel-fields").inner_text()
    assert "Vũng Tàu" in decision_text and "±0,5 m" in decision_text

    # filters change what the map shows
    count = "window.heritage.relics.countShown()"
    search.fill("")
    assert page.evaluate(count) == len(LOCATED)
    page.locator("#rank-national").uncheck()  # t-vt1 and t-br are national
    assert page.evaluate(count) == len(LOCATED) - 2
    assert page.evaluate("window.heritage.relics.shownIds().sort()") == sorted(LOCATED - {"t-vt1", "t-br"})
    page.locator("#category-filter").select_option("scenic")
    assert page.evaluate("window.heritage.relics.shownIds()") == ["t-vt2"]
    page.locator("#filters-reset").click()
    page.locator("#district-filter").select_option("xuyen-moc")
    assert page.evaluate("window.heritage.relics.shownIds()") == ["t-xm"]
    # the unlocated list follows the same filters (Bến tàu Lộc An is in Xuyên Mộc)
    assert "Bến tàu không số Lộc An" in page.locator("#unlocated-list").inner_text()
    page.locator("#filters-reset").click()
    assert page.evaluate(count) == len(LOCATED)

    # English toggle, and back
    page.locator("#lang-toggle").click()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#tab-relics").inner_text() == "Relics"
    assert "Position" in page.locator("#panel-fields").inner_text()
    page.locator("#lang-toggle").click()
    assert page.locator("#tab-relics").inner_text() == "Di tích"
    session.assert_clean()


def test_deep_link_opens_relic_and_map_click_selects(session, app_url):
    session.open_viewer(app_url, "/?lite#site=t-br")
    page = session.page
    page.locator("#panel").wait_for(state="visible")
    assert page.locator("#panel-title").inner_text() == "Nhà Đỏ Bà Rịa (thử)"

    # click the Côn Đảo marker on the globe (alone there, so never clustered)
    page.evaluate(SET_VIEW, [106.3, 8.4, 106.9, 8.95])
    page.locator("#panel-close").click()
    assert page.evaluate("location.hash") == ""
    session.wait("window.heritageViewer.scene.globe.tilesLoaded")
    x, y = page.evaluate(SCREEN_XY, [106.6148, 8.6889, 0])
    page.mouse.click(x, y)
    page.locator("#panel").wait_for(state="visible")
    assert page.locator("#panel-title").inner_text() == "Khu di tích lịch sử cách mạng Nhà tù Côn Đảo"
    assert page.evaluate("location.hash") == "#site=con-dao-prison"
    # a hash typed by hand is followed too
    page.evaluate("location.hash = '#site=t-xm'")
    session.wait("document.querySelector('#panel-title').textContent === 'Di chỉ Bưng Bạc (thử)'")
    session.assert_clean()


def test_relic_named_like_html_is_shown_as_text(session, app_url):
    session.open_viewer(app_url)
    page = session.page
    page.get_by_role("combobox", name="Tìm di tích theo tên").fill("onerror")
    page.get_by_role("option").first.click()
    page.locator("#panel").wait_for(state="visible")
    assert page.locator("#panel-title").inner_text() == XSS
    assert page.locator("#panel-name-en").inner_text() == XSS_EN
    assert "<b>địa chỉ</b>" in page.locator("#panel-fields").inner_text()
    assert page.get_by_text(XSS, exact=True).first.is_visible()
    # nothing was parsed as markup: no <img src=x>, no injected script, no <b> from data
    assert page.evaluate("document.querySelectorAll('img[src=x], #panel b, #panel script').length") == 0
    assert (
        page.evaluate(
            "window.heritageViewer.dataSources.getByName('relics')[0].entities.getById('t-xss').label.text.getValue()"
        )
        == XSS
    )
    page.wait_for_timeout(300)  # give an onerror handler time to fire, if one had been created
    assert session.dialogs == []
    session.assert_clean()


def _click_lonlat(session, lon, lat):
    x, y = session.page.evaluate(SCREEN_XY, [lon, lat, 0])
    session.page.mouse.click(x, y)


def test_planner_rectangle_polygon_buffer_and_downloads(session, app_url):
    session.open_viewer(app_url)
    page = session.page
    page.get_by_role("tab", name="Quy hoạch").click()
    page.evaluate(SET_VIEW, [106.95, 10.25, 107.5, 10.6])

    # rectangle: two clicks on the globe (the real drawing code path)
    page.get_by_role("button", name="Hình chữ nhật").click()
    _click_lonlat(session, 107.05, 10.31)
    _click_lonlat(session, 107.20, 10.52)
    session.wait("document.querySelector('#planner-count').textContent.includes('3 di tích')")
    listed = page.locator("#planner-list button").evaluate_all("(bs) => bs.map((b) => b.dataset.site).sort()")
    assert listed == ["t-br", "t-vt1", "t-vt2"]

    with page.expect_download() as info:
        page.get_by_role("button", name="Tải GeoJSON").click()
    download = info.value
    assert download.suggested_filename.endswith(".geojson")
    body = json.loads(download.path().read_text(encoding="utf-8"))
    assert body["type"] == "FeatureCollection"
    assert sorted(f["id"] for f in body["features"]) == ["t-br", "t-vt1", "t-vt2"]
    assert body["query"]["intersects"]["type"] == "Polygon"

    # polygon: three clicks and "Xong" (Done); the triangle of test_sites_api holds only t-vt1
    page.get_by_role("button", name="Đa giác").click()
    for lon, lat in [(107.05, 10.30), (107.20, 10.30), (107.20, 10.52)]:
        _click_lonlat(session, lon, lat)
    page.get_by_role("button", name="Xong").click()
    session.wait("document.querySelector('#planner-count').textContent.startsWith('1 di tích')")
    assert page.locator("#planner-list button").evaluate_all("(bs) => bs.map((b) => b.dataset.site)") == ["t-vt1"]

    # the same through the documented hook (same query and rendering code)
    ids = page.evaluate("window.heritage.planner.selectPolygon([[107.05, 10.3], [107.2, 10.3], [107.2, 10.52]])")
    assert ids == ["t-vt1"]

    # buffer around a typed centre, with the rank filter applied server-side
    page.get_by_label("Tâm (kinh độ, vĩ độ)").fill("107.0843, 10.3460")
    page.get_by_label("Bán kính (m)").fill("2500")
    page.get_by_role("button", name="Tìm quanh tâm").click()
    session.wait("document.querySelector('#planner-count').textContent.startsWith('2 di tích')")
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải CSV (Excel)").click()
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["id"] for r in rows] == ["t-vt1", "t-vt2"]  # ordered by distance
    assert rows[0]["name_vi"] == "Đình thần Thắng Nhì (thử)" and float(rows[0]["lon"]) == 107.0843
    assert float(rows[1]["distance_m"]) > 0

    page.get_by_role("tab", name="Di tích").click()
    page.locator("#rank-provincial").uncheck()
    page.get_by_role("tab", name="Quy hoạch").click()
    page.get_by_role("button", name="Tìm quanh tâm").click()
    session.wait("document.querySelector('#planner-count').textContent.startsWith('1 di tích')")
    session.assert_clean()


def test_scan_tileset_loads_through_the_panel(browser, app_url, static_server):
    folder, tiles_origin = static_server
    write_box_tileset(folder / "t-vt1-scan", lon=107.0843, lat=10.3460)
    tileset_url = f"{tiles_origin}/t-vt1-scan/tileset.json"
    session = new_session(browser, app_url, extra_origins=[tiles_origin])
    page = session.page
    # The relic's scan list, in the contract of GET /api/sites/{id}/scans, points at a tileset on a
    # separate origin (as a tile CDN would be): the panel → "Xem 3D" → tileset code path runs for real.
    scans = {
        "scans": [
            {
                "id": "scan-1",
                "kind": "mesh",
                "status": "done",
                "label": "Quét thử (box)",
                "sample": True,
                "tileset_url": tileset_url,
            }
        ]
    }
    page.route("**/api/sites/t-vt1/scans", lambda route: route.fulfill(json=scans))
    if '"scansApi": false' in page.request.get(app_url + "/").text():
        # An app without the scans API: the page would not ask for scans, so tell it the endpoint
        # exists by rewriting its config.
        def enable_scans(route):
            response = route.fetch()
            body = response.text().replace('"scansApi": false', '"scansApi": true')
            # the fetched body is already decoded: drop the encoding headers that described it
            headers = {
                k: v for k, v in response.headers.items() if k.lower() not in ("content-encoding", "content-length")
            }
            route.fulfill(status=response.status, headers=headers, body=body)

        page.route(lambda url: url.split("?")[0].split("#")[0].rstrip("/") == app_url, enable_scans)
        # A page fulfilled by Playwright has no IP address, so Chromium's Local Network Access treats
        # it as public and would block its requests to the loopback tile server; the real page is
        # loopback.
        session.context.grant_permissions(["local-network-access"])
    try:
        session.open_viewer(app_url, "/?lite#site=t-vt1")
        page.get_by_role("button", name="Xem 3D").click()
        session.wait("window.__tilesetError || window.__tileFailed || window.__timings.allTilesLoaded")
        assert page.evaluate("window.__tilesetError || window.__tileFailed || null") is None, (
            session.failed,
            session.errors,
        )
        state = page.evaluate("""() => {
            const v = window.heritageViewer;
            const tileset = [...Array(v.scene.primitives.length).keys()].map((i) => v.scene.primitives.get(i))
                .find((p) => p instanceof Cesium.Cesium3DTileset);
            const w = Cesium.SceneTransforms.worldToWindowCoordinates(v.scene, Cesium.Cartesian3.fromDegrees(107.0843, 10.3460, 120));
            const picked = w && v.scene.pick(w);
            return {loaded: tileset.tilesLoaded, contents: tileset.statistics.numberOfTilesWithContentReady,
                    picked: !!picked && picked.primitive === tileset};
        }""")
        assert state == {"loaded": True, "contents": 1, "picked": True}
        assert "Quét thử (box)" in page.locator("#panel-scan-status").inner_text()
        # the documented hook goes through the same loader (cached: same tileset object)
        same = page.evaluate(
            """async (url) => {
            const t = await window.heritage.showTileset(url);
            return t.tilesLoaded && t.show;
        }""",
            tileset_url,
        )
        assert same is True
        session.assert_clean()
    finally:
        session.context.close()


def test_phone_layout(browser, app_url):
    session = new_session(browser, app_url, viewport={"width": 390, "height": 740})
    page = session.page
    try:
        session.open_viewer(app_url, "/?lite#site=t-vt2")
        page.locator("#panel").wait_for(state="visible")
        # the list starts closed so the globe gets the screen; the panel is a bottom sheet
        assert page.locator("#sidebar").is_hidden()
        box = page.locator("#panel").bounding_box()
        assert box["width"] >= 380 and box["y"] > 200
        page.locator("#panel-close").click()
        toggle = page.locator("#sidebar-toggle")
        toggle.focus()
        page.keyboard.press("Enter")  # keyboard-reachable
        assert page.locator("#sidebar").is_visible() and toggle.get_attribute("aria-expanded") == "true"
        session.assert_clean()
    finally:
        session.context.close()
