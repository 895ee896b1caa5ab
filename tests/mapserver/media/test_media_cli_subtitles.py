"""`heritage media add --subtitles`: the checks of the upload API (a video only, WebVTT or SRT,
the cues parsed), the clip's subtitles published as WebVTT and named in its IIIF manifest."""

from __future__ import annotations

import re
import shutil
import subprocess

import psycopg
import pytest
from typer.testing import CliRunner

from mapserver.media.cli import media_app as cli
from tests.live_server import LiveServer

from .helpers import media_app, photo

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is part of the product's set-up")
runner = CliRunner()
VTT = "WEBVTT\n\n00:00.200 --> 00:01.000\nXin chào quý khách\n\n00:01.100 --> 00:01.900\nĐây là Bạch Dinh\n"


@pytest.fixture(scope="module")
def server(module_dsn, tmp_path_factory):
    live = LiveServer(media_app(module_dsn, tmp_path_factory.mktemp("var")))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=2",
         "-pix_fmt", "yuv420p", str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    return path


def add(server, *args):
    settings = server.app.state.settings
    env = {"HERITAGE_DATABASE_URL": settings.database_url, "HERITAGE_VAR_DIR": str(settings.var_dir)}
    common = ["--rights", "Sở VHTT", "--licence", "CC-BY-4.0"]
    return runner.invoke(cli, ["add", "site:bach-dinh", *map(str, args), *common], env=env)


def unboxed(output: str) -> str:
    """Click's error as one line: rich draws it in a box and wraps it at the terminal's width."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", output).split())


def rows(server) -> int:
    with psycopg.connect(server.app.state.settings.database_url) as conn:
        return conn.execute("SELECT count(*) FROM media_items").fetchone()[0]


def test_a_clip_with_webvtt_subtitles_is_published_with_them(server, clip, tmp_path):
    vtt = tmp_path / "loi-thoai.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    result = add(server, clip, "--subtitles", vtt, "--publish")
    assert result.exit_code == 0, result.output
    media_id = int(result.stdout.strip().splitlines()[-1])
    item = server.client.get(f"/api/media/{media_id}").json()
    assert item["state"] == "done" and item["media_type"] == "video" and item["subtitles"]
    served = server.client.get(item["subtitles"])
    assert served.status_code == 200 and served.text.startswith("WEBVTT")
    assert "Xin chào quý khách" in served.text and "00:00:01.100 --> 00:00:01.900" in served.text
    manifest = server.client.get("/iiif/manifests/site/bach-dinh.json").json()
    tracks = [
        a["body"]["id"] for canvas in manifest["items"] for page in canvas.get("annotations", []) for a in page["items"]
    ]
    assert any(t.endswith(item["subtitles"]) for t in tracks)


def test_srt_subtitles_are_published_as_webvtt(server, clip, tmp_path):
    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:01,250\n<i>Tiếng sóng</i>\n", encoding="utf-8")
    result = add(server, clip, "--subtitles", srt)
    assert result.exit_code == 0, result.output
    media_id = int(result.stdout.strip().splitlines()[-1])
    with psycopg.connect(server.app.state.settings.database_url) as conn:
        key, files = conn.execute(
            "SELECT subtitles_key, facts->'files' FROM media_items WHERE id = %s", (media_id,)
        ).fetchone()
    assert key.endswith("/subtitles.srt") and "subtitles.vtt" in files


@pytest.mark.parametrize(
    "case, message",
    [
        ("photo", "subtitles go with a video only"),
        ("not_subtitles", "subtitles must be a WebVTT (.vtt) or SubRip (.srt) file"),
        ("too_large", "larger than 2 MiB"),
    ],
)
def test_refused_subtitles_leave_nothing_behind(server, clip, tmp_path, case, message):
    before = rows(server)
    subtitles = tmp_path / "s.vtt"
    subtitles.write_text(VTT, encoding="utf-8")
    media = clip
    if case == "photo":
        media = photo(tmp_path / "a.jpg", 300, 200)
    elif case == "not_subtitles":
        subtitles.write_text("Xin chào\n", encoding="utf-8")
    else:
        subtitles.write_text(VTT + "\n" * (2 * 1024 * 1024), encoding="utf-8")
    result = add(server, media, "--subtitles", subtitles)
    assert (
        result.exit_code == 1 and "rejected (subtitles)" in unboxed(result.output) and message in unboxed(result.output)
    )
    assert rows(server) == before


def test_broken_cues_fail_the_conversion_naming_the_line(server, clip, tmp_path):
    vtt = tmp_path / "broken.vtt"
    vtt.write_text("WEBVTT\n\n00:00.200 --> 00:01.000\nMột\n\n00:02.000 --> 00:01.500\nHai\n", encoding="utf-8")
    result = add(server, clip, "--subtitles", vtt)
    assert result.exit_code == 1 and "failed" in result.output
    assert "subtitles line 6: the cue ends before it starts" in unboxed(result.output)


def test_a_missing_subtitles_file_is_a_usage_error(server, clip, tmp_path):
    result = add(server, clip, "--subtitles", tmp_path / "none.vtt")
    assert result.exit_code == 2 and "does not exist" in unboxed(result.output)
