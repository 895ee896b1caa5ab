"""Narration of virtual tours, over HTTP with a real PostGIS, espeak-ng and ffmpeg: publishing a tour
queues the guide job, the refresh renders its introduction and each captioned stop (MP3 whose
ffprobe duration matches espeak-ng's own), a second refresh renders nothing, an edited stop alone
is spoken again, a staff recording replaces one stop; the tour page's listen control plays the
current room in headless chromium and stops when the room changes; a withdrawn tour answers 404;
`heritage setup`'s sample tour gets its narrations."""

from __future__ import annotations

import json
import shutil
import subprocess
import wave

import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.guide import service
from mapserver.guide.jobs import index_one, refresh_now
from mapserver.guide.narration.normalise import normalise
from mapserver.guide.narration.speak import VOICE, WORDS_PER_MINUTE, tools_present
from tests.e2e.conftest import TIMEOUT_MS, new_session
from tests.mapserver.tours.helpers import add_media, panorama_file

pytestmark = pytest.mark.skipif(
    not tools_present() or not shutil.which("ffprobe") or not shutil.which("sox"), reason="espeak-ng/ffmpeg/sox missing"
)

TOUR_ID = "t-narrated"
URL = f"/api/guide/narration/tour/{TOUR_ID}"
DESCRIPTION = "Chuyến tham quan thử qua hai phòng trưng bày của bảo tàng, có thuyết minh bằng giọng đọc tự động."
CAPTIONS = {
    "a": "Phòng trưng bày súng thần công thế kỷ XIX, gồm 12 khẩu pháo đúc bằng đồng.",
    "b": "Phòng gốm sứ với những hiện vật tìm thấy ở TP. Vũng Tàu năm 1991.",
}


def _rows(dsn: str) -> dict[str, tuple]:
    with psycopg.connect(dsn) as conn:
        found = conn.execute(
            "SELECT record_id, source, store_key, created_at, duration_s FROM guide_narrations "
            "WHERE kind = 'tour' AND split_part(record_id, '/', 1) = %s",
            (TOUR_ID,),
        ).fetchall()
    return {f"{r[0]}:{r[1]}": r[2:] for r in found}


def _files(store) -> list[str]:
    folder = store.path(f"narration/tour/{TOUR_ID}")
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.mp3"))


@pytest.fixture(scope="module")
def editor(guide_dsn) -> dict[str, str]:
    with psycopg.connect(guide_dsn) as conn:
        _, token = create_user(conn, "t-tour-narrator", "editor", "correct horse battery")
    return {"Authorization": f"Bearer {token}"}


def _nodes(rooms: list[int], captions: dict[str, str]) -> list[dict]:
    return [
        {"id": "a", "media_id": rooms[0], "name_vi": "Phòng súng", "name_en": "Gun room", "caption_vi": captions["a"],
         "links": [{"to": "b", "yaw": 60}]},
        {"id": "b", "media_id": rooms[1], "name_vi": "Phòng gốm", "caption_vi": captions["b"],
         "links": [{"to": "a", "yaw": -60}, {"to": "c", "yaw": 90}]},
        # no caption: nothing to read, no narration, the listen button is disabled there
        {"id": "c", "media_id": rooms[2], "name_vi": "Hành lang", "links": [{"to": "b", "yaw": -90}]},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def tour(guide_server, guide_dsn, editor, tmp_path_factory):
    settings = guide_server.app.state.settings
    client = guide_server.client
    folder = tmp_path_factory.mktemp("rooms")
    body = {"title_vi": "Tham quan có thuyết minh", "title_en": "Narrated tour", "description_vi": DESCRIPTION}
    assert client.put(f"/api/tours/{TOUR_ID}", headers=editor, json=body).status_code == 201
    colours = ((172, 73, 59), (60, 144, 81), (52, 96, 170))
    rooms = [
        add_media(guide_dsn, settings, f"tour:{TOUR_ID}", panorama_file(folder, f"n{i}", colour, f"ROOM {i}"))
        for i, colour in enumerate(colours)
    ]
    saved = client.put(
        f"/api/tours/{TOUR_ID}", headers=editor, json={**body, "start": "a", "nodes": _nodes(rooms, CAPTIONS)}
    )
    assert saved.status_code == 200, saved.text
    approved = client.post(f"/api/tours/{TOUR_ID}/review", headers=editor, json={"action": "approve"})
    assert approved.status_code == 200, approved.text
    return {"settings": settings, "rooms": rooms, "body": body}


def test_publishing_queues_the_job_and_the_refresh_speaks_each_stop_once(guide_server, guide_dsn, tour, tmp_path):
    with psycopg.connect(guide_dsn) as conn:
        queued = conn.execute(
            "SELECT args FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo'", (service.INDEX_TASK,)
        ).fetchall()
    assert {"kind": "tour", "record_id": TOUR_ID} in [a for (a,) in queued]  # queued by the approval
    client, store = guide_server.client, guide_server.app.state.store
    assert client.get(f"{URL}/a").status_code == 404  # nothing rendered yet

    first = refresh_now(tour["settings"])  # what `heritage setup` / `heritage guide reindex` run
    assert first.narrated == 3  # the introduction, stops a and b (c has no caption)
    rows = _rows(guide_dsn)
    assert set(rows) == {f"{TOUR_ID}:tts", f"{TOUR_ID}/a:tts", f"{TOUR_ID}/b:tts"}
    assert rows[f"{TOUR_ID}/a:tts"][0].startswith(f"narration/tour/{TOUR_ID}/stops/a/v")
    assert len(_files(store)) == 3

    second = refresh_now(tour["settings"])
    assert second.narrated == 0 and _rows(guide_dsn) == rows and len(_files(store)) == 3
    assert index_one(tour["settings"], "tour", TOUR_ID)  # the queued job: public, nothing to render
    assert _rows(guide_dsn) == rows

    for stop, text in CAPTIONS.items():
        got = client.get(f"{URL}/{stop}")
        assert got.status_code == 200 and got.headers["content-type"] == "audio/mpeg"
        head = got.content[:3]
        assert head == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0), head
        path = tmp_path / f"{stop}.mp3"
        path.write_bytes(got.content)
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name,channels",
             "-of", "json", str(path)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        info = json.loads(probe.stdout)
        assert info["streams"][0]["codec_name"] == "mp3" and info["streams"][0]["channels"] == 1
        # espeak-ng itself, on the same normalised text of the room (name + caption)
        spoken = tmp_path / f"{stop}.txt"
        spoken.write_text(normalise(f"{'Phòng súng' if stop == 'a' else 'Phòng gốm'}. {text}"), encoding="utf-8")
        wav = tmp_path / f"{stop}.wav"
        subprocess.run(
            ["espeak-ng", "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-f", str(spoken), "-w", str(wav)], check=True
        )
        with wave.open(str(wav)) as sound:
            expected = sound.getnframes() / sound.getframerate()
        seconds = float(info["format"]["duration"])
        print(f"stop {stop}: mp3 {len(got.content)} B, ffprobe {seconds:.2f} s, espeak-ng {expected:.2f} s")
        assert 3 < seconds and abs(seconds - expected) < 0.3
        assert abs(seconds - rows[f"{TOUR_ID}/{stop}:tts"][2]) < 0.3
    intro = client.get(URL)
    assert intro.status_code == 200 and intro.headers["content-type"] == "audio/mpeg"
    assert client.get(f"{URL}/c").status_code == 404  # a stop without a caption
    assert client.get(f"{URL}/zz").status_code == 404  # not a room of the tour


def test_served_with_etag_and_ranges_and_an_edited_stop_alone_is_spoken_again(guide_server, guide_dsn, tour, editor):
    client, store = guide_server.client, guide_server.app.state.store
    full = client.get(f"{URL}/b")
    etag = full.headers["etag"]
    assert client.get(f"{URL}/b", headers={"If-None-Match": etag}).status_code == 304
    part = client.get(f"{URL}/b", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == full.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(full.content)}"
    assert client.head(f"{URL}/b").headers["content-length"] == str(len(full.content))

    before = _rows(guide_dsn)
    changed = {**CAPTIONS, "b": "Phòng gốm sứ thời Nguyễn, có 40 hiện vật."}
    body = {**tour["body"], "start": "a", "nodes": _nodes(tour["rooms"], changed)}
    assert client.put(f"/api/tours/{TOUR_ID}", headers=editor, json=body).status_code == 200
    assert index_one(tour["settings"], "tour", TOUR_ID)  # the job this edit queued
    after = _rows(guide_dsn)
    assert (
        after[f"{TOUR_ID}:tts"] == before[f"{TOUR_ID}:tts"] and after[f"{TOUR_ID}/a:tts"] == before[f"{TOUR_ID}/a:tts"]
    )
    assert after[f"{TOUR_ID}/b:tts"][0] != before[f"{TOUR_ID}/b:tts"][0]  # a new version's file
    assert len(_files(store)) == 4  # the old file stays for players that cached its URL
    fresh = client.get(f"{URL}/b")
    assert fresh.headers["etag"] != etag and fresh.content != full.content
    assert refresh_now(tour["settings"]).narrated == 0


def test_a_staff_recording_replaces_one_stop(guide_server, tour, editor, tmp_path):
    client = guide_server.client
    wav = tmp_path / "voice.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(wav), "synth", "1.2", "sine", "330"], check=True)
    assert client.put(f"{URL}/a", files={"file": ("voice.wav", wav.read_bytes())}).status_code == 401
    bad = client.put(f"{URL}/a", files={"file": ("v.mp3", b"<html>not audio</html>" * 10)}, headers=editor)
    assert bad.status_code == 400
    put = client.put(f"{URL}/a", files={"file": ("any.bin", wav.read_bytes())}, headers=editor)
    assert put.status_code == 201 and put.json()["url"] == f"{URL}/a"
    got = client.get(f"{URL}/a")
    assert got.headers["content-type"] == "audio/wav" and got.content == wav.read_bytes()
    assert client.get(f"{URL}/b").headers["content-type"] == "audio/mpeg"  # the other stops keep theirs
    assert client.put(f"{URL}/zz", files={"file": ("v.wav", wav.read_bytes())}, headers=editor).status_code == 404
    assert client.delete(f"{URL}/a", headers=editor).status_code == 204
    assert client.get(f"{URL}/a").headers["content-type"] == "audio/mpeg"
    assert client.delete(f"{URL}/a", headers=editor).status_code == 404


def _wait(session, expression: str):
    # a function, not a string predicate: the page's CSP has no 'unsafe-eval'
    return session.page.wait_for_function(f"() => {expression}", polling=100, timeout=TIMEOUT_MS)


def test_listen_control_plays_the_current_room_and_stops_on_moving(browser, guide_server, tour):
    session = new_session(browser, guide_server.url, viewport={"width": 900, "height": 700})
    audio_requests = []
    session.page.on("response", lambda r: "/api/guide/narration/" in r.url and audio_requests.append((r.url, r.status)))
    try:
        page = session.page
        page.goto(f"{guide_server.url}/tours/{TOUR_ID}", wait_until="commit")
        _wait(session, "window.__tour && window.__tour.node === 'a'")
        listen = page.get_by_role("button", name="Nghe thuyết minh / Listen")
        assert listen.is_visible() and listen.is_enabled() and audio_requests == []  # nothing fetched before a press
        listen.click()
        _wait(
            session,
            "(a => a.readyState >= 2 && a.duration > 1 && a.currentTime > 0)(document.getElementById('tour-audio'))",
        )
        played = page.evaluate(
            "(a => ({src: a.currentSrc, d: a.duration, paused: a.paused}))(document.getElementById('tour-audio'))"
        )
        assert played["src"].endswith(f"{URL}/a") and not played["paused"] and played["d"] > 3, played
        assert listen.get_attribute("aria-pressed") == "true"
        assert any(u.endswith(f"{URL}/a") and s in (200, 206) for u, s in audio_requests), audio_requests

        page.evaluate("window.__tour.plugin.setCurrentNode('b')")
        _wait(session, "window.__tour.node === 'b'")
        stopped = page.evaluate(
            "(a => ({src: a.getAttribute('src'), paused: a.paused}))(document.getElementById('tour-audio'))"
        )
        assert stopped == {"src": None, "paused": True} and listen.get_attribute("aria-pressed") == "false"
        assert page.locator("#tour-narration-room").inner_text() == "Phòng gốm"
        listen.click()
        _wait(
            session,
            "document.getElementById('tour-audio').currentSrc.endsWith('/b') && document.getElementById('tour-audio').currentTime > 0",
        )

        page.evaluate("window.__tour.plugin.setCurrentNode('c')")
        _wait(session, "window.__tour.node === 'c'")
        assert listen.is_disabled() and "chưa có thuyết minh" in page.locator("#tour-narration-room").inner_text()
        assert page.evaluate("document.getElementById('tour-audio').paused")
        intro = page.get_by_role("button", name="Nghe giới thiệu / Introduction")
        intro.click()  # the introduction, in the same player
        _wait(
            session,
            f"document.getElementById('tour-audio').currentSrc.endsWith('{URL}') && document.getElementById('tour-audio').currentTime > 0",
        )
        assert page.locator("audio").count() == 1  # one player for the page
        assert session.errors == [] and session.foreign_requests() == [], (session.errors, session.requests)
    finally:
        session.context.close()  # fmt: skip


def test_the_page_without_javascript_links_each_rooms_audio(guide_server, tour):
    page = guide_server.client.get(f"/tours/{TOUR_ID}")
    assert f'href="{URL}/a"' in page.text and f'href="{URL}/b"' in page.text and f'href="{URL}/c"' not in page.text
    csp = page.headers["content-security-policy"]
    assert (
        "media-src 'self'" in csp
        and "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )


def test_a_withdrawn_tour_is_no_longer_heard(guide_server, guide_dsn, tour, editor):
    client = guide_server.client
    assert client.get(f"{URL}/a").status_code == 200
    r = client.post(f"/api/tours/{TOUR_ID}/review", headers=editor, json={"action": "withdraw"})
    assert r.status_code == 200 and r.json()["publication_status"] == "withdrawn"
    for url in (URL, f"{URL}/a", f"{URL}/b"):
        assert client.get(url).status_code == 404 and client.head(url).status_code == 404
    assert not index_one(tour["settings"], "tour", TOUR_ID)  # the job of a tour that is not public
    assert refresh_now(tour["settings"]).narrated == 0


def test_setup_narrates_the_sample_tour(guide_server, guide_dsn):
    from mapserver.cli import _sample_media  # the step of `heritage setup`: sample tour, then the refresh
    from mapserver.tours.sample import SAMPLE_ID

    _sample_media(guide_server.app.state.settings, guide_dsn)
    with psycopg.connect(guide_dsn) as conn:
        made = conn.execute(
            "SELECT record_id FROM guide_narrations WHERE kind = 'tour' AND split_part(record_id, '/', 1) = %s "
            "ORDER BY record_id",
            (SAMPLE_ID,),
        ).fetchall()
    assert [r[0] for r in made] == [SAMPLE_ID] + [f"{SAMPLE_ID}/phong-{i}" for i in (1, 2, 3)]
    page = guide_server.client.get(f"/tours/{SAMPLE_ID}").text
    assert 'id="tour-narration"' in page and f"/api/guide/narration/tour/{SAMPLE_ID}/phong-2" in page
    got = guide_server.client.get(f"/api/guide/narration/tour/{SAMPLE_ID}/phong-1")
    assert got.status_code == 200 and got.headers["content-type"] == "audio/mpeg" and len(got.content) > 5_000
