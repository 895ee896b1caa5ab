"""Answering a visitor (the use case behind POST /api/guide/ask and the /guide page).

Each app keeps its own copy of the index in memory (``GuideRuntime`` on ``app.state``), reloaded
when the index generation in the database moves on, so every app server answers from the same
index. Before an answer leaves, its sentences are checked against the records as the public views
show them now: a passage that is no longer in a published record is dropped (the index may lag a
commit by the time a job takes). Every question is logged without personal data.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool

from ..db import connection
from . import queries
from .answer import Answer, Quote, compose
from .embed import Embedder
from .index import GuideIndex
from .sources import kind_of, passages

MAX_QUESTION_CHARS = 500
REFUSAL_VI = "Xin lỗi, các hồ sơ đã được duyệt chưa có thông tin này."
REFUSAL_EN = "Sorry, the published records do not hold this information."
REASON_CHANGED = "records_changed"


@dataclass
class GuideRuntime:
    embedder: Embedder = field(default_factory=Embedder)
    index: GuideIndex | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)


def runtime_of(app) -> GuideRuntime:
    """The app's guide runtime, made on first use (nothing is loaded at import or start-up)."""
    runtime = getattr(app.state, "guide", None)
    if runtime is None:
        runtime = GuideRuntime()
        app.state.guide = runtime
    return runtime


async def current_index(pool: AsyncConnectionPool, runtime: GuideRuntime) -> GuideIndex:
    async with connection(pool) as conn:
        generation = (await (await conn.execute(queries.GENERATION)).fetchone())[0]
        if runtime.index is not None and runtime.index.generation == generation:
            return runtime.index
        async with runtime.lock:
            if runtime.index is None or runtime.index.generation != generation:
                rows = await (await conn.execute(queries.LOAD)).fetchall()
                runtime.index = await asyncio.to_thread(GuideIndex, rows, generation)
    return runtime.index


async def _still_published(conn, quotes: list[Quote]) -> set[tuple[str, str, str, str]]:
    """(kind, id, field, text) of the quoted passages that the public records hold right now."""
    wanted: dict[str, list[str]] = {}
    for quote in quotes:
        wanted.setdefault(quote.kind, []).append(quote.record_id)
    kinds = [k for name in wanted if (k := kind_of(name)) is not None]
    if not kinds:
        return set()
    rows = await (await conn.execute(queries.public_rows(kinds), [wanted[k.name] for k in kinds])).fetchall()
    present = set()
    for kind_name, record_id, row in rows:
        for passage in passages(kind_of(kind_name), row):
            present.add((kind_name, record_id, passage.field, passage.text))
    return present


def citation(quote: Quote) -> dict[str, Any]:
    return {
        "type": quote.kind,
        "id": quote.record_id,
        "field": quote.field,
        "url": quote.url,
        "title": quote.title,
        "text": quote.text,
        "lang": quote.lang,
    }


def refusal(lang: str, reason: str) -> dict[str, Any]:
    return {"answer": None, "refused": True, "reason": reason, "message": REFUSAL_EN if lang == "en" else REFUSAL_VI}


async def ask(pool: AsyncConnectionPool, runtime: GuideRuntime, question: str, lang: str) -> dict[str, Any]:
    started = time.perf_counter()
    index = await current_index(pool, runtime)
    vector = await asyncio.to_thread(runtime.embedder.query, question)
    answer: Answer = await asyncio.to_thread(compose, index, question, vector, lang)
    async with connection(pool) as conn:
        if not answer.refused:
            present = await _still_published(conn, answer.quotes + answer.see_also)

            def keep(items: list[Quote]) -> list[Quote]:
                return [q for q in items if (q.kind, q.record_id, q.field, q.text) in present]

            answer.quotes, answer.see_also = keep(answer.quotes), keep(answer.see_also)
            if not answer.quotes:
                answer.refused, answer.reason = True, REASON_CHANGED
        top = answer.top or (None, None)
        await conn.execute(
            queries.LOG_QUESTION,
            (question, lang, not answer.refused, answer.reason, top[0], top[1], round(answer.coverage, 4)),
        )
    if answer.refused:
        body = refusal(lang, answer.reason or "")
    else:
        body = {
            "answer": " ".join(q.text for q in answer.quotes),
            "citations": [citation(q) for q in answer.quotes],
            "see_also": [citation(q) for q in answer.see_also],
            "lang": answer.quotes[0].lang,
        }
        if answer.note:
            body["note"] = answer.note
    body["took_ms"] = round(1000 * (time.perf_counter() - started), 1)
    return body
