"""A lesson's handout (PDF) and offline packages (zip), made by a background job and kept in the
store under the fingerprint of what they show: the first request after a change queues the job
(202, "being prepared"), the next ones get the file."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from procrastinate import JobContext
from psycopg_pool import AsyncConnectionPool

from ..db import make_pool
from ..settings import Settings
from ..store import Store, make_store
from . import service
from .handout import write_handout
from .package import store_key_of, write_package

BUILD_TASK = "heritage:build_lesson_files"


async def current_key(pool: AsyncConnectionPool, what: str, lesson_id: str | None, subject: str | None) -> str:
    """The store key the file has for the lessons as published now."""
    if what == "collection":
        lessons = await service.public_lessons(pool, subject, None)
        return service.collection_key(subject, service.collection_fingerprint(lessons))
    lesson = await service.public_lesson(pool, lesson_id)
    make = service.handout_key if what == "handout" else service.package_key
    return make(lesson_id, lesson["fingerprint"])


def _images(store: Store, lesson: dict, folder: Path) -> dict[str, Path]:
    """Local copies of the lesson's images (their largest pre-rendered size) for the handout."""
    out = {}
    for section in lesson["content"]["sections"]:
        for item in section["items"]:
            key = store_key_of(item.get("full") or item.get("poster")) if item["type"] == "media" else None
            info = store.stat(key) if key else None
            if info is None:
                continue
            path = folder / f"{item['id']}.jpg"
            path.write_bytes(b"".join(store.read(key, 0, info.size)))
            out[f"media:{item['id']}"] = path
    return out


async def build(settings: Settings, what: str, lesson_id: str | None, subject: str | None, base: str) -> str:
    """Make the file for the lessons as published now; its store key."""
    store = make_store(settings)
    pool = make_pool(settings)
    await pool.open()
    try:
        key = await current_key(pool, what, lesson_id, subject)
        if store.stat(key) is not None:
            return key
        with tempfile.TemporaryDirectory(prefix="heritage-lesson-") as folder:
            out = Path(folder) / Path(key).name
            if what == "handout":
                lesson = await service.public_lesson(pool, lesson_id)
                write_handout(lesson, out, base=base, images=_images(store, lesson, Path(folder)))
            else:
                lessons = (
                    await service.public_lessons(pool, subject, None)
                    if what == "collection"
                    else [await service.public_lesson(pool, lesson_id)]
                )
                await write_package(pool, store, lessons, out, base=base)
            store.put_file(key, out)
        return key
    finally:
        await pool.close()


def build_lesson_files(
    context: JobContext, what: str, base: str, lesson_id: str | None = None, subject: str | None = None
) -> None:
    """The job: runs in a worker thread, with its own small pool."""
    settings = context.additional_context["settings"]
    asyncio.run(build(settings, what, lesson_id, subject, base))
