"""Registering an upload as a media item: the checks that can be made at once (the record, the
rights, the licence, the bytes), then the row, the original in the store and the audit entry in
one transaction. A refused upload leaves nothing behind: no row, no stored file.

Shared by the web upload (through a thread) and `heritage media add` (sync connections).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ..errors import Forbidden, InvalidParameter, NotFound
from ..records.audit import audit_entry
from ..records.kinds import Kind
from ..records.registry import all_kinds, kind_named
from ..store import Store, file_sha256
from ..vocabulary import LICENCES
from . import queries, urls
from .errors import MediaRejected
from .iiif_image import inspect
from .panorama import check_equirectangular
from .sniff import Sniffed, sniff

EDITOR = "editor"
MAX_SUBTITLE_BYTES = 2 * 1024 * 1024
SRT_CUE = re.compile(rb"^\s*\d+\s*\r?\n\d{2}:\d{2}:\d{2},\d{3} --> ")
LIMITS = {"rights_holder": 300, "creator": 300, "date_text": 100, "caption_vi": 2000, "caption_en": 2000}
MAX_POSITION = 100_000


@dataclass
class MediaRequest:
    record: str  # "site:bach-dinh", "artefact:12"
    file_path: Path
    file_name: str
    rights_holder: str
    licence: str
    actor: str
    has_role: Callable[[str], bool]
    creator: str | None = None
    date_text: str | None = None
    caption_vi: str | None = None
    caption_en: str | None = None
    position: int | None = None
    media_type: str | None = None  # only "panorama" may be asked for; the bytes decide the rest
    subtitles_path: Path | None = None
    publish: bool = False


def parse_record(text: str) -> tuple[Kind, str]:
    """``type:id`` → the kind and the id as text; InvalidParameter / NotFound otherwise."""
    kind_name, sep, record_id = (text or "").partition(":")
    kind = kind_named(kind_name.strip())
    if not sep or kind is None:
        names = ", ".join(k.name for k in all_kinds())
        raise InvalidParameter(f"must be TYPE:ID with TYPE one of {names}", parameter="record")
    parsed = kind.parse_id(record_id.strip())
    if parsed is None:
        raise NotFound(f"No {kind.label_en.lower()} has the id '{record_id[:100]}'.")
    return kind, str(parsed)


def clean_metadata(req: MediaRequest) -> dict[str, Any]:
    """Rights, licence, captions and order checked and trimmed (400 naming the field at fault)."""
    values: dict[str, Any] = {}
    for name, limit in LIMITS.items():
        value = (getattr(req, name) or "").strip() or None
        if value is not None and len(value) > limit:
            raise InvalidParameter(f"is longer than {limit} characters", parameter=name)
        values[name] = value
    if values["rights_holder"] is None:
        raise InvalidParameter("every media item needs its rights holder", parameter="rights_holder")
    if req.licence not in LICENCES:
        raise InvalidParameter(f"must be one of {', '.join(LICENCES)}", parameter="licence")
    if req.position is not None and not 0 <= req.position <= MAX_POSITION:
        raise InvalidParameter(f"must be between 0 and {MAX_POSITION}", parameter="position")
    if req.media_type not in (None, "", "panorama"):
        raise InvalidParameter(
            "only 'panorama' may be given; the file's content decides the rest", parameter="media_type"
        )
    return values


def examine(req: MediaRequest) -> tuple[Sniffed, str, dict[str, Any]]:
    """What the file is (415 when not media), its media type and what its header says (422 when
    it cannot be read)."""
    found = sniff(req.file_path)
    media_type = found.media_type
    facts: dict[str, Any] = {}
    if found.media_type == "image":
        facts = inspect(req.file_path)
        if req.media_type == "panorama":
            check_equirectangular(facts["width"], facts["height"])
            media_type = "panorama"
    elif req.media_type == "panorama":
        raise MediaRejected("A 360° panorama must be an equirectangular JPEG, PNG or TIFF image.")
    elif found.media_type in ("video", "audio"):
        from .video import probe

        facts = probe(req.file_path)  # ffprobe reads the streams in a moment: a damaged clip is a 422 now
        # An MP4 of sound only is audio; an Ogg with a picture stream is video: the streams decide.
        media_type = "video" if facts.get("video_codec") else "audio"
    if req.subtitles_path is not None:
        if media_type != "video":
            raise InvalidParameter("subtitles go with a video only", parameter="subtitles")
        _check_subtitles(req.subtitles_path)
    return found, media_type, facts


def _check_subtitles(path: Path) -> None:
    if path.stat().st_size > MAX_SUBTITLE_BYTES:
        raise InvalidParameter("the subtitles file is larger than 2 MiB", parameter="subtitles")
    head = path.read_bytes()[:4096].lstrip(b"\xef\xbb\xbf")
    if not (head.startswith(b"WEBVTT") or SRT_CUE.match(head)):
        raise InvalidParameter("subtitles must be a WebVTT (.vtt) or SubRip (.srt) file", parameter="subtitles")


def _subtitles_name(path: Path) -> str:
    head = path.read_bytes()[:16].lstrip(b"\xef\xbb\xbf")
    return "subtitles.vtt" if head.startswith(b"WEBVTT") else "subtitles.srt"


def register_media(conn: psycopg.Connection, store: Store, req: MediaRequest) -> int:
    """Check everything, then store the item; returns its id (state 'queued')."""
    kind, record_id = parse_record(req.record)
    if not req.has_role(kind.contributor_role):
        raise Forbidden(f"Adding media to a {kind.label_en.lower()} needs the '{kind.contributor_role}' role.")
    if req.publish and not req.has_role(EDITOR):
        raise Forbidden("Publishing needs the 'editor' role; submit the media for review instead.")
    values = clean_metadata(req)
    if conn.execute(queries.record_exists(kind), (record_id,)).fetchone() is None:
        raise NotFound(f"No {kind.label_en.lower()} has the id '{record_id[:100]}'.")
    found, media_type, facts = examine(req)
    sha256, size = file_sha256(req.file_path)
    row = {
        **values,
        "record_type": kind.name,
        "record_id": record_id,
        "position": req.position,
        "media_type": media_type,
        "licence": req.licence,
        "original_name": req.file_name[:255],
        "original_sha256": sha256,
        "original_bytes": size,
        "original_mime": found.mime,
        "original_format": found.format,
        "facts": json.dumps({"original": facts}),
        "publication_status": "published" if req.publish else "draft",
        "created_by": req.actor,
    }
    media_id = None
    try:
        with conn.transaction():
            media_id = conn.execute(queries.INSERT, row).fetchone()[0]
            key = urls.original_key(media_id, req.file_name or "original")
            store.put_file(key, req.file_path)
            subtitles_key = None
            if req.subtitles_path is not None:
                subtitles_key = f"{urls.originals_prefix(media_id)}/{_subtitles_name(req.subtitles_path)}"
                store.put_file(subtitles_key, req.subtitles_path)
            conn.execute(queries.SET_ORIGINAL, (key, subtitles_key, media_id))
            detail = {"record": f"{kind.name}:{record_id}", "media_type": media_type, "published": req.publish}
            conn.execute(*audit_entry(req.actor, "create", "media", str(media_id), detail))
    except BaseException:
        if media_id is not None:  # the row is rolled back: its files must go too
            store.delete_prefix(urls.originals_prefix(media_id))
        raise
    return media_id


def add_media_file(
    conn: psycopg.Connection,
    settings,
    record: str,
    path: Path,
    *,
    rights_holder: str,
    licence: str,
    actor: str,
    media_type: str | None = None,
    creator: str | None = None,
    date_text: str | None = None,
    caption_vi: str | None = None,
    caption_en: str | None = None,
    subtitles: Path | None = None,
    publish: bool = False,
    run_now: bool = True,
) -> int:
    """One file added by a trusted caller (set-up, the CLI: the operator of the machine may publish).
    ``subtitles``: a WebVTT or SRT file of a video, checked as an upload's are (``examine``).
    ``run_now`` converts it at once on ``conn``; otherwise the ingest job is queued."""
    from ..db import database_url
    from ..jobs.defer import defer_ingest_media_sync
    from ..store import make_store
    from .ingest_job import run_ingest

    req = MediaRequest(
        record=record,
        file_path=path,
        file_name=path.name,
        rights_holder=rights_holder,
        licence=licence,
        actor=actor,
        has_role=lambda role: True,
        creator=creator,
        date_text=date_text,
        caption_vi=caption_vi,
        caption_en=caption_en,
        media_type=media_type,
        subtitles_path=subtitles,
        publish=publish,
    )
    media_id = register_media(conn, make_store(settings), req)
    if run_now:
        run_ingest(settings, media_id, conn=conn)
    else:
        defer_ingest_media_sync(database_url(settings), media_id)
    return media_id


def find_item_sync(conn: psycopg.Connection, media_id: int) -> dict[str, Any] | None:
    """Staff read of one item in any state (sync, for set-up); the shape of service.present."""
    from psycopg.rows import dict_row

    from .service import present

    row = conn.cursor(row_factory=dict_row).execute(queries.ONE_STAFF, (media_id,)).fetchone()
    return None if row is None else present(row)
