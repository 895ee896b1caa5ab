"""Clips and sound recordings to what every browser plays: ffprobe to read, ffmpeg to convert.

Video becomes H.264/AAC MP4 (yuv420p, even dimensions, at most 1080p, ``+faststart`` so the moov
atom comes before the media data and playback starts without a second range request), with a poster
frame and WebVTT subtitles; sound becomes AAC in an ``.m4a`` (MP4) container, which Chromium,
Firefox and Safari all play. Phone footage (MOV/HEVC, rotation metadata) is turned upright by
ffmpeg's autorotation before scaling.

ffmpeg and ffprobe (apt ``ffmpeg``) run as subprocesses from argument lists, never through a shell,
with ``-nostdin`` and a timeout. What they cannot read raises :class:`MediaRejected` with a message
that names the problem and is safe to show to the uploader. Metadata (phone GPS positions, device
names) is dropped from every derivative.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import MediaRejected
from .subtitles import write_webvtt

Progress = Callable[[float], None]

# Ingest runs on small machines (2 cores): veryfast keeps a minute of 1080p to about a minute of
# CPU; CRF 23 is x264's visually transparent default for the web.
X264_PRESET = "veryfast"
X264_CRF = "23"
AUDIO_BITRATE = "128k"
MAX_LONG_SIDE = 1920  # 1080p: 1920 × 1080 landscape, 1080 × 1920 portrait
MAX_SHORT_SIDE = 1080
PROBE_TIMEOUT = 60.0
# a conversion may take a long time for an hour-long film; beyond this something is stuck
TRANSCODE_TIMEOUT = 4 * 3600.0
POSTER_AT = 0.10  # a tenth of the way in: past black openings and title fades
# HDR transfer functions (PQ, HLG): what recent phones record by default
HDR_TRANSFERS = {"smpte2084", "arib-std-b67"}
# HDR → SDR: linear light, BT.709 primaries, Hable tone curve, back to BT.709 video range; without it
# an HLG/PQ clip squeezed into 8-bit yuv420p looks grey and washed out in every browser
TONEMAP = "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} is not installed; install the apt package ffmpeg (scripts/setup.sh)")
    return path


def probe(path: Path) -> dict[str, Any]:
    """Read a media file's duration, codecs and displayed size with ffprobe.

    Returns ``{"format", "duration", "video_codec", "audio_codec", "width", "height", "rotation", "hdr"}``;
    ``width``/``height`` are as displayed (rotation applied). Raises :class:`MediaRejected` when
    ffprobe cannot read the file or it holds neither a video nor an audio stream.
    """
    cmd = [
        _tool("ffprobe"),
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        str(path),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaRejected("the media file could not be read: ffprobe took too long on it") from exc
    if proc.returncode != 0:
        raise MediaRejected(f"the media file could not be read: {_reason(proc.stderr)}")
    info = json.loads(proc.stdout or "{}")
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise MediaRejected("the media file holds no video or audio stream")
    fmt = info.get("format", {})
    facts: dict[str, Any] = {
        "format": fmt.get("format_name"),
        "duration": _duration(fmt, video or audio),
        "video_codec": video.get("codec_name") if video else None,
        "audio_codec": audio.get("codec_name") if audio else None,
        "width": None,
        "height": None,
        "rotation": 0,
        "hdr": False,
    }
    if video:
        rotation = _rotation(video)
        w, h = int(video.get("width") or 0), int(video.get("height") or 0)
        if rotation % 180:
            w, h = h, w
        facts.update(width=w, height=h, rotation=rotation, hdr=video.get("color_transfer") in HDR_TRANSFERS)
    return facts


def _is_cover_art(stream: dict[str, Any]) -> bool:
    # an MP3's or M4A's embedded album picture is a one-frame "video" stream
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _duration(fmt: dict[str, Any], stream: dict[str, Any] | None) -> float | None:
    for value in (fmt.get("duration"), (stream or {}).get("duration")):
        try:
            d = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(d) and d > 0:
            return d
    return None


def _rotation(stream: dict[str, Any]) -> int:
    # phones record landscape sensor frames and store the turn as metadata: the older "rotate" tag
    # or a display matrix in side data (ffprobe reports it as "rotation", counter-clockwise)
    tag = stream.get("tags", {}).get("rotate")
    if tag is not None:
        try:
            return int(float(tag)) % 360
        except ValueError:
            return 0
    for side in stream.get("side_data_list", []):
        if "rotation" in side:
            try:
                return int(float(side["rotation"])) % 360
            except (TypeError, ValueError):
                return 0
    return 0


def _reason(stderr: str) -> str:
    """The last meaningful line ffmpeg printed, without the input path (it names our scratch dir)."""
    lines = [ln.strip() for ln in (stderr or "").splitlines() if ln.strip()]
    if not lines:
        return "unknown format or damaged file"
    last = lines[-1]
    # "/tmp/x/in.mov: Invalid data found when processing input" → the part after the path
    if ": " in last:
        last = last.rsplit(": ", 1)[-1]
    return last[:200]


def _video_filter(hdr: bool) -> str:
    # after autorotation iw/ih are the upright frame; fit a 1920×1080 box turned the frame's way,
    # never upscale, and round both sides to even numbers (yuv420p halves chroma in both axes)
    long_, short = MAX_LONG_SIDE, MAX_SHORT_SIDE
    w = f"if(gte(iw,ih),min({long_},iw),min({short},iw))"
    h = f"if(gte(iw,ih),min({short},ih),min({long_},ih))"
    scale = f"scale=w='{w}':h='{h}':force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1"
    return ",".join([TONEMAP, scale] if hdr else [scale]) + ",format=yuv420p"


def transcode_video(
    src: Path,
    out_dir: Path,
    *,
    subtitles: Path | None = None,
    progress: Progress | None = None,
    timeout: float = TRANSCODE_TIMEOUT,
) -> dict[str, Any]:
    """Write ``video.mp4`` (H.264/AAC), ``poster.jpg`` and, with ``subtitles``, ``subtitles.vtt``.

    ``subtitles`` is a WebVTT or SubRip (.srt) file; SRT is converted and either is checked to
    parse. ``progress`` receives the fraction done (0..1). Returns ``files`` and the facts of the
    output (``duration``, ``width``, ``height``, codecs, ``bytes``) plus ``source`` (the input's).
    """
    src, out_dir = Path(src), Path(out_dir)
    source = probe(src)
    if source["video_codec"] is None:
        raise MediaRejected("the file holds no video stream (upload sound recordings as audio)")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    if subtitles is not None:
        # read the subtitles first: a bad file fails in a second, not after the transcode
        cues = write_webvtt(Path(subtitles), out_dir / "subtitles.vtt")
    video = out_dir / "video.mp4"
    # the mp4 is written under a temporary name: a killed job never leaves a half file behind
    partial = out_dir / "video.part.mp4"
    args = [
        "-i",
        str(src),
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-sn",
        "-dn",
        "-vf",
        _video_filter(source["hdr"]),
        "-c:v",
        "libx264",
        "-preset",
        X264_PRESET,
        "-crf",
        X264_CRF,
        "-profile:v",
        "high",
        *(["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"] if source["hdr"] else []),
        "-c:a",
        "aac",
        "-b:a",
        AUDIO_BITRATE,
        "-ac",
        "2",
        "-movflags",
        "+faststart",
        str(partial),
    ]
    _run_to(partial, video, args, source["duration"], progress, timeout)
    files.append(video.name)
    result = probe(video)
    poster = out_dir / "poster.jpg"
    at = (result["duration"] or 0.0) * POSTER_AT
    _run_ffmpeg(
        ["-ss", f"{at:.3f}", "-i", str(video), "-frames:v", "1", "-q:v", "3", str(poster)], None, None, PROBE_TIMEOUT
    )
    files.append(poster.name)
    facts: dict[str, Any] = {
        "duration": result["duration"],
        "width": result["width"],
        "height": result["height"],
        "video_codec": result["video_codec"],
        "audio_codec": result["audio_codec"],
        "bytes": video.stat().st_size,
        "poster_at": round(at, 3),
        "source": source,
    }
    if subtitles is not None:
        files.append("subtitles.vtt")
        facts["subtitle_cues"] = cues
    if progress:
        progress(1.0)
    return {"files": files, **facts}


def transcode_audio(
    src: Path, out_dir: Path, *, progress: Progress | None = None, timeout: float = TRANSCODE_TIMEOUT
) -> dict[str, Any]:
    """Write ``audio.m4a`` (AAC in MP4, faststart). Returns ``files``, ``duration``, codec, bytes."""
    src, out_dir = Path(src), Path(out_dir)
    source = probe(src)
    if source["audio_codec"] is None:
        raise MediaRejected("the file holds no audio stream")
    out_dir.mkdir(parents=True, exist_ok=True)
    audio = out_dir / "audio.m4a"
    partial = out_dir / "audio.part.m4a"
    args = [
        "-i",
        str(src),
        "-map",
        "0:a:0",
        "-map_metadata",
        "-1",
        "-vn",
        "-sn",
        "-dn",
        "-c:a",
        "aac",
        "-b:a",
        AUDIO_BITRATE,
        "-movflags",
        "+faststart",
        "-f",
        "ipod",  # the .m4a flavour of the MP4 muxer
        str(partial),
    ]
    _run_to(partial, audio, args, source["duration"], progress, timeout)
    result = probe(audio)
    if progress:
        progress(1.0)
    return {
        "files": [audio.name],
        "duration": result["duration"],
        "audio_codec": result["audio_codec"],
        "bytes": audio.stat().st_size,
        "source": source,
    }


def _run_to(
    partial: Path, final: Path, args: list[str], duration: float | None, progress: Progress | None, timeout: float
) -> None:
    """Run ffmpeg writing ``partial``; rename it to ``final`` only when ffmpeg succeeded."""
    try:
        _run_ffmpeg(args, duration, progress, timeout)
    except BaseException:
        partial.unlink(missing_ok=True)  # a failed job leaves no half-written file to publish
        raise
    partial.replace(final)


def _run_ffmpeg(args: list[str], duration: float | None, progress: Progress | None, timeout: float) -> None:
    """Run ffmpeg (overwrite, no stdin, errors only), reporting ``-progress`` lines as fractions."""
    cmd = [_tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    if progress and duration:
        cmd += ["-progress", "pipe:1", "-nostats"]
    cmd += args
    # stderr goes to a file so a chatty decoder can never fill a pipe and stall ffmpeg
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if progress and duration and line.startswith("out_time_us="):
                    _report(line, duration, progress)
            proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        stderr = err.read()
    if timed_out.is_set():
        raise MediaRejected(f"the conversion took longer than {timeout:g} s and was stopped")
    if proc.returncode != 0:
        raise MediaRejected(f"the media file could not be converted: {_reason(stderr)}")


def _report(line: str, duration: float, progress: Progress) -> None:
    try:
        done_s = int(line.split("=", 1)[1]) / 1e6
    except ValueError:  # "N/A" before the first frame
        return
    # never report 1.0 here: the poster and the checks of the output are still to come
    progress(max(0.0, min(0.99, done_s / duration)))
