"""What the viewer router serves over plain HTTP: the relic pages (escaped, indexable), positions in
VN-2000, and the static assets with their compression and cache headers. No browser needed."""

from __future__ import annotations

import html
import json
import re

import psycopg
import pytest

from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites
from tests.e2e.data import XSS, XSS_EN, sites_csv


@pytest.fixture(scope="module")
def client(live_server, module_dsn):
    with psycopg.connect(module_dsn) as conn:
        import_sites(conn, read_csv_text(sites_csv()), actor="test", source_name="e2e.csv")
    return live_server.client


def test_site_page_escapes_data_and_is_indexable(client):
    r = client.get("/sites/t-xss")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    body = r.text
    assert XSS not in body and "<b>địa chỉ</b>" not in body and "<script>alert(2)" not in body
    assert html.escape(XSS, quote=False) in body or "&lt;img src=x onerror=alert(1)&gt;" in body
    title = re.search(r"<title>(.*?)</title>", body, re.DOTALL).group(1)
    assert html.unescape(title).startswith(XSS)
    description = re.search(r'<meta name="description" content="([^"]*)"', body).group(1)
    assert XSS in html.unescape(description) and "Di tích cấp tỉnh" in html.unescape(description)
    # structured data: valid JSON whose strings cannot close the <script> element
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.DOTALL).group(1)
    assert "<" not in ld
    data = json.loads(ld)
    assert data["name"] == XSS and data["alternateName"] == XSS_EN
    assert data["geo"] == {"@type": "GeoCoordinates", "longitude": 107.25, "latitude": 10.42}
    assert '<link rel="canonical" href="http://127.0.0.1:' in body and "/sites/t-xss" in body
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "max-age" in r.headers["cache-control"]


def test_site_page_vietnamese_first_with_position(client):
    body = client.get("/sites/t-vt1").text
    assert '<html lang="vi">' in body
    assert body.index("Quyết định xếp hạng") < body.index("Ranking decision")
    position = client.get("/api/sites/t-vt1/position").json()
    assert f"E {position['vn2000']['e']:.3f} m, N {position['vn2000']['n']:.3f} m" in body
    assert "107.084300, 10.346000" in body
    assert 'href="/#site=t-vt1"' in body

    unlocated = client.get("/sites/bach-dinh").text
    assert "Chưa khảo sát vị trí" in unlocated and "location not yet surveyed" in unlocated
    assert "GeoCoordinates" not in unlocated

    missing = client.get("/sites/no-such-relic")
    assert missing.status_code == 404 and "Không tìm thấy di tích" in missing.text

    listing = client.get("/sites").text
    assert 'href="/sites/con-dao-prison"' in listing and 'href="/sites/bach-dinh"' in listing
    assert "&lt;img src=x" in listing and XSS not in listing


def test_position_in_wgs84_and_vn2000(client):
    body = client.get("/api/sites/t-vt1/position").json()
    assert body["wgs84"] == {"epsg": 4326, "lon": 107.0843, "lat": 10.346}
    assert body["accuracy_m"] == 0.5 and body["source"] == "test"
    crs = pytest.importorskip("crs.transform", reason="crs/ is not available")
    e, n = crs.transform(107.0843, 10.346, src=4326, dst=5899)
    assert body["vn2000"]["epsg"] == 5899
    assert body["vn2000"]["e"] == pytest.approx(float(e), abs=0.001)
    assert body["vn2000"]["n"] == pytest.approx(float(n), abs=0.001)

    unlocated = client.get("/api/sites/bach-dinh/position").json()
    assert unlocated["wgs84"] is None and unlocated["vn2000"] is None
    assert unlocated["location_status"] == "unknown"
    missing = client.get("/api/sites/nope/position")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_assets_compressed_and_cached(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<link rel="icon" href="data:,">' in page.text
    cesium_js = re.search(r'src="(/cesium/[^"]+/Cesium\.js)"', page.text).group(1)
    main_js = re.search(r'src="(/viewer/[0-9a-f]+/main\.js)"', page.text).group(1)

    r = client.get(cesium_js, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = r.headers["etag"]
    again = client.get(cesium_js, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.head(cesium_js).status_code == 200

    r = client.get(main_js)
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    stale = client.get(main_js.replace(main_js.split("/")[2], "000000000000"))
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"

    assert client.get("/cesium/0.0.1/Cesium.js").status_code == 404
    assert client.get(cesium_js.replace("Cesium.js", "nope.js")).status_code == 404
    # no way out of the asset folders
    for path in (
        "/viewer/x/%2e%2e/%2e%2e/pyproject.toml",
        "/viewer/x/..%2F..%2Fpyproject.toml",
        cesium_js.replace("Cesium.js", "%2e%2e/%2e%2e/%2e%2e/package.json"),
    ):
        assert client.get(path).status_code == 404, path
