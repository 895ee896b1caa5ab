"""/sitemap.xml lists the page of every published record (and no draft), with its last change;
/robots.txt points crawlers at it and away from staff pages and the API."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import psycopg

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_sitemap_lists_published_pages_only(live_server, module_dsn):
    with psycopg.connect(module_dsn) as conn:
        conn.execute("INSERT INTO documents (title_vi, publication_status) VALUES ('Bản nháp bí mật', 'draft')")
        draft_id = conn.execute("SELECT max(id) FROM documents").fetchone()[0]
        published = conn.execute("SELECT count(*) FROM public_sites").fetchone()[0]
    r = live_server.client.get("/sitemap.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    urls = {
        u.findtext("s:loc", namespaces=NS): u.findtext("s:lastmod", namespaces=NS) for u in ET.fromstring(r.content)
    }
    base = live_server.url
    relic_pages = [u for u in urls if u.startswith(base + "/sites/")]
    assert len(relic_pages) == published
    assert urls[base + "/sites/bach-dinh"] and len(urls[base + "/sites/bach-dinh"]) == 10  # YYYY-MM-DD
    assert base + "/festivals/le-hoi-dinh-co-long-hai" in urls
    assert f"{base}/documents/{draft_id}" not in urls
    for url in list(urls)[:40]:  # every listed page answers
        assert live_server.client.get(url.removeprefix(base)).status_code == 200, url


def test_robots_points_at_the_sitemap(live_server):
    text = live_server.client.get("/robots.txt").text
    assert "Disallow: /staff" in text and "Disallow: /api/" in text
    assert f"Sitemap: {live_server.url}/sitemap.xml" in text
