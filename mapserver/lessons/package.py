"""Offline packages: a zip of static HTML and media that opens from a USB stick in a classroom
without internet (``index.html`` from ``file://``: relative links only, no script, styles inline),
for one lesson or a collection of lessons.

Inside: ``index.html`` (the lessons), ``lessons/{id}.html``, ``records/{type}-{id}.html`` (the
public fields of every record a lesson shows), ``media/`` (images at their largest pre-rendered
size, clips and sound when not too big, posters), ``LICENCE.txt``."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool

from ..records import service as records
from ..records.registry import kind_named
from ..store import Store
from ..web.pages import Pages
from .kind import SUBJECT_LABELS

MAX_CLIP_BYTES = 200 * 1024 * 1024  # bigger clips stay online (a link is kept)
URL_KEY = re.compile(r"^/(iiif/3|media)/(\d+)/v(\d+)/(.+)$")
SKIP_FIELDS = ("id", "kind", "url", "links", "publication_status", "search_text", "created_by", "review_note")


def store_key_of(url: str | None) -> str | None:
    """The store key of a published derivative's URL (media.urls mirrors URLs under media/{id}/v{n})."""
    match = URL_KEY.match(url or "")
    if match is None:
        return None
    kind, media_id, version, rest = match.groups()
    return f"media/{media_id}/v{version}/" + (f"iiif/{rest}" if kind == "iiif/3" else rest)


def _copy(store: Store, key: str, zf: zipfile.ZipFile, name: str, limit: int | None = None) -> bool:
    info = store.stat(key)
    if info is None or (limit is not None and info.size > limit):
        return False
    with zf.open(name, "w", force_zip64=True) as out:
        for chunk in store.read(key, 0, info.size):
            out.write(chunk)
    return True


def _media_files(store: Store, zf: zipfile.ZipFile, item: dict[str, Any], written: set[str]) -> dict[str, str]:
    """Copy an item's files into media/; the local names of what could be copied."""
    local = {}
    for role in ("full", "poster", "thumbnail", "video", "audio", "subtitles", "panorama"):
        url = item.get(role)
        key = store_key_of(url)
        if key is None:
            continue
        name = f"media/{item['id']}-{role}{Path(url).suffix or '.bin'}"
        limit = MAX_CLIP_BYTES if role in ("video", "audio") else None
        if name in written or _copy(store, key, zf, name, limit):
            written.add(name)
            local[role] = name
    return local


def _record_fields(record: dict[str, Any]) -> list[tuple[str, str, Any]]:
    kind = kind_named(record["kind"])
    rows = []
    for f in kind.public_fields:
        value = record.get(f.name) if "properties" not in record else record["properties"].get(f.name)
        if value not in (None, "", []) and f.name not in SKIP_FIELDS:
            rows.append((f.label_vi, f.label_en, value))
    return rows


async def write_package(
    pool: AsyncConnectionPool, store: Store, lessons: list[dict[str, Any]], path: Path, *, base: str
) -> dict[str, int]:
    """Write the zip for ``lessons`` (already resolved by lessons.service); counts of what is inside."""
    pages = Pages(auto_reload=False)
    written: set[str] = set()
    records_done: set[str] = set()
    counts = {"lessons": len(lessons), "records": 0, "media_files": 0}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for lesson in lessons:
            for section in lesson["content"]["sections"]:
                for item in section["items"]:
                    if item["type"] == "media":
                        item["local"] = await run_in_threadpool(_media_files, store, zf, item, written)
                        continue
                    ref = f"{item['type']}-{item['id']}"
                    item["local"] = f"records/{ref}.html"
                    if ref in records_done:
                        continue
                    record = await records.get_record(pool, kind_named(item["type"]), item["id"], staff=False)
                    html = pages.render(
                        "lesson_offline_record.html", item=item, fields=_record_fields(record), base=base
                    )
                    zf.writestr(item["local"], html)
                    records_done.add(ref)
            zf.writestr(
                f"lessons/{lesson['id']}.html",
                pages.render("lesson_offline.html", lesson=lesson, subjects=SUBJECT_LABELS, base=base),
            )
        zf.writestr("index.html", pages.render("lesson_offline_index.html", lessons=lessons, subjects=SUBJECT_LABELS))
        zf.writestr("LICENCE.txt", _licence_text(lessons, base))
    counts["records"], counts["media_files"] = len(records_done), len(written)
    return counts


def _licence_text(lessons: list[dict[str, Any]], base: str) -> str:
    lines = ["Học liệu số mở về di sản văn hóa Bà Rịa–Vũng Tàu / Open heritage learning material", ""]
    for lesson in lessons:
        lines.append(f"{lesson['title_vi']}: {lesson.get('licence') or 'CC-BY-4.0'} — {base}/lessons/{lesson['id']}")
    lines += ["", "Ảnh và tư liệu giữ giấy phép và ghi công của từng tư liệu (ghi dưới mỗi ảnh)."]
    lines.append("Images and media keep their own licence and credit, shown under each.")
    return "\n".join(lines) + "\n"
