"""Video and audio conversion with the real ffmpeg: clips made here from lavfi test sources."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from mapserver.media import subtitles, video
from mapserver.media.errors import MediaRejected


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True, timeout=120)


def lavfi_clip(size: str, seconds: float, rate: int = 25) -> list[str]:
    return [
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size={size}:rate={rate}:duration={seconds}",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={seconds}",
    ]


def hevc_clip(out: Path, seconds: float, *, x265: str = "", pix_fmt: str = "yuv420p", tags: tuple = ()) -> None:
    """A 320 × 240 HEVC clip with AAC sound, as phones record them ('hvc1' is the tag Apple uses)."""
    params = ":".join(filter(None, ["log-level=error", x265]))
    codec = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", params, "-tag:v", "hvc1"]
    ffmpeg(*lavfi_clip("320x240", seconds), *codec, "-pix_fmt", pix_fmt, *tags, "-c:a", "aac", str(out))


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("clips")
    hevc_clip(d / "upright.mov", 3)
    # recorded sideways: ffmpeg 5 writes the rotation (a display matrix) only when it copies streams
    ffmpeg(
        *("-i", str(d / "upright.mov"), "-c", "copy", "-metadata:s:v:0", "rotate=90"),
        *("-metadata", "location=+10.3460+107.0843/"),  # a GPS tag that must not reach the derivative
        str(d / "phone.mov"),
    )
    # HDR as recent phones record it: 10-bit, BT.2020 primaries, HLG transfer
    hdr = ("-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc")
    x265_hdr = "colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc"
    hevc_clip(d / "hdr.mov", 1, x265=x265_hdr, pix_fmt="yuv420p10le", tags=hdr)
    # VP9/Opus WebM with odd dimensions (H.264 in yuv420p needs even ones)
    vp9 = ("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus")
    ffmpeg(*lavfi_clip("321x181", 2), *vp9, str(d / "odd.webm"))
    # larger than 1080p: must come down to 1920 × 1080 (five frames keep it fast)
    ffmpeg(*lavfi_clip("2880x1620", 1, rate=5), "-c:v", "mjpeg", "-q:v", "8", "-an", str(d / "big.avi"))
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:duration=3", "-c:a", "pcm_s16le", str(d / "sound.wav"))
    return d


def top_level_boxes(path: Path) -> list[str]:
    """The ISO BMFF top-level box types in file order (reads only the 8/16-byte box headers)."""
    types, size_total = [], path.stat().st_size
    with open(path, "rb") as fh:
        offset = 0
        while offset < size_total:
            fh.seek(offset)
            size, kind = struct.unpack(">I4s", fh.read(8))
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
            elif size == 0:
                size = size_total - offset
            types.append(kind.decode("latin-1"))
            offset += size
    return types


def stream_info(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


SRT = """1
00:00:00,500 --> 00:00:01,250
<font color="#ff0">Xin chào</font> <i>Bà Rịa</i> & a < b

2
00:00:01,300 --> 00:00:02,900
{\\an8}Dòng thứ hai
"""


def test_phone_hevc_mov_becomes_faststart_h264_mp4(clips: Path, tmp_path: Path) -> None:
    srt = tmp_path / "subs.srt"
    srt.write_text(SRT, encoding="utf-8")
    seen: list[float] = []
    out = tmp_path / "out"
    result = video.transcode_video(clips / "phone.mov", out, subtitles=srt, progress=seen.append)

    assert result["files"] == ["video.mp4", "poster.jpg", "subtitles.vtt"]
    assert result["source"]["video_codec"] == "hevc" and result["source"]["rotation"] == 90
    boxes = top_level_boxes(out / "video.mp4")
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # +faststart

    info = stream_info(out / "video.mp4")
    v = next(s for s in info["streams"] if s["codec_type"] == "video")
    a = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (v["codec_name"], v["pix_fmt"], a["codec_name"]) == ("h264", "yuv420p", "aac")
    # turned upright: the sideways 320 × 240 recording plays as 240 × 320, with no rotation left
    assert (v["width"], v["height"]) == (240, 320) == (result["width"], result["height"])
    assert video.probe(out / "video.mp4")["rotation"] == 0
    assert abs(result["duration"] - 3.0) <= 0.1
    assert "location" not in json.dumps(info["format"].get("tags", {}))

    with Image.open(out / "poster.jpg") as poster:
        poster.load()
        assert poster.format == "JPEG" and poster.size == (240, 320)
        assert max(poster.getextrema()[0]) > 100  # a real frame of testsrc, not black
    assert result["poster_at"] == pytest.approx(0.3, abs=0.02)

    vtt = (out / "subtitles.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n")
    assert "00:00:00.500 --> 00:00:01.250\nXin chào <i>Bà Rịa</i> &amp; a &lt; b\n" in vtt
    assert "00:00:01.300 --> 00:00:02.900\nDòng thứ hai\n" in vtt
    assert [(c.start, c.end) for c in subtitles.parse_webvtt(vtt)] == [(0.5, 1.25), (1.3, 2.9)]
    assert result["subtitle_cues"] == 2

    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    assert not list(out.glob("*.part.*"))


def test_odd_sized_vp9_webm_gets_even_dimensions(clips: Path, tmp_path: Path) -> None:
    result = video.transcode_video(clips / "odd.webm", tmp_path)
    assert result["source"]["video_codec"] == "vp9"
    w, h = result["width"], result["height"]
    assert w % 2 == 0 and h % 2 == 0 and w <= 321 and h <= 181
    assert abs(w / h - 321 / 181) < 0.02
    assert result["audio_codec"] == "aac" and abs(result["duration"] - 2.0) <= 0.1


def test_larger_than_1080p_is_scaled_down_and_silent_input_has_no_audio(clips: Path, tmp_path: Path) -> None:
    result = video.transcode_video(clips / "big.avi", tmp_path)
    assert (result["width"], result["height"]) == (1920, 1080)
    assert result["audio_codec"] is None


def test_hdr_hlg_clip_is_tone_mapped_to_8_bit_bt709(clips: Path, tmp_path: Path) -> None:
    result = video.transcode_video(clips / "hdr.mov", tmp_path)
    assert result["source"]["hdr"] is True
    v = next(s for s in stream_info(tmp_path / "video.mp4")["streams"] if s["codec_type"] == "video")
    assert (v["pix_fmt"], v.get("color_transfer"), v.get("color_primaries")) == ("yuv420p", "bt709", "bt709")
    assert video.probe(tmp_path / "video.mp4")["hdr"] is False


def test_audio_becomes_aac_m4a(clips: Path, tmp_path: Path) -> None:
    result = video.transcode_audio(clips / "sound.wav", tmp_path)
    assert result["files"] == ["audio.m4a"]
    assert result["audio_codec"] == "aac"
    assert abs(result["duration"] - 3.0) <= 0.1
    boxes = top_level_boxes(tmp_path / "audio.m4a")
    assert boxes[0] == "ftyp" and boxes.index("moov") < boxes.index("mdat")
    info = stream_info(tmp_path / "audio.m4a")
    assert [s["codec_type"] for s in info["streams"]] == ["audio"]


def test_a_file_ffmpeg_cannot_read_is_refused_with_the_reason(tmp_path: Path) -> None:
    junk = tmp_path / "clip.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    with pytest.raises(MediaRejected, match="could not be read: .*(Invalid data|moov atom not found)"):
        video.transcode_video(junk, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_truncated_clip_fails_and_leaves_no_video(clips: Path, tmp_path: Path) -> None:
    whole = (clips / "odd.webm").read_bytes()
    cut = tmp_path / "cut.webm"
    cut.write_bytes(whole[: len(whole) // 3])
    out = tmp_path / "out"
    try:
        result = video.transcode_video(cut, out)
    except MediaRejected as exc:
        assert "could not be" in str(exc)
        assert not (out / "video.mp4").exists()
    else:
        # Matroska is streamable: ffmpeg may convert what is there, which must then be shorter
        assert result["duration"] < 1.9
    assert not list(out.glob("*.part.*")) if out.exists() else True


def test_audio_needs_an_audio_stream_and_video_a_video_stream(clips: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaRejected, match="no audio stream"):
        video.transcode_audio(clips / "big.avi", tmp_path)
    with pytest.raises(MediaRejected, match="no video stream"):
        video.transcode_video(clips / "sound.wav", tmp_path)


def test_a_stuck_conversion_is_stopped_by_the_timeout(clips: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaRejected, match="longer than 0.01 s"):
        video.transcode_video(clips / "phone.mov", tmp_path, timeout=0.01)
    assert not any(tmp_path.glob("*.mp4"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1\n00:00:01,000 -> 00:00:02,000\nhello\n", "line 2: expected a timing line"),
        ("1\n00:00:03,000 --> 00:00:02,000\nhello\n", "line 2: the cue ends before it starts"),
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\nnot a cue\n", "line 6: a cue without a timing line"),
        ("", "holds no cues"),
    ],
)
def test_broken_subtitles_are_refused_with_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.srt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MediaRejected, match=message):
        subtitles.write_webvtt(path, tmp_path / "out.vtt")


def test_webvtt_is_kept_and_other_encodings_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.vtt"
    src.write_text(
        "\ufeffWEBVTT - bilingual\n\nNOTE made by hand\n\nintro\n00:01.000 --> 00:02.500 line:0 align:start\n"
        "<v Guide>Chào</v>\n\n01:00:00.000 --> 01:00:01.000\nlate\n",
        encoding="utf-8",
    )
    assert subtitles.write_webvtt(src, tmp_path / "out.vtt") == 2
    cues = subtitles.parse_webvtt((tmp_path / "out.vtt").read_text(encoding="utf-8"))
    assert [(c.start, c.end, c.settings, c.text) for c in cues] == [
        (1.0, 2.5, "line:0 align:start", "<v Guide>Chào</v>"),
        (3600.0, 3601.0, "", "late"),
    ]
    latin = tmp_path / "latin.srt"
    latin.write_bytes("1\n00:00:01,000 --> 00:00:02,000\nchào\n".encode("cp1258"))
    with pytest.raises(MediaRejected, match="not UTF-8"):
        subtitles.read_subtitles(latin)
