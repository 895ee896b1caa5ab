"""Search across every kind of public record: each query word must appear in the record's folded
text (case and diacritics ignored, đ = d), hits ranked by trigram word similarity to the query."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from .kinds import Kind
from .registry import all_kinds


def _like(token: str) -> str:
    return "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _one_kind(kind: Kind, tokens: int) -> sql.Composable:
    title_en = sql.Identifier(kind.title_en) if kind.title_en else sql.SQL("NULL::text")
    words = sql.SQL(" AND ").join(
        [sql.SQL("r.search_text LIKE heritage_fold(%(w" + str(i) + ")s)") for i in range(tokens)]
    )
    return sql.SQL(
        "SELECT {k} AS kind, r.id::text AS id, r.{t} AS title_vi, {te} AS title_en, "
        "word_similarity(heritage_fold(%(q)s), r.search_text) AS score FROM {view} r WHERE {words}"
    ).format(
        k=sql.Literal(kind.name),
        t=sql.Identifier(kind.title),
        te=title_en,
        view=sql.Identifier(kind.public_view),
        words=words,
    )


def search_sql(kinds: tuple[Kind, ...], tokens: int) -> sql.Composable:
    union = sql.SQL(" UNION ALL ").join(_one_kind(k, tokens) for k in kinds)
    return sql.SQL(
        "SELECT coalesce(json_agg(h ORDER BY h.score DESC, h.kind, h.id), '[]')::text, "
        "(SELECT count(*) FROM ({u}) a) FROM (SELECT * FROM ({u}) x ORDER BY score DESC, kind, id "
        "LIMIT %(limit)s OFFSET %(offset)s) h"
    ).format(u=union)


async def search(
    pool: AsyncConnectionPool, q: str, *, kinds: list[str] | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    tokens = q.split()
    chosen = tuple(k for k in all_kinds() if kinds is None or k.name in kinds)
    if not tokens or not chosen:
        return [], 0
    params: dict[str, Any] = {"q": q, "limit": limit, "offset": offset}
    params.update({f"w{i}": _like(t) for i, t in enumerate(tokens)})
    async with connection(pool) as conn:
        hits, matched = await (await conn.execute(search_sql(chosen, len(tokens)), params)).fetchone()
    by_name = {k.name: k for k in chosen}
    out = orjson.loads(hits)
    for hit in out:
        kind = by_name[hit["kind"]]
        hit["url"] = kind.url(hit["id"])
        hit["page"] = kind.page_url(hit["id"])
        hit["score"] = round(hit["score"], 3)
    return out, matched
