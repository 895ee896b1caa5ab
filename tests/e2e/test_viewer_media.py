"""The map panel's media: a relic with a published photo and 3D model shows the photo's IIIF
thumbnail and links to the record page's media section; a relic without media shows nothing.
Real app (with the media router) over HTTP, real ingest (libvips, Draco), headless chromium."""

from __future__ import annotations

import numpy as np
import psycopg
import pytest
from PIL import Image

from mapserver.app import create_app
from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites
from mapserver.media.register import add_media_file
from tests.conftest import make_settings
from tests.e2e.conftest import new_session
from tests.e2e.data import sites_csv
from tests.live_server import LiveServer
from tiling import gltf


@pytest.fixture(scope="module")
def media_app(module_dsn, tmp_path_factory):
    settings = make_settings(module_dsn, tmp_path_factory.mktemp("var"))
    files = tmp_path_factory.mktemp("media")
    photo = files / "gate.jpg"
    Image.radial_gradient("L").resize((900, 600)).convert("RGB").save(photo, quality=90)
    box = files / "vase.glb"
    positions = [[0, 0, 0], [0.3, 0, 0], [0, 0.3, 0], [0, 0, 0.3]]
    tetrahedron = np.array([[0, 2, 1], [0, 3, 2], [0, 1, 3], [1, 2, 3]])
    gltf.write_glb(box, [gltf.Primitive(positions=np.array(positions, np.float32), indices=tetrahedron)])
    with psycopg.connect(module_dsn, autocommit=True) as conn:
        import_sites(conn, read_csv_text(sites_csv()), actor="test", source_name="e2e.csv")
        common = {"rights_holder": "Bảo tàng tỉnh", "licence": "CC-BY-4.0", "actor": "test", "publish": True}
        photo_id = add_media_file(conn, settings, "site:t-vt1", photo, caption_vi="Cổng <b>chính</b>", **common)
        add_media_file(conn, settings, "site:t-vt1", box, **common)
    server = LiveServer(create_app(settings))
    server.start()
    yield server.url, photo_id
    server.stop()


@pytest.fixture
def session(browser, media_app):
    s = new_session(browser, media_app[0])
    yield s
    s.context.close()


def test_panel_shows_the_thumbnail_and_links_to_the_media(session, media_app):
    app_url, photo_id = media_app
    page = session.page
    session.open_viewer(app_url, "/?lite#site=t-vt1")
    session.wait("!document.querySelector('#panel-media').hidden")

    link = page.locator("#panel-media a[data-field=media]")
    assert link.get_attribute("href") == "/sites/t-vt1#media-title"
    assert link.text_content() == "Xem 2 tư liệu trên trang di tích"
    assert page.locator("#panel-media .meta").text_content() == " (ảnh: 1 · mô hình 3D: 1)"
    thumb = page.locator("#panel-media .media-thumb")
    assert thumb.get_attribute("data-media-id") == str(photo_id)
    img = thumb.locator("img")
    src = img.get_attribute("src")
    assert src.startswith(f"/iiif/3/{photo_id}/v1/full/") and src.endswith("/0/default.jpg")
    # the caption is text: its markup is shown, never parsed
    assert img.get_attribute("alt") == "Cổng <b>chính</b>"
    session.wait("document.querySelector('#panel-media img').complete")
    width = page.evaluate("document.querySelector('#panel-media img').naturalWidth")
    assert width >= 200  # the IIIF size the API picked as a thumbnail really decoded

    # another relic, without media: the section goes away
    page.evaluate("location.hash = '#site=t-vt2'")
    session.wait(
        "document.querySelector('#panel-title').textContent !== '' && "
        "location.hash === '#site=t-vt2' && document.querySelector('#panel-media').hidden"
    )
    assert page.locator("#panel-media a").count() == 0
    assert any(f"/iiif/3/{photo_id}/v1/full/" in url for url in session.requests)
    session.assert_clean()
