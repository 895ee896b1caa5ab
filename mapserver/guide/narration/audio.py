"""Narration files of records in the store, and which one a record plays.

Generated speech is kept under ``narration/{kind}/{id}/v{version}-{hash}.mp3`` (record version and
the hash of the text read, so a new version never overwrites what a cached player still fetches).
A staff recording (MP3, Ogg/Opus, M4A/AAC or WAV, recognised from its bytes, not its name) is kept
under ``narration/{kind}/{id}/recorded-{hash}.{ext}`` and played instead while it exists. ``render`` and
``keep_recorded`` take the row id and folder as given, for tour stops (``tours``).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ...records.kinds import Kind
from ...store import file_sha256
from .. import queries
from ..sources import narration_text
from .speak import CONTENT_TYPE, synthesise

RECORDED_MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class Narration:
    source: str  # "tts" or "recorded"
    version: int
    store_key: str
    content_type: str
    size_bytes: int
    duration_s: float | None
    created_by: str


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def sniff_audio(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an audio file from its first bytes, or None."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg", "mp3"
    if head.startswith(b"OggS"):
        return "audio/ogg", "ogg"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", "wav"
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"mp42", b"isom", b"M4B ", b"dash"):
        return "audio/mp4", "m4a"
    return None


def current(rows: list[tuple]) -> Narration | None:
    """The narration a record plays, from queries.NARRATION rows (recorded first)."""
    if not rows:
        return None
    source, version, _, key, content_type, size, duration, created_by, _ = rows[0]
    return Narration(source, version, key, content_type, size, duration, created_by)


def generate(conn: psycopg.Connection, store, kind: Kind, record_id: str, row: dict, actor: str) -> bool:
    """Render the record's narration unless the current generated one already reads this text;
    True when a new file was made."""
    text = narration_text(kind, row)
    if not text:
        return False
    version = conn.execute(queries.RECORD_VERSION, (kind.name, record_id)).fetchone()[0]
    return render(conn, store, kind.name, record_id, f"narration/{kind.name}/{record_id}", version, text, actor)


def render(
    conn: psycopg.Connection, store, kind_name: str, record_id: str, folder: str, version: int, text: str, actor: str
) -> bool:
    """Speak ``text`` into ``{folder}/v{version}-{hash}.mp3`` as the narration row (kind_name,
    record_id), unless that row already reads the same text. Shared by records and tour stops
    (guide.narration.tours), whose row ids are not record ids."""
    digest = text_hash(text)
    existing = [r for r in conn.execute(queries.NARRATION, (kind_name, record_id)).fetchall() if r[0] == "tts"]
    conn.commit()  # no transaction held open while espeak-ng runs
    if existing and existing[0][2] == digest:
        return False
    key = f"{folder}/v{version}-{digest[:8]}.mp3"
    with tempfile.TemporaryDirectory(prefix="heritage-narration-") as scratch:
        speech = synthesise(text, Path(scratch) / "narration.mp3")
        size = speech.path.stat().st_size
        store.put_file(key, speech.path)
    conn.execute(
        queries.UPSERT_NARRATION,
        (kind_name, record_id, "tts", version, digest, key, CONTENT_TYPE, size, round(speech.seconds, 2), actor),
    )
    conn.commit()
    return True


def save_recorded(conn: psycopg.Connection, store, kind: Kind, record_id: str, path: Path, actor: str) -> Narration:
    """Keep a staff recording (already size-checked) as the record's narration."""
    version = conn.execute(queries.RECORD_VERSION, (kind.name, record_id)).fetchone()[0]
    return keep_recorded(conn, store, kind.name, record_id, f"narration/{kind.name}/{record_id}", version, path, actor)


def keep_recorded(
    conn: psycopg.Connection, store, kind_name: str, record_id: str, folder: str, version: int, path: Path, actor: str
) -> Narration:
    """Keep a recording as the narration row (kind_name, record_id), under ``folder``."""
    with open(path, "rb") as fh:
        found = sniff_audio(fh.read(16))
    if found is None:
        raise ValueError("not an audio file this site can play (MP3, Ogg/Opus, M4A/AAC or WAV)")
    content_type, extension = found
    digest, size = file_sha256(path)
    key = f"{folder}/recorded-{digest[:16]}.{extension}"
    store.put_file(key, path)
    conn.execute(
        queries.UPSERT_NARRATION,
        (kind_name, record_id, "recorded", version, digest[:16], key, content_type, size, None, actor),
    )
    conn.commit()
    return Narration("recorded", version, key, content_type, size, None, actor)
