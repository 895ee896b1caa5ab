"""The portal's pages over HTTP: home, browse with facets and diacritic-insensitive search, near
me without JavaScript, the manifest and service worker, JSON-LD and OpenGraph of record pages."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from PIL import Image

from tests.mapserver.portal.portal_app import serve


@pytest.fixture(scope="module")
def server(module_dsn, tmp_path_factory):
    yield from serve(module_dsn, tmp_path_factory.mktemp("var"))


def json_ld(body: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.DOTALL)
    assert blocks and all("<" not in b for b in blocks)
    return [json.loads(b) for b in blocks]


def test_home_shows_featured_festivals_and_media(server):
    r = server.client.get("/portal")
    assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
    body = r.text
    assert '<html lang="vi">' in body and '<link rel="manifest" href="/manifest.webmanifest">' in body
    assert 'href="/sites/t-vt1"' in body  # a national test relic is featured
    assert 'id="festivals-h"' in body and "(âm lịch) →" in body
    solar = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})">', body)
    assert solar, "upcoming festivals show their solar dates"
    img = re.search(r"<img [^>]*>", body).group(0)
    assert 'width="300" height="225"' in img and "/full/600,450/0/default.jpg 600w" in img
    assert 'alt="Đình Thắng Nhì, mặt tiền"' in img
    for href in ("/lessons", "/browse?type=tour", "/catalog", 'href="/"', "/near"):
        assert href in body
    # every door of the portal opens (a typed /tours leads to the tours too; the guides: tests/docs)
    for href in {
        h for h in re.findall(r'href="(/[^"#]*)"', body) if not h.startswith(("/iiif", "/media", "/huong-dan"))
    }:
        assert server.client.get(html.unescape(href)).status_code == 200, href
    assert server.client.get("/tours", follow_redirects=False).headers["location"] == "/browse?type=tour"
    assert json_ld(body)[0]["@type"] == "WebSite"
    thumb = re.search(r'src="([^"]+)"', img).group(1)
    assert server.client.get(thumb).status_code == 200


def test_browse_facets_and_diacritic_insensitive_search(server):
    body = server.client.get("/browse", params={"q": "thang nhi"}).text
    assert 'href="/sites/t-vt1"' in body
    with_marks = server.client.get("/browse", params={"q": "Thắng Nhì"}).text
    assert re.search(r'id="matched">(\d+)<', with_marks).group(1) == re.search(r'id="matched">(\d+)<', body).group(1)
    everything = server.client.get("/browse").text
    counts = dict(
        re.findall(r'data-kind="(\w+)">[^(]*<span lang="en">[^<]*</span> \(<span class="count">(\d+)', everything)
    )
    assert {"site", "festival", "intangible"} <= set(counts)
    matched = int(re.search(r'id="matched">(\d+)<', everything).group(1))
    assert matched == sum(int(c) for c in counts.values())
    relics = server.client.get("/browse", params={"type": "site", "rank": "national"}).text
    kinds = set(re.findall(r'<li data-kind="(\w+)">', relics))
    assert kinds == {"site"} and 'data-rank="national"' in relics
    assert "Di tích cấp tỉnh</option>" in relics  # every rank offered
    districts = re.findall(r'<option value="([a-z0-9-]+)"[^>]*>[^<]*\((?:[^)]*)–(\d{2}/\d{2}/\d{4})\)', relics)
    assert districts, "historical units are shown with their validity dates"
    unit = districts[0][0]
    by_unit = server.client.get("/browse", params={"district": unit}).text
    assert set(re.findall(r'<li data-kind="(\w+)">', by_unit)) <= {"site", "intangible", "craft_village"}
    period = server.client.get("/browse", params={"from": "1800", "to": "1900"}).text
    assert set(re.findall(r'<li data-kind="(\w+)">', period)) <= {"artefact", "document"}
    assert server.client.get("/browse", params={"from": "abc"}).status_code == 400


def test_near_me_without_javascript(server):
    form = server.client.get("/near")
    assert form.status_code == 200 and 'id="near-me" hidden' in form.text and 'action="/near"' in form.text
    r = server.client.get("/near", params={"lat": "10.3460", "lon": "107.0843"})
    assert r.headers["cache-control"] == "no-store"
    items = re.findall(r'href="/sites/([^"]+)">.*?data-metres="(\d+)"', r.text, re.DOTALL)
    assert items[0] == ("t-vt1", "0")
    metres = [int(m) for _, m in items]
    assert metres == sorted(metres) and len(metres) >= 2


def test_manifest_and_service_worker(server):
    m = server.client.get("/manifest.webmanifest")
    assert m.headers["content-type"].startswith("application/manifest+json")
    manifest = m.json()
    assert manifest["start_url"] == "/portal" and manifest["lang"] == "vi"
    for icon in manifest["icons"]:
        png = server.client.get(icon["src"])
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert Image.open(io.BytesIO(png.content)).size == tuple(int(x) for x in icon["sizes"].split("x"))
    sw = server.client.get("/sw.js")
    assert sw.headers["content-type"].startswith("text/javascript") and "networkFirst" in sw.text


def test_record_pages_structured_data(server):
    relic = server.client.get("/sites/t-vt1").text
    ld = json_ld(relic)[0]
    assert ld["@type"] == ["TouristAttraction", "LandmarksOrHistoricalBuildings"]
    assert ld["url"].endswith("/sites/t-vt1") and 'src="/static/portal/offline.js"' in relic
    festival = server.client.get("/festivals/le-hoi-dinh-co-long-hai")
    assert "script-src 'self'" in festival.headers["content-security-policy"]
    event = json_ld(festival.text)[0]
    assert event["@type"] == "Event" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", event["startDate"])
    assert event["endDate"] >= event["startDate"]
    og = dict(re.findall(r'<meta property="(og:[a-z:_]+)" content="([^"]*)"', festival.text))
    assert og["og:url"] == event["url"] and html.unescape(og["og:title"]) == event["name"]
    # sign-in keeps the strict policy: nothing needs to run there
    assert "script-src 'none'" in server.client.get("/login").headers["content-security-policy"]
