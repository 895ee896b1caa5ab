"""Lessons as readers get them (published lessons, their content resolved to published records and
media), and the fingerprint that names a lesson's printable files: it changes when the lesson or
anything it shows changes, so a handout never shows a withdrawn relic."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..errors import NotFound
from ..records import service as records
from .content import resolve
from .kind import LESSON, SUBJECTS

PUBLIC_CONTENT = "SELECT content, updated_at FROM public_lessons WHERE id = %s"
PUBLIC_LIST = (
    "SELECT id FROM public_lessons WHERE (%(subject)s::text IS NULL OR subject = %(subject)s) "
    "AND (%(grade)s::int IS NULL OR %(grade)s BETWEEN grade_from AND grade_to) ORDER BY subject, grade_from, id"
)


async def public_lesson(pool: AsyncConnectionPool, lesson_id: str) -> dict[str, Any]:
    """A published lesson with its resolved content (404 for drafts and withdrawn lessons)."""
    lesson = await records.get_record(pool, LESSON, lesson_id, staff=False)
    async with connection(pool) as conn:
        row = await (await conn.execute(PUBLIC_CONTENT, (lesson_id,))).fetchone()
        if row is None:
            raise NotFound(f"No lesson has the id '{lesson_id[:100]}'.")
        lesson["content"] = await resolve(conn, row[0])
    lesson["fingerprint"] = fingerprint(lesson)
    return lesson


async def public_lessons(pool: AsyncConnectionPool, subject: str | None, grade: int | None) -> list[dict[str, Any]]:
    if subject is not None and subject not in SUBJECTS:
        return []
    async with connection(pool) as conn:
        ids = [r[0] for r in await (await conn.execute(PUBLIC_LIST, {"subject": subject, "grade": grade})).fetchall()]
    return [await public_lesson(pool, i) for i in ids]


def fingerprint(lesson: dict[str, Any]) -> str:
    """Short hash of everything a reader of the lesson sees."""
    view = {k: v for k, v in lesson.items() if k not in ("fingerprint", "links")}
    return hashlib.sha256(orjson.dumps(view, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:16]


def collection_fingerprint(lessons: list[dict[str, Any]]) -> str:
    joined = ",".join(f"{lesson['id']}:{lesson['fingerprint']}" for lesson in lessons)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def handout_key(lesson_id: str, tag: str) -> str:
    return f"lessons/{lesson_id}/{tag}/handout.pdf"


def package_key(lesson_id: str, tag: str) -> str:
    return f"lessons/{lesson_id}/{tag}/package.zip"


def collection_key(subject: str | None, tag: str) -> str:
    return f"lessons/collections/{subject or 'all'}/{tag}/package.zip"
