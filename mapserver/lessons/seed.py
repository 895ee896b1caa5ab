"""The shipped sample lessons (data/lessons.json), loaded published and marked as samples."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from ..records.validate import check
from .kind import LESSON

INSERT = sql.SQL(
    "INSERT INTO lessons (id, {columns}, publication_status, created_by) VALUES (%s, {values}, 'published', %s) "
    "ON CONFLICT (id) DO NOTHING"
)


def load_lessons(conn: psycopg.Connection, data_dir: Path, actor: str) -> int:
    path = data_dir / "lessons.json"
    if not path.exists():
        return 0
    count = 0
    for lesson in json.loads(path.read_text(encoding="utf-8"))["lessons"]:
        lesson = dict(lesson)
        lesson_id = lesson.pop("id")
        values = check(LESSON, lesson, partial=False)  # the same rules as the API
        values["content"] = Jsonb(values["content"])
        names = list(values)
        statement = INSERT.format(
            columns=sql.SQL(", ").join(map(sql.Identifier, names)),
            values=sql.SQL(", ").join([sql.Placeholder()] * len(names)),
        )
        count += conn.execute(statement, [lesson_id, *values.values(), actor]).rowcount
    return count
