"""The editors' review queue: every record waiting in review, of every kind, with the survey
batches that would move a relic and the finished scans that wait for approval."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from .registry import all_kinds

BATCHES = """
SELECT 'survey_batch', b.id::text, 'Lô đo GNSS ' || b.id || ' · ' || s.name_vi, b.uploaded_by, b.created_at,
       '/api/surveys/' || b.id
FROM survey_batches b JOIN sites s ON s.id = b.site_id WHERE b.review_status = 'in_review'
"""
SCANS = """
SELECT 'scan', c.id::text, coalesce(c.label, c.file_name) || ' · ' || s.name_vi, c.created_by, c.created_at,
       '/api/scans/' || c.id
FROM scans c JOIN sites s ON s.id = c.site_id WHERE c.review_status = 'in_review' AND c.status = 'done'
"""


def queue_sql() -> sql.Composable:
    parts = [
        sql.SQL(
            "SELECT {k}, r.id::text, r.{t}, r.created_by, r.updated_at, {prefix} || r.id "
            "FROM {table} r WHERE r.publication_status = 'in_review'"
        ).format(
            k=sql.Literal(k.name),
            t=sql.Identifier(k.title),
            prefix=sql.Literal(f"/api/{k.path}/"),
            table=sql.Identifier(k.table),
        )
        for k in all_kinds()
    ]
    parts += [sql.SQL(BATCHES), sql.SQL(SCANS)]
    union = sql.SQL(" UNION ALL ").join(parts)
    return sql.SQL(
        "SELECT coalesce(json_agg(json_build_object('kind', q.kind, 'id', q.id, 'title', q.title, "
        "'submitted_by', q.who, 'at', q.at, 'url', q.url) ORDER BY q.at), '[]')::text "
        "FROM ({}) q(kind, id, title, who, at, url)"
    ).format(union)


async def review_queue(pool: AsyncConnectionPool) -> list[dict[str, Any]]:
    async with connection(pool) as conn:
        return orjson.loads((await (await conn.execute(queue_sql())).fetchone())[0])
