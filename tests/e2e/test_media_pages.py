"""Media on record pages in headless chromium, from real files ingested like any upload: Mirador
comparing two images from the record's IIIF manifest and drawing their tiles, OpenSeadragon for a
single image, model-viewer loading a Draco GLB with our own decoder, a video that plays and seeks
by byte ranges; and the same pages without JavaScript. Nothing may leave 127.0.0.1; the console
stays clean (Mirador's one React 19 "element.ref" notice excepted, by its text)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import psycopg
import pytest
from PIL import Image, ImageStat

from mapserver.media.ingest_job import run_ingest
from mapserver.media.register import MediaRequest, register_media
from mapserver.store import make_store
from mapserver.web.security import READER_CSP
from tests.conftest import make_settings
from tests.e2e.conftest import TIMEOUT_MS, new_session
from tests.live_server import LiveServer
from tests.mapserver.tours.helpers import add_media, tour_app

MIRADOR_NOTICE = "element.ref was removed in React 19"
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\nTiếng chiêng (thử)\n\n00:02.000 --> 00:04.000\nSound of gongs\n"


def artefact(conn, number: str, name: str) -> int:
    return conn.execute(
        """INSERT INTO artefacts (museum_id, number, name_vi, publication_status, created_by)
           VALUES ('bao-tang-brvt', %s, %s, 'published', 'e2e') RETURNING id""",
        (number, name),
    ).fetchone()[0]


def gradient(path, width: int, height: int, colour: tuple[int, int, int]):
    """A picture with structure (tiles differ) in one dominant colour."""
    import numpy as np

    x = np.linspace(0.55, 1.0, width, dtype=np.float32)[None, :, None]
    y = np.linspace(1.0, 0.7, height, dtype=np.float32)[:, None, None]
    pixels = (np.array(colour, dtype=np.float32) * x * y).astype("uint8")
    Image.fromarray(pixels, "RGB").save(path, quality=90)
    return path


def make_video(folder):
    clip = folder / "clip.mov"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25:duration=5",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=5",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(clip),
        ],
        check=True,
    )
    subtitles = folder / "clip.vtt"
    subtitles.write_text(VTT, encoding="utf-8")
    return clip, subtitles


def make_model(folder):
    import trimesh

    box = trimesh.creation.box(extents=(0.3, 0.2, 0.1))
    box.visual = trimesh.visual.TextureVisuals(
        material=trimesh.visual.material.PBRMaterial(baseColorFactor=[200, 120, 40, 255])
    )
    path = folder / "box.glb"
    box.export(path, file_type="glb")
    return path


def add_video(dsn, settings, record, clip, subtitles) -> int:
    """Through the upload's own steps (register, ingest), as the web upload with subtitles does."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        media_id = register_media(
            conn,
            make_store(settings),
            MediaRequest(
                record=record,
                file_path=clip,
                file_name=clip.name,
                rights_holder="Bảo tàng thử",
                licence="CC-BY-SA-4.0",
                actor="e2e",
                has_role=lambda role: True,
                caption_vi="Đoạn phim thử",
                caption_en="Test clip",
                subtitles_path=subtitles,
                publish=True,
            ),
        )
        assert run_ingest(settings, media_id, conn=conn) == "done"
    return media_id


@pytest.fixture(scope="module")
def site(module_dsn, tmp_path_factory):
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (scripts/setup.sh installs it)")
    settings = make_settings(module_dsn, tmp_path_factory.mktemp("var"))
    folder = tmp_path_factory.mktemp("media")
    with psycopg.connect(module_dsn) as conn:
        pair = artefact(conn, "E2E-M1", "Cặp bình gốm (thử)")
        single = artefact(conn, "E2E-M2", "Trống đồng (thử)")
        objects = artefact(conn, "E2E-M3", "Hộp gỗ (thử)")
        plain = artefact(conn, "E2E-M4", "Không có ảnh (thử)")
    red = add_media(
        module_dsn,
        settings,
        f"artefact:{pair}",
        gradient(folder / "red.jpg", 1400, 1000, (220, 40, 40)),
        media_type=None,
    )
    blue = add_media(
        module_dsn,
        settings,
        f"artefact:{pair}",
        gradient(folder / "blue.jpg", 1000, 1400, (40, 60, 220)),
        media_type=None,
    )
    green = add_media(
        module_dsn,
        settings,
        f"artefact:{single}",
        gradient(folder / "green.jpg", 2400, 1600, (40, 200, 60)),
        media_type=None,
    )
    model = add_media(module_dsn, settings, f"artefact:{objects}", make_model(folder), media_type=None)
    video = add_video(module_dsn, settings, f"artefact:{objects}", *make_video(folder))
    server = LiveServer(tour_app(settings))
    server.start()
    yield {
        "url": server.url,
        "client": server.client,
        "pair": pair,
        "single": single,
        "objects": objects,
        "plain": plain,
        "images": (red, blue, green),
        "model": model,
        "video": video,
    }
    server.stop()


@pytest.fixture
def session(browser, site):
    s = new_session(browser, site["url"], viewport={"width": 900, "height": 700})
    statuses: list[tuple[str, int]] = []
    s.context.on("response", lambda r: statuses.append((r.url, r.status)))
    s.statuses = statuses
    yield s
    s.context.close()


def wait(session, expression: str, timeout=TIMEOUT_MS):
    # a function, not a bare expression: the page's CSP has no 'unsafe-eval'
    return session.page.wait_for_function(f"() => {expression}", polling=100, timeout=timeout)


def assert_clean(session) -> None:
    """Clean, but for two known harmless entries, filtered by their exact text: Mirador's React 19
    notice, and the browser cancelling a video's metadata request once it has what it needs."""
    session.errors[:] = [e for e in session.errors if MIRADOR_NOTICE not in e]
    session.failed[:] = [f for f in session.failed if not re.search(r"/v1/video\.mp4 net::ERR_ABORTED$", f)]
    session.assert_clean()


def open_page(session, site, record_id):
    session.page.goto(f"{site['url']}/artefacts/{record_id}", wait_until="commit")
    wait(session, "window.__media && window.__media.started === true")


def colours_of(session, selector) -> tuple[float, float, float]:
    shot = session.page.locator(selector).screenshot()
    return tuple(ImageStat.Stat(Image.open(io.BytesIO(shot)).convert("RGB")).mean)


def tiles_loaded(session, media_id) -> list[str]:
    pattern = re.compile(rf"/iiif/3/{media_id}/v1/(?!info\.json)")
    return [url for url, status in session.statuses if pattern.search(url) and status == 200]


def test_mirador_compares_two_images_from_the_manifest(session, site):
    open_page(session, site, site["pair"])
    red, blue, _ = site["images"]
    wait(session, "document.querySelectorAll('#media-mirador canvas').length >= 2")
    session.page.wait_for_function(
        "() => performance.getEntriesByType('resource').filter(e => /\\/iiif\\/3\\/\\d+\\/v1\\/(?!info)/.test(e.name)).length >= 4",
        polling=200,
        timeout=TIMEOUT_MS,
    )
    session.page.wait_for_timeout(800)  # the last tiles fade in
    manifest = f"/iiif/manifests/artefact/{site['pair']}.json"
    assert any(url.endswith(manifest) and status == 200 for url, status in session.statuses)
    assert tiles_loaded(session, red) and tiles_loaded(session, blue)
    shot = Image.open(io.BytesIO(session.page.locator("#media-mirador").screenshot())).convert("RGB")
    pixels = shot.resize((90, 70)).get_flattened_data()
    assert sum(1 for r, g, b in pixels if r > 120 and r > 2 * b) > 40  # the red image is drawn …
    assert sum(1 for r, g, b in pixels if b > 120 and b > 2 * r) > 40  # … beside the blue one
    assert_clean(session)


def test_openseadragon_shows_one_image(session, site):
    open_page(session, site, site["single"])
    wait(session, "window.__media.ready.openseadragon > 0")
    assert tiles_loaded(session, site["images"][2])
    r, g, b = colours_of(session, ".deep-zoom[data-viewer=openseadragon]")
    assert g > r + 40 and g > b + 40, (r, g, b)
    assert not any("mirador" in url for url, _ in session.statuses)  # only what the page needs
    assert_clean(session)


def test_model_viewer_loads_a_draco_model_with_our_decoder(session, site):
    open_page(session, site, site["objects"])
    session.page.locator("model-viewer").scroll_into_view_if_needed()  # it loads when it is seen
    wait(session, "window.__media.ready.models >= 1")
    urls = [url for url, _ in session.statuses]
    assert any(re.search(r"/vendor/draco/[\d.]+/draco_decoder\.wasm$", u) for u in urls), urls
    assert any(u.endswith(f"/media/{site['model']}/v1/model.glb") for u in urls)
    assert_clean(session)


def test_video_plays_and_seeks_by_ranges(session, site):
    open_page(session, site, site["objects"])
    page = session.page
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    wait(session, "document.querySelector('video').currentTime > 0.3")
    page.evaluate("() => { document.querySelector('video').currentTime = 3.5; }")
    wait(session, "!document.querySelector('video').seeking && document.querySelector('video').currentTime >= 3.4")
    assert page.evaluate("() => document.querySelector('video track').track.cues.length") == 2
    ranges = [status for url, status in session.statuses if url.endswith(f"/media/{site['video']}/v1/video.mp4")]
    assert 206 in ranges, ranges
    assert_clean(session)


def test_pages_work_without_javascript(browser, site):
    c = site["client"]
    pair = c.get(f"/artefacts/{site['pair']}")
    html = pair.text
    # images only: scripts from this origin, no WebAssembly, no workers
    policy = pair.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "wasm" not in policy and "worker-src" not in policy
    red, blue, _ = site["images"]
    assert f'href="/iiif/3/{red}/v1/full/' in html and 'srcset="/iiif/3/' in html
    assert re.search(r'<img src="/iiif/3/\d+/v1/full/\d+,\d+/0/default.jpg" srcset="[^"]+ \d+w', html)
    assert 'width="1400" height="1000"' in html and 'width="1000" height="1400"' in html
    assert "© Bảo tàng thử nghiệm" in html and 'rel="license"' in html and "Người chụp thử" in html
    objects = c.get(f"/artefacts/{site['objects']}")
    assert "script-src 'self' 'wasm-unsafe-eval'" in objects.headers["content-security-policy"]
    assert '<track kind="subtitles"' in objects.text and 'preload="metadata"' in objects.text
    assert f'href="/media/{site["model"]}/v1/model.glb" download' in objects.text
    plain = c.get(f"/artefacts/{site['plain']}")
    # no media viewer: the reading pages' policy (same-origin scripts only, for the offline app)
    assert plain.headers["content-security-policy"] == READER_CSP and "media-title" not in plain.text
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site['url']}/artefacts/{site['pair']}")
        images = page.locator("section.media ul.media-images img")
        assert images.count() == 2
        assert page.locator(".deep-zoom").first.is_hidden()  # the viewer stays hidden without script
        assert page.locator("section.media ul.media-images a").first.get_attribute("href").startswith("/iiif/3/")
    finally:
        context.close()
