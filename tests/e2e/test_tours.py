"""The 360° tour in headless chromium: Photo Sphere Viewer from the app's own npm copies, moving to
the next room by clicking its arrow (2d arrows) and through the plugin (3d), a hotspot opening the
artefact's page, and the staff editor placing a link by a click in the panorama. Nothing may leave
127.0.0.1 and the console stays clean."""

from __future__ import annotations

import io
import re

import psycopg
import pytest
from PIL import Image, ImageStat

from mapserver.accounts.service import create_user
from mapserver.media.ingest_job import run_ingest
from tests.conftest import make_settings
from tests.e2e.conftest import TIMEOUT_MS, new_session
from tests.live_server import LiveServer
from tests.mapserver.tours.helpers import add_media, panorama_file, tour_app

RED, GREEN, BLUE = (172, 73, 59), (60, 144, 81), (52, 96, 170)
READY = "window.__tour && window.__tour.node === '{}'"


@pytest.fixture(scope="module")
def site(module_dsn, tmp_path_factory):
    settings = make_settings(module_dsn, tmp_path_factory.mktemp("var"))
    folder = tmp_path_factory.mktemp("rooms")
    with psycopg.connect(module_dsn) as conn:
        _, token = create_user(conn, "e2e-tour-editor", "editor", "correct horse battery")
        sword = conn.execute(
            """INSERT INTO artefacts (museum_id, number, name_vi, name_en, publication_status, created_by)
               VALUES ('bao-tang-robert-taylor', 'E2E-1', 'Kiếm cổ (thử)', 'Old sword', 'published', 'e2e')
               RETURNING id"""
        ).fetchone()[0]
    server = LiveServer(tour_app(settings))
    server.start()
    headers = {"Authorization": f"Bearer {token}"}
    server.client.put(
        "/api/tours/e2e-tour", headers=headers, json={"title_vi": "Tham quan thử", "title_en": "Test tour"}
    )
    rooms = [
        add_media(module_dsn, settings, "tour:e2e-tour", panorama_file(folder, f"r{i}", colour, f"ROOM {i}"))
        for i, colour in enumerate((RED, GREEN, BLUE), start=1)
    ]
    nodes = [
        {
            "id": "a",
            "media_id": rooms[0],
            "name_vi": "Phòng đỏ",
            "name_en": "Red room",
            "links": [{"to": "b", "yaw": 25, "pitch": -10}],
            "hotspots": [{"record": f"artefact:{sword}", "yaw": -25, "pitch": 0, "label_vi": "Kiếm <b>cổ</b>"}],
        },
        {
            "id": "b",
            "media_id": rooms[1],
            "name_vi": "Phòng xanh lá",
            "links": [{"to": "a", "yaw": -90}, {"to": "c", "yaw": 90}],
        },
        {"id": "c", "media_id": rooms[2], "name_vi": "Phòng xanh dương", "links": [{"to": "b", "yaw": -90}]},
    ]
    saved = server.client.put(
        "/api/tours/e2e-tour", headers=headers, json={"title_vi": "Tham quan thử", "start": "a", "nodes": nodes}
    )
    assert saved.status_code == 200, saved.text
    assert (
        server.client.post("/api/tours/e2e-tour/review", headers=headers, json={"action": "approve"}).status_code == 200
    )
    yield {"url": server.url, "sword": sword, "rooms": rooms, "settings": settings, "folder": folder}
    server.stop()


@pytest.fixture
def session(browser, site):
    s = new_session(browser, site["url"], viewport={"width": 800, "height": 600})
    yield s
    s.context.close()


def wait(session, expression: str, timeout: int = TIMEOUT_MS):
    # A function, not a bare expression: the page's CSP has no 'unsafe-eval', which Playwright's
    # string predicates need; functions are called through the debugger protocol instead.
    return session.page.wait_for_function(f"() => {expression}", polling=100, timeout=timeout)


def mean_colour(session) -> tuple[float, float, float]:
    shot = session.page.locator("#tour-viewer").screenshot()
    return tuple(ImageStat.Stat(Image.open(io.BytesIO(shot)).convert("RGB")).mean)


def dominant(colour) -> int:
    return max(range(3), key=lambda i: colour[i])


def test_tour_moves_to_the_next_room_by_its_arrow(session, site):
    session.page.goto(site["url"] + "/tours/e2e-tour?mode=2d", wait_until="commit")
    wait(session, READY.format("a"))
    wait(session, "document.querySelector('.psv-virtual-tour-link') !== null")
    first = mean_colour(session)
    assert dominant(first) == 0, first  # the red room
    session.page.locator(".psv-virtual-tour-link").first.click()
    wait(session, READY.format("b"))
    session.page.wait_for_timeout(600)  # the fade between rooms
    second = mean_colour(session)
    assert dominant(second) == 1, second  # the green room
    assert "node=b" in session.page.url  # a shared link opens this room
    # room names from the data are text, not markup
    assert session.page.evaluate("document.querySelector('.tour-hotspot') === null")  # room b has none
    session.assert_clean()


def test_tour_in_3d_through_the_plugin_and_a_hotspot(session, site):
    session.page.goto(site["url"] + "/tours/e2e-tour?node=c", wait_until="commit")
    wait(session, READY.format("c"))
    session.page.evaluate("window.__tour.plugin.setCurrentNode('a')")
    wait(session, READY.format("a"))
    hotspot = session.page.locator(".tour-hotspot")
    hotspot.wait_for(state="visible")
    assert hotspot.inner_text() == "Kiếm <b>cổ</b> / Old sword"  # text, with the record's English title
    assert session.page.locator(".tour-hotspot b").count() == 0
    hotspot.click()
    session.page.wait_for_url(re.compile(rf"/artefacts/{site['sword']}$"))
    assert "Kiếm cổ (thử)" in session.page.locator("h1").inner_text()
    assert session.page.evaluate("window.__tour === undefined")
    session.assert_clean()


def test_editor_places_a_link_by_a_click(browser, site):
    s = new_session(browser, site["url"], viewport={"width": 900, "height": 800})
    try:
        page = s.page
        page.goto(site["url"] + "/login?next=/staff/tours/e2e-tour/edit")
        page.fill("input[name=name]", "e2e-tour-editor")
        page.fill("input[name=password]", "correct horse battery")
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/staff/tours/e2e-tour/edit$"))
        row = page.locator("tr[data-row='node-0-link-1']")  # the blank link row of room a
        row.locator("input[name='node-0-link-1-to']").fill("c")
        row.locator("button[data-place]").click()
        wait(s, "window.__editor && window.__editor.ready === true")
        box = page.locator("#editor-viewer").bounding_box()
        # right of the centre: a positive yaw; above it: a positive pitch
        page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.4)
        wait(s, "window.__editor.placed.length === 1")
        yaw = float(row.locator("input[name='node-0-link-1-yaw']").input_value())
        pitch = float(row.locator("input[name='node-0-link-1-pitch']").input_value())
        assert 5 < yaw < 90 and 0 < pitch < 45, (yaw, pitch)
        page.locator("#tour-form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/staff/tours/e2e-tour/edit$"))
        links = s.page.request.get(site["url"] + "/api/tours/e2e-tour").json()["nodes"][0]["links"]
        assert {"to": "c", "yaw": yaw, "pitch": pitch} in links
        # a new panorama through the page's upload form; its processing job is run here (no worker)
        picture = panorama_file(site["folder"], "new-room", (200, 170, 40), "NEW")
        page.set_input_files("#panorama-upload input[name=file]", str(picture))
        page.fill("#panorama-upload input[name=rights_holder]", "Bảo tàng thử")
        page.locator("#panorama-upload button[type=submit]").click()
        uploaded = wait(s, "window.__editor.uploaded").json_value()
        assert run_ingest(site["settings"], uploaded) == "done"
        page.wait_for_selector(f"select[name='node-0-media_id'] option[value='{uploaded}']", state="attached")
        s.assert_clean()
    finally:
        s.context.close()
