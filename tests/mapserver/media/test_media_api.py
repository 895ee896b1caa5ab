"""Media through the real server and worker: upload → queued job → worker → IIIF tiles published
under a version; the review workflow decides what the public sees; files served with ETag/304,
ranges, CORS and the right caching; refused uploads leave nothing behind; the CLI end to end."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from PIL import Image
from typer.testing import CliRunner

from mapserver.accounts.service import create_user
from mapserver.jobs.worker import run_worker
from tests.live_server import LiveServer, run_async_in_thread

from .helpers import media_app, panorama, photo, upload

pytest.importorskip("pyvips")
MAX_BYTES = 3 * 1024 * 1024


@pytest.fixture(scope="module")
def server(module_dsn, tmp_path_factory):
    live = LiveServer(media_app(module_dsn, tmp_path_factory.mktemp("var"), media_max_bytes=MAX_BYTES))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def tokens(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        return {
            "surveyor": create_user(conn, "media-surveyor", "surveyor")[1],
            "editor": create_user(conn, "media-editor", "editor")[1],
        }


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def work_queue(server) -> None:
    settings = server.app.state.settings
    run_async_in_thread(lambda: run_worker(settings, settings.database_url, burst=True))


def forget_public_cache(server) -> None:
    server.app.state.public_media = None  # the app remembers public items for 30 s


def counts(server) -> tuple[int, int]:
    """(media rows, files under the store's media folders)."""
    settings = server.app.state.settings
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT count(*) FROM media_items").fetchone()[0]
    store = settings.store_dir
    files = sum(1 for p in store.glob("media*/**/*") if p.is_file()) if store.exists() else 0
    return rows, files


@pytest.fixture(scope="module")
def published(server, tokens, tmp_path_factory):
    """A sideways phone photo (with GPS) of Bạch Dinh, uploaded by a surveyor, processed, approved."""
    c = server.client
    path = photo(tmp_path_factory.mktemp("photo") / "IMG_0001.jpg", orientation=6)
    r = upload(c, tokens["surveyor"], path, caption_vi="Mặt tiền Bạch Dinh", caption_en="Façade", creator="Lê Văn A",
               date="2024-03-05")  # fmt: skip
    assert r.status_code == 202, r.text
    media_id = r.json()["id"]
    item = c.get(f"/api/media/{media_id}", headers=auth(tokens["surveyor"])).json()
    assert item["state"] == "queued" and item["publication_status"] == "draft" and item["original_format"] == "jpeg"
    assert c.get(f"/api/media/{media_id}").status_code == 404  # the public: not yet
    work_queue(server)
    item = c.get(f"/api/media/{media_id}", headers=auth(tokens["surveyor"])).json()
    assert item["state"] == "done" and item["progress"] == 100 and item["version"] == 1, item
    assert (item["width"], item["height"]) == (900, 1200)  # turned upright
    # Processed, but a draft: its files are for staff only, never cached by shared caches.
    info_url = item["info_json"]
    assert c.get(info_url).status_code == 404
    staff = c.get(info_url, headers=auth(tokens["surveyor"]))
    assert staff.status_code == 200 and staff.headers["cache-control"] == "private, no-store"
    r = c.post(f"/api/media/{media_id}/review", json={"action": "submit"}, headers=auth(tokens["surveyor"]))
    assert r.json()["publication_status"] == "in_review"
    r = c.post(f"/api/media/{media_id}/review", json={"action": "approve"}, headers=auth(tokens["surveyor"]))
    assert r.status_code == 403  # approving is an editor's
    r = c.post(f"/api/media/{media_id}/review", json={"action": "approve"}, headers=auth(tokens["editor"]))
    assert r.status_code == 200 and r.json()["publication_status"] == "published"
    return media_id


def test_published_item_is_public_with_its_urls(server, published):
    c = server.client
    item = c.get(f"/api/media/{published}").json()
    assert item["publication_status"] == "published" and item["licence_url"].endswith("/by/4.0/")
    assert item["licence_label_vi"].startswith("CC BY 4.0") and item["caption_en"] == "Façade"
    assert "created_by" not in item and "original_sha256" not in item  # the public sees no uploader
    assert item["iiif_base"] == f"/iiif/3/{published}/v1" and item["sizes"][-1] == [900, 1200]
    listing = c.get("/api/media", params={"record": "site:bach-dinh"}).json()
    assert [i["id"] for i in listing["items"]] == [published]
    assert listing["manifest"] == "/iiif/manifests/site/bach-dinh.json"


def test_info_json_and_tiles_are_served_with_http_semantics(server, published):
    c = server.client
    info = c.get(f"/iiif/3/{published}/v1/info.json")
    assert info.status_code == 200 and info.headers["access-control-allow-origin"] == "*"
    body = info.json()
    assert body["id"] == f"{server.url}/iiif/3/{published}/v1"  # the placeholder id is replaced
    assert (body["width"], body["height"]) == (900, 1200) and body["sizes"][-1] == {"width": 900, "height": 1200}
    assert (
        c.get(f"/iiif/3/{published}/v1/info.json", headers={"If-None-Match": info.headers["etag"]}).status_code == 304
    )
    current = c.get(f"/iiif/3/{published}/info.json", follow_redirects=False)
    assert current.status_code == 302 and current.headers["location"] == f"/iiif/3/{published}/v1/info.json"
    tile_url = f"/iiif/3/{published}/v1/0,0,512,512/512,512/0/default.jpg"
    tile = c.get(tile_url)
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/jpeg"
    assert "immutable" in tile.headers["cache-control"] and "content-encoding" not in tile.headers
    assert b"GPS" not in tile.content and b"TestCam" not in tile.content
    assert c.get(tile_url, headers={"If-None-Match": tile.headers["etag"]}).status_code == 304
    part = c.get(tile_url, headers={"Range": "bytes=10-99"})
    assert part.status_code == 206 and part.content == tile.content[10:100]
    assert c.get(tile_url, headers={"Range": "bytes=99999999-"}).status_code == 416
    thumb = c.get(f"/iiif/3/{published}/v1/full/90,/0/default.jpg")
    assert thumb.status_code == 200 and Image.open(__import__("io").BytesIO(thumb.content)).size == (90, 120)
    for bad in (
        f"/iiif/3/{published}/v1/../../media-originals/{published}/IMG_0001.jpg",
        f"/iiif/3/{published}/v1/%2e%2e/%2e%2e/x",
        f"/iiif/3/{published}/v2/info.json",
        f"/media/{published}/v1/IMG_0001.jpg",
        "/iiif/3/999999/v1/info.json",
    ):
        assert c.get(bad).status_code == 404, bad


def test_withdrawn_item_is_gone_for_the_public(server, tokens, published):
    c = server.client
    r = c.post(f"/api/media/{published}/review", json={"action": "withdraw"}, headers=auth(tokens["editor"]))
    assert r.json()["publication_status"] == "withdrawn"
    forget_public_cache(server)
    try:
        assert c.get(f"/api/media/{published}").status_code == 404
        assert c.get(f"/iiif/3/{published}/v1/info.json").status_code == 404
        assert c.get(f"/iiif/3/{published}/v1/full/90,/0/default.jpg").status_code == 404
        assert c.get("/api/media", params={"record": "site:bach-dinh"}).json()["items"] == []
        assert c.get(f"/api/media/{published}", headers=auth(tokens["editor"])).json()["state"] == "done"
    finally:
        c.post(f"/api/media/{published}/review", json={"action": "approve"}, headers=auth(tokens["editor"]))
    with psycopg.connect(server.app.state.settings.database_url) as conn:
        actions = [a for (a,) in conn.execute(
            "SELECT action FROM audit_log WHERE entity = 'media' AND entity_id = %s ORDER BY id", (str(published),))]  # fmt: skip
    assert actions == ["create", "submit", "approve", "withdraw", "approve"]


def test_items_of_a_record_the_public_cannot_see_stay_hidden(server, tokens, tmp_path):
    c = server.client
    with psycopg.connect(server.app.state.settings.database_url) as conn:
        doc = conn.execute(
            "INSERT INTO documents (title_vi, publication_status) VALUES ('Sắc phong', 'published') RETURNING id"
        ).fetchone()[0]
    r = upload(c, tokens["editor"], photo(tmp_path / "doc.jpg", 600, 400), record=f"document:{doc}", publish="true")
    assert r.status_code == 202, r.text
    media_id = r.json()["id"]
    work_queue(server)
    assert c.get(f"/api/media/{media_id}").status_code == 200
    with psycopg.connect(server.app.state.settings.database_url) as conn:
        conn.execute("UPDATE documents SET publication_status = 'withdrawn' WHERE id = %s", (doc,))
    forget_public_cache(server)
    assert c.get(f"/api/media/{media_id}").status_code == 404
    assert c.get(f"/iiif/3/{media_id}/v1/info.json").status_code == 404
    assert c.get(f"/iiif/manifests/document/{doc}.json").status_code == 404
    assert c.get(f"/api/media/{media_id}", headers=auth(tokens["editor"])).status_code == 200


@pytest.mark.parametrize(
    "case,status",
    [("wrong_type", 415), ("corrupt", 422), ("too_large_declared", 413), ("too_large_streamed", 413),
     ("no_rights", 400), ("bad_licence", 400), ("no_record", 404), ("bad_kind", 400), ("surveyor_publish", 403),
     ("anonymous", 401), ("square_panorama", 422), ("subtitles_on_photo", 400)],
)  # fmt: skip
def test_refused_uploads_leave_nothing_behind(server, tokens, tmp_path, case, status):
    before = counts(server)
    good = photo(tmp_path / "ok.jpg", 300, 200)
    token, form, path = tokens["surveyor"], {}, good
    if case == "wrong_type":
        path = tmp_path / "photo.jpg"
        path.write_bytes(b"%PDF-1.7\n" + b"0" * 5000)
    elif case == "corrupt":
        path = tmp_path / "broken.jpg"
        path.write_bytes(good.read_bytes()[:600] + bytes(range(256)) * 8)
    elif case.startswith("too_large"):
        path = tmp_path / "big.jpg"
        extra = 2 * 1024 * 1024 if case == "too_large_declared" else 1
        path.write_bytes(good.read_bytes() + b"\0" * (MAX_BYTES + extra))
    elif case == "no_rights":
        form = {"rights_holder": "  "}
    elif case == "bad_licence":
        form = {"licence": "GPL"}
    elif case == "no_record":
        form = {"record": "site:khong-co"}
    elif case == "bad_kind":
        form = {"record": "spaceship:1"}
    elif case == "surveyor_publish":
        form = {"publish": "true"}
    elif case == "anonymous":
        token = None
    elif case == "square_panorama":
        form = {"media_type": "panorama"}
    r = (
        _with_subtitles(server.client, token, good, tmp_path)
        if case == "subtitles_on_photo"
        else upload(server.client, token, path, **form)
    )
    assert r.status_code == status, r.text
    problem = r.json()
    assert problem["status"] == status and problem["detail"] and "Traceback" not in r.text
    assert counts(server) == before


def _with_subtitles(client, token, path, tmp_path):
    vtt = tmp_path / "s.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nXin chào\n")
    data = {"record": "site:bach-dinh", "rights_holder": "X", "licence": "CC0-1.0"}
    with open(path, "rb") as fh, open(vtt, "rb") as sub:
        files = {"file": ("a.jpg", fh, "image/jpeg"), "subtitles": ("s.vtt", sub, "text/vtt")}
        return client.post("/api/media", headers=auth(token), data=data, files=files)


def test_panorama_upload_is_published_as_one_jpeg(server, tokens, tmp_path):
    c = server.client
    r = upload(c, tokens["editor"], panorama(tmp_path / "room.jpg"), media_type="panorama", publish="true")
    assert r.status_code == 202, r.text
    media_id = r.json()["id"]
    work_queue(server)
    item = c.get(f"/api/media/{media_id}").json()
    assert item["media_type"] == "panorama" and (item["width"], item["height"]) == (2048, 1024)
    jpeg = c.get(item["panorama"])
    assert jpeg.status_code == 200 and jpeg.headers["content-type"] == "image/jpeg"
    assert c.get(item["thumbnail"]).status_code == 200


def test_failed_ingest_says_why_and_publishes_nothing(server, tokens, tmp_path):
    """A large scan is decoded by the job only: a truncated one fails there, with a reason."""
    import pyvips

    big = tmp_path / "scan.jpg"  # 42 MP: above what an upload decodes completely
    xy = pyvips.Image.xyz(7000, 6000)
    image = (xy[0] % 251).bandjoin([xy[1] % 241, 90]).cast("uchar").copy(interpretation="srgb")
    image.jpegsave(str(big), Q=80)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(big.read_bytes()[: big.stat().st_size * 2 // 3])
    r = upload(server.client, tokens["surveyor"], cut)
    assert r.status_code == 202, r.text
    media_id = r.json()["id"]
    work_queue(server)
    item = server.client.get(f"/api/media/{media_id}", headers=auth(tokens["surveyor"])).json()
    assert item["state"] == "failed" and "damaged" in item["failure_reason"] and item["version"] == 0
    assert not (server.app.state.settings.store_dir / f"media/{media_id}").exists()


def test_cli_adds_and_lists_media(server, tmp_path, monkeypatch):
    from mapserver.media.cli import media_app as cli

    settings = server.app.state.settings
    env = {"HERITAGE_DATABASE_URL": settings.database_url, "HERITAGE_VAR_DIR": str(settings.var_dir)}
    path = photo(tmp_path / "cli.jpg", 800, 600)
    runner = CliRunner()
    args = ["add", "site:bach-dinh", str(path), "--rights", "Sở VHTT", "--licence", "CC-BY-SA-4.0",
            "--caption-vi", "Ảnh từ dòng lệnh", "--publish"]  # fmt: skip
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    media_id = int(result.stdout.strip().splitlines()[-1])
    item = server.client.get(f"/api/media/{media_id}").json()  # published and processed: public at once
    assert item["state"] == "done" and item["caption_vi"] == "Ảnh từ dòng lệnh" and item["licence"] == "CC-BY-SA-4.0"
    listed = runner.invoke(cli, ["list", "site:bach-dinh", "--json"], env=env)
    assert listed.exit_code == 0 and media_id in [i["id"] for i in json.loads(listed.stdout)]
    refused = runner.invoke(cli, ["add", "site:bach-dinh", str(path), "--rights", "X", "--licence", "MIT"], env=env)
    assert refused.exit_code == 1 and "licence" in refused.output


def test_review_rules(server, tokens, tmp_path):
    c = server.client
    r = upload(c, tokens["surveyor"], photo(tmp_path / "r.jpg", 300, 200))
    media_id = r.json()["id"]
    other = create_other_surveyor(server)
    assert (
        c.post(f"/api/media/{media_id}/review", json={"action": "reject"}, headers=auth(tokens["editor"])).status_code
        == 409
    )
    c.post(f"/api/media/{media_id}/review", json={"action": "submit"}, headers=auth(other))
    r = c.post(f"/api/media/{media_id}/review", json={"action": "reject"}, headers=auth(tokens["editor"]))
    assert r.status_code == 400  # a rejection needs a reason
    r = c.post(
        f"/api/media/{media_id}/review", json={"action": "reject", "reason": "Ảnh mờ"}, headers=auth(tokens["editor"])
    )
    assert r.json()["publication_status"] == "draft"
    assert c.get(f"/api/media/{media_id}", headers=auth(tokens["editor"])).json()["review_note"] == "Ảnh mờ"
    assert c.post(f"/api/media/{media_id}/review", json={"action": "approve"}).status_code == 401


def create_other_surveyor(server) -> str:
    with psycopg.connect(server.app.state.settings.database_url) as conn:
        return create_user(conn, f"media-s-{uuid.uuid4().hex[:6]}", "surveyor")[1]
