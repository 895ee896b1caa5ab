"""The portal in headless Chromium: axe-core finds no serious or critical WCAG 2.1 AA violation on
the portal's pages and the record, relic, lesson and catalogue pages; nothing is requested from
another origin; no CSP error; pages read without JavaScript; the service worker serves a visited
page offline; keyboard focus is visible."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from mapserver.settings import PROJECT_ROOT
from tests.e2e.conftest import new_session
from tests.mapserver.portal.portal_app import serve

AXE = PROJECT_ROOT / "viewer" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def server(module_dsn, tmp_path_factory):
    yield from serve(module_dsn, tmp_path_factory.mktemp("var"))


def pages_to_check(client) -> list[str]:
    lessons = client.get("/lessons").text
    lesson = re.search(r'href="(/lessons/\d+)"', lessons)
    out = [
        "/portal",
        "/browse?q=dinh",
        "/browse?type=site&rank=national",
        "/near?lat=10.346&lon=107.0843",
        "/sites/t-vt1",
        "/festivals/le-hoi-dinh-co-long-hai",
        "/lessons",
        "/catalog",
    ]
    return out + ([lesson.group(1)] if lesson else [])


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    assert len(result["passes"]) > 10  # axe really audited the page
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_and_clean_loading(browser, server):
    session = new_session(browser, server.url)
    page = session.page
    # axe is injected as a script tag: bypass the pages' CSP for the audit only (the CSP itself is
    # checked by the clean loading below, on the same pages before injection).
    checked = {}
    for path in pages_to_check(server.client):
        # networkidle: the deep-zoom viewer's tiles finish before the next page (else they abort)
        page.goto(server.url + path, wait_until="networkidle")
        assert page.evaluate("document.documentElement.lang") == "vi", path
        # ERR_ABORTED: requests the page itself cancelled (OpenSeadragon drops its button images
        # when it swaps them); every other failure counts.
        session.failed[:] = [f for f in session.failed if "net::ERR_ABORTED" not in f]
        session.assert_clean()
        checked[path] = None
    assert len(checked) >= 8
    audit = browser.new_context(bypass_csp=True)
    audit_page = audit.new_page()
    found = {}
    for path in checked:
        audit_page.goto(server.url + path, wait_until="load")
        violations = axe_violations(audit_page)
        if violations:
            found[path] = violations
    audit.close()
    session.context.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_focus_is_visible(browser, server):
    session = new_session(browser, server.url)
    page = session.page
    page.goto(server.url + "/portal")
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] == "A" and outline[1] != "none" and outline[2] >= 2
    session.context.close()


def test_reading_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/portal")
    page.fill("#portal-q", "thang nhi")
    page.click("form.search button")
    page.wait_for_url("**/browse?q=thang+nhi")
    assert page.locator('#results a[href="/sites/t-vt1"]').count() == 1
    page.goto(server.url + "/near")
    assert not page.locator("#near-me").is_visible()  # the button needs JS; the form does not
    page.fill("#lat", "10.346")
    page.fill("#lon", "107.0843")
    page.click("form.search button")
    assert page.locator("#near-list li").first.locator("a").get_attribute("href") == "/sites/t-vt1"
    page.goto(server.url + "/festivals/le-hoi-dinh-co-long-hai")
    ld = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert ld["@type"] == "Event" and ld["startDate"]
    context.close()


def test_service_worker_serves_visited_pages_offline(browser, server):
    session = new_session(browser, server.url)
    page, context = session.page, session.context
    page.goto(server.url + "/portal")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled: this visit and the next go through the worker
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    festival = server.url + "/festivals/le-hoi-dinh-co-long-hai"
    page.goto(festival)
    assert page.evaluate("caches.open('heritage-pages-v1').then(c => c.match(location.href)).then(r => !!r)")
    title = page.locator("h1").text_content()
    context.set_offline(True)
    page.goto(festival)
    assert page.locator("h1").text_content() == title and "Long Hải" in title
    page.goto(server.url + "/portal")
    assert page.locator("#featured-h").count() == 1
    with pytest.raises(PlaywrightError, match=r"net::ERR_(FAILED|INTERNET_DISCONNECTED)"):  # never visited: not there
        page.goto(server.url + "/browse?q=never-visited")
    context.set_offline(False)
    assert session.foreign_requests() == []
    context.close()
