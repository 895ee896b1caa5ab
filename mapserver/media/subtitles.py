"""Subtitles of a clip: WebVTT or SubRip (.srt) in, one checked WebVTT file out.

Both are parsed into cues (start, end, settings, text) and written back as WebVTT, so what the
player gets has been read once here: a file that does not parse is refused with the line that
failed, never published for the browser to drop silently. STYLE, REGION and NOTE blocks are left
out (only cue timing and text are kept). SRT's ``<i>/<b>/<u>`` tags carry over; its ``<font>`` tags
and ``{\\an8}``-style override codes do not exist in WebVTT and are removed, and a bare ``<`` or
``&`` is escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import MediaRejected

MAX_SUBTITLE_BYTES = 5 * 1024 * 1024  # hours of dialogue are a few hundred KB

# hh:mm:ss.mmm or mm:ss.mmm (WebVTT) and hh:mm:ss,mmm (SRT; some tools write a dot)
_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(.*)$")
_SRT_OVERRIDE = re.compile(r"\{\\[^}]*\}")
_SRT_FONT = re.compile(r"</?font\b[^>]*>", re.IGNORECASE)
_KEEP_TAG = re.compile(r"</?[ibu]>", re.IGNORECASE)


@dataclass
class Cue:
    start: float
    end: float
    text: str
    settings: str = ""


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _stamp(t: float) -> str:
    ms = round(t * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MediaRejected("the subtitles are not UTF-8 text; save them as UTF-8 and upload again") from exc


def _timing(line: str, line_no: int) -> tuple[float, float, str]:
    m = _TIMING.match(line)
    if not m:
        raise MediaRejected(f"subtitles line {line_no}: expected a timing line like 00:00:01.000 --> 00:00:02.000")
    start = _seconds(*m.group(1, 2, 3, 4))
    end = _seconds(*m.group(5, 6, 7, 8))
    if end <= start:
        raise MediaRejected(f"subtitles line {line_no}: the cue ends before it starts")
    return start, end, m.group(9).strip()


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks with the 1-based number of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for no, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if line.strip():
            if not current:
                first = no
            current.append(line.rstrip())
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def parse_webvtt(text: str) -> list[Cue]:
    blocks = _blocks(text)
    if not blocks or not re.match(r"^WEBVTT(?:[ \t].*)?$", blocks[0][1][0]):
        raise MediaRejected("subtitles line 1: a WebVTT file must start with WEBVTT")
    cues = []
    for first, lines in blocks[1:]:
        if lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        # an optional cue identifier comes before the timing line
        at = 0 if "-->" in lines[0] else 1
        if at >= len(lines):
            raise MediaRejected(f"subtitles line {first}: a cue without a timing line")
        start, end, settings = _timing(lines[at], first + at)
        body = lines[at + 1 :]
        if any("-->" in ln for ln in body):
            raise MediaRejected(f"subtitles line {first}: a cue text may not contain -->")
        cues.append(Cue(start, end, "\n".join(body), settings))
    return cues


def _srt_text(lines: list[str]) -> str:
    text = _SRT_FONT.sub("", _SRT_OVERRIDE.sub("", "\n".join(lines)))
    # escape everything, then give back the three tags both formats share
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _KEEP_TAG.sub(lambda m: m.group(0).lower(), re.sub(r"&lt;(/?[ibuIBU])&gt;", r"<\1>", text))


def parse_srt(text: str) -> list[Cue]:
    cues = []
    for first, lines in _blocks(text):
        # the counter line is optional in the wild; the timing line is not
        at = 1 if lines[0].strip().isdigit() else 0
        if at >= len(lines):
            raise MediaRejected(f"subtitles line {first}: a cue number without a timing line")
        start, end, _ = _timing(lines[at], first + at)
        cues.append(Cue(start, end, _srt_text(lines[at + 1 :])))
    if not cues:
        raise MediaRejected("the subtitles file holds no cues")
    return cues


def read_subtitles(path: Path) -> list[Cue]:
    """Parse a WebVTT or SRT file (told apart by the WEBVTT signature, not the file name)."""
    raw = Path(path).read_bytes()
    if len(raw) > MAX_SUBTITLE_BYTES:
        raise MediaRejected("the subtitles file is larger than 5 MB")
    text = _decode(raw)
    return parse_webvtt(text) if text.lstrip("\ufeff").startswith("WEBVTT") else parse_srt(text)


def format_webvtt(cues: list[Cue]) -> str:
    parts = ["WEBVTT", ""]
    for i, cue in enumerate(cues, start=1):
        timing = f"{_stamp(cue.start)} --> {_stamp(cue.end)}"
        if cue.settings:
            timing += " " + cue.settings
        parts += [str(i), timing, *(cue.text.split("\n") if cue.text else []), ""]
    return "\n".join(parts)


def write_webvtt(src: Path, dest: Path) -> int:
    """Convert/check ``src`` and write it as WebVTT to ``dest``; returns the number of cues."""
    cues = read_subtitles(src)
    dest.write_text(format_webvtt(cues), encoding="utf-8")
    return len(cues)
