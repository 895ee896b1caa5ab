"""Protection zones on the map and the planner's impact report, end to end: the real app on a seeded
PostGIS with protection zones inserted around a located test relic, headless chromium, no network
beyond the app. Zones come from the OGC API (/ogc/collections/protection_zones/items); the impact
report from POST /api/planner/impact through the planner's own code path."""

from __future__ import annotations

import csv
import io
import sqlite3

import psycopg
import pytest

from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites
from tests.e2e.conftest import new_session
from tests.e2e.data import sites_csv

LON, LAT = 107.0843, 10.3460  # t-vt1, Đình thần Thắng Nhì (thử)
NAME = "Đình thần Thắng Nhì (thử)"


def _square(lon, lat, half):
    return [
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    ]


def _wkt(*rings):
    return (
        "MULTIPOLYGON((("
        + ")),((".join("), (".join(", ".join(f"{x} {y}" for x, y in ring) for ring in polygon) for polygon in rings)
        + ")))"
    )


# zone I: a ±0.001° square around t-vt1; zone II: the ±0.003° square around it with zone I as a hole
# (the usual ring around the core); a second relic's zone II elsewhere.
ZONES = [
    ("t-vt1", "I", _wkt([_square(LON, LAT, 0.001)])),
    ("t-vt1", "II", _wkt([_square(LON, LAT, 0.003), _square(LON, LAT, 0.001)[::-1]])),
    ("t-br", "II", _wkt([_square(107.17, 10.50, 0.002)])),
]


@pytest.fixture(scope="module")
def app_url(live_server, module_dsn):
    with psycopg.connect(module_dsn) as conn:
        import_sites(conn, read_csv_text(sites_csv()), actor="test", source_name="e2e.csv")
    return live_server.url


@pytest.fixture(scope="module")
def zones(app_url, module_dsn) -> dict[str, int]:
    """Inserts ZONES; {"t-vt1:I": id, ...}."""
    ids = {}
    with psycopg.connect(module_dsn) as conn:
        for site, zone, wkt in ZONES:
            row = conn.execute(
                "INSERT INTO protection_zones (site_id, zone, geom, decision_no, source) "
                "VALUES (%s, %s, ST_GeomFromText(%s, 4326), %s, 'e2e') RETURNING id",
                (site, zone, wkt, f"QĐ-{site}-{zone}"),
            ).fetchone()
            ids[f"{site}:{zone}"] = row[0]
    return ids


@pytest.fixture
def session(browser, app_url):
    s = new_session(browser, app_url)
    yield s
    s.context.close()


SET_VIEW = """([w, s, e, n]) => {
  const v = window.heritageViewer;
  v.camera.cancelFlight();
  v.camera.setView({destination: Cesium.Rectangle.fromDegrees(w, s, e, n)});
  v.scene.requestRender();
}"""
SCREEN_XY = """([lon, lat]) => {
  const v = window.heritageViewer;
  const p = Cesium.SceneTransforms.worldToWindowCoordinates(v.scene, Cesium.Cartesian3.fromDegrees(lon, lat, 0));
  const r = v.scene.canvas.getBoundingClientRect();
  return p && [r.left + p.x, r.top + p.y];
}"""
# What a click at lon/lat would pick: the zone feature id, or null.
PICK_ZONE = """([lon, lat]) => {
  const v = window.heritageViewer;
  const p = Cesium.SceneTransforms.worldToWindowCoordinates(v.scene, Cesium.Cartesian3.fromDegrees(lon, lat, 0));
  const zone = window.heritage.zones.resolvePick(v.scene.pick(p));
  return zone ? zone.id : null;
}"""
ZONE_STATE = """() => {
  const source = window.heritageViewer.dataSources.getByName('protection_zones')[0];
  return {count: window.heritage.zones.count(), entities: source.entities.values.length, show: source.show,
          legend: document.querySelector('#legend-zones').innerText};
}"""


def _click(session, lon, lat):
    x, y = session.page.evaluate(SCREEN_XY, [lon, lat])
    assert x < 640, "the point must stay left of the relic panel"
    session.page.mouse.click(x, y)


def test_protection_zones_drawn_toggled_and_clicked(session, app_url, request):
    page = session.page
    # the shipped data has no zones: the layer loads empty, the legend says so, nothing fails
    session.open_viewer(app_url)
    session.wait("window.__timings.zonesShown")
    state = page.evaluate(ZONE_STATE)
    assert state["count"] == 0 and state["entities"] == 0
    assert "Khu vực bảo vệ I" in state["legend"] and "(0)" in state["legend"]

    ids = request.getfixturevalue("zones")
    # reload once the globe is idle: a reload aborting imagery requests would count as failures
    session.wait("window.heritageViewer.scene.globe.tilesLoaded")
    session.open_viewer(app_url)
    session.wait("window.__timings.zonesShown")
    state = page.evaluate(ZONE_STATE)
    assert state["count"] == len(ZONES) and state["entities"] == len(ZONES) and state["show"] is True
    assert "(3)" in state["legend"]
    # zone I stronger than zone II: more opaque fill, thicker solid outline
    styles = page.evaluate(
        """(ids) => ids.map((id) => {
        const e = window.heritageViewer.dataSources.getByName('protection_zones')[0].entities.getById(`zone-${id}-0`);
        return {alpha: e.polygon.material.color.getValue().alpha, width: e.polyline.width.getValue(),
                dashed: e.polyline.material instanceof Cesium.PolylineDashMaterialProperty};
    })""",
        [ids["t-vt1:I"], ids["t-vt1:II"]],
    )
    assert styles[0]["alpha"] > styles[1]["alpha"] and styles[0]["width"] > styles[1]["width"]
    assert styles == [{**styles[0], "dashed": False}, {**styles[1], "dashed": True}]

    # t-vt1 on the left of the map, clear of the panel
    page.evaluate(SET_VIEW, [107.080, 10.3415, 107.096, 10.3505])
    session.wait(f"({PICK_ZONE})([{LON - 0.0019}, {LAT + 0.0017}]) === {ids['t-vt1:II']}", timeout=15_000)
    _click(session, LON - 0.0019, LAT + 0.0017)  # in zone II (outside the zone I hole)
    page.locator("#panel").wait_for(state="visible")
    assert page.locator("#panel-title").inner_text() == NAME
    zone_field = page.locator("[data-field=zone]")
    assert zone_field.inner_text().startswith("Khu vực bảo vệ II")
    assert "QĐ-t-vt1-II" in zone_field.inner_text()
    assert page.evaluate("window.heritage.zones.selectedId") == str(ids["t-vt1:II"])
    _click(session, LON + 0.0008, LAT + 0.0008)  # in zone I, beside the marker
    session.wait("document.querySelector('[data-field=zone]').textContent.startsWith('Khu vực bảo vệ I ')")

    # the legend switch hides the layer: nothing to see or click
    page.locator("#panel-close").click()
    page.locator("#zones-toggle").uncheck()
    assert page.evaluate(ZONE_STATE)["show"] is False
    assert page.evaluate(PICK_ZONE, [LON - 0.0019, LAT + 0.0017]) is None
    _click(session, LON - 0.0019, LAT + 0.0017)
    page.wait_for_timeout(300)
    assert page.locator("#panel").is_hidden()
    page.locator("#zones-toggle").check()
    session.wait(f"({PICK_ZONE})([{LON - 0.0019}, {LAT + 0.0017}]) === {ids['t-vt1:II']}")

    page.locator("#lang-toggle").click()
    assert "Show protection zones (3)" in page.evaluate(ZONE_STATE)["legend"]
    session.assert_clean()


def _listed(page):
    return page.locator("#impact-list button").evaluate_all(
        "(bs) => bs.map((b) => [b.dataset.impact, Number(b.dataset.distance)])"
    )


def test_impact_report_of_the_selection_and_downloads(session, app_url, zones):
    page = session.page
    session.open_viewer(app_url)
    page.get_by_role("tab", name="Quy hoạch").click()
    assert page.locator("#impact").is_hidden()  # no selection yet

    # a rectangle east of t-vt1: it cuts zone II, misses zone I by ~22 m and the relic by ~131 m
    rect = [107.0855, 10.3440, 107.0900, 10.3480]
    assert page.evaluate("(r) => window.heritage.planner.selectRectangle(...r)", rect) == []
    run = page.get_by_role("button", name="Đánh giá tác động")
    assert page.get_by_label("Khoảng đệm (m)").input_value() == "0"
    run.click()
    session.wait("document.querySelectorAll('#impact-list button').length > 0")
    assert _listed(page) == [[f"protection_zone:{zones['t-vt1:II']}", 0]]
    assert page.locator("#impact-status").inner_text().startswith("Di tích bị ảnh hưởng: 1 (1 bị giao cắt")

    page.get_by_label("Khoảng đệm (m)").fill("200")
    run.click()
    session.wait("document.querySelectorAll('#impact-list button').length === 3")
    listed = _listed(page)
    assert [i for i, _ in listed] == [
        f"protection_zone:{zones['t-vt1:II']}",
        f"protection_zone:{zones['t-vt1:I']}",
        "relic:t-vt1",
    ]
    distances = [d for _, d in listed]
    assert distances[0] == 0 and 18 < distances[1] < 26 and 125 < distances[2] < 138, distances
    # the same numbers as the API gives for that footprint
    footprint = {
        "type": "Polygon",
        "coordinates": [
            [[rect[0], rect[1]], [rect[2], rect[1]], [rect[2], rect[3]], [rect[0], rect[3]], [rect[0], rect[1]]]
        ],
    }
    api = page.request.post(f"{app_url}/api/planner/impact", data={"footprint": footprint, "buffer_m": 200}).json()
    assert [[f["id"], f["properties"]["distance_m"]] for f in api["features"]] == listed
    items = page.locator("#impact-list").inner_text()
    assert "Khu vực bảo vệ I ·" in items and "giao cắt" in items and NAME in items
    assert "chưa đánh giá được" in page.locator("#impact-unassessed summary").inner_text()

    # a listed zone opens its relic and the zone in the panel
    page.locator(f"#impact-list [data-impact='protection_zone:{zones['t-vt1:I']}']").click()
    page.locator("#panel").wait_for(state="visible")
    assert page.locator("#panel-title").inner_text() == NAME
    assert page.locator("[data-field=zone]").inner_text().startswith("Khu vực bảo vệ I ")
    page.locator("#panel-close").click()

    # the report as CSV (UTF-8 BOM, CRS84) ...
    with page.expect_download() as info:
        page.get_by_role("button", name="Báo cáo CSV").click()
    assert info.value.suggested_filename.endswith(".csv")
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["id"] for r in rows] == [i for i, _ in listed]
    assert rows[2]["name_vi"] == NAME and {r["crs"] for r in rows} == {"OGC:CRS84"}
    # ... and, in VN-2000 / TM-3 107-45, as a GeoPackage (a real SQLite file) and a printable page
    page.get_by_label("Tọa độ VN-2000 (EPSG:5899) trong tệp tải về").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Báo cáo GeoPackage").click()
    assert info.value.suggested_filename.endswith("-vn2000.gpkg")
    gpkg = info.value.path()
    assert gpkg.read_bytes()[:16] == b"SQLite format 3\x00"
    with sqlite3.connect(gpkg) as db:
        layers = dict(db.execute("SELECT table_name, srs_id FROM gpkg_geometry_columns"))
        assert layers == {"footprint": 5899, "relics": 5899, "protection_zones": 5899}
        assert db.execute("SELECT count(*) FROM protection_zones").fetchone()[0] == 2
        assert db.execute("SELECT site_id FROM relics").fetchall() == [("t-vt1",)]
    with page.expect_popup() as info:
        page.get_by_role("button", name="Bản in (HTML)").click()
    report = info.value
    report.wait_for_url("blob:**")
    report.wait_for_load_state()
    text = report.locator("body").inner_text()
    assert "Báo cáo tác động" in text and NAME in text and "EPSG/0/5899" in text
    report.close()

    # a buffer around a point: the circle is the footprint (the relic and zone I inside it)
    page.evaluate("window.heritage.planner.selectBuffer(107.0843, 10.346, 50)")
    assert page.locator("#impact-list button").count() == 0  # a new selection drops the old report
    page.get_by_label("Khoảng đệm (m)").fill("0")
    run.click()
    session.wait("document.querySelectorAll('#impact-list button').length > 0")
    assert sorted(_listed(page)) == sorted([["relic:t-vt1", 0], [f"protection_zone:{zones['t-vt1:I']}", 0]])
    session.assert_clean()
