"""Keeping the guide's index in step with publication.

* ``record_changed`` runs inside the transaction of every change of a record (records.service
  snapshot, which every write of every kind passes): a record that is no longer public leaves the
  index in that same transaction, so a withdrawn record cannot be quoted even for a moment; for a
  public one a ``guide_index`` job is queued in that transaction too (it runs after the commit):
  ``index_record`` embeds its sentences (vectors of unchanged sentences are kept, so editing one
  field embeds only that field again) and the job renders its narration.
* ``refresh`` (``heritage guide reindex``) compares all public views with the index by fingerprint
  and (re)indexes what changed: this catches changes that bypass records.service (``heritage
  setup``, imports), which the lead's commands run it after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from ..records.kinds import Kind
from ..tours.kind import TOUR
from . import queries
from .embed import Embedder, to_bytes
from .sources import guided_kinds, kind_of, passages, titles
from .text import tokens

log = logging.getLogger("heritage.guide")
INDEX_TASK = "heritage:guide_index"


@dataclass
class RefreshResult:
    indexed: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0  # sentences whose vector had to be computed
    narrated: int = 0


def embedding_input(title: str, text: str) -> str:
    # The title goes with every sentence: "Dinh được khởi công năm 1898" alone does not say which.
    return f"{title}. {text}" if title else text


def _title(lang: str, title_vi: str, title_en: str | None) -> str:
    return title_en if lang == "en" and title_en else title_vi


def index_record(conn: psycopg.Connection, embedder: Embedder, kind: Kind, record_id: str) -> tuple[bool, int]:
    """(Re)index one record from its public view, in one transaction: (is public, sentences embedded)."""
    with conn.transaction():
        row = conn.execute(queries.public_row(kind), (record_id,)).fetchone()
        if row is None:
            removed = conn.execute(queries.DELETE_RECORD, (kind.name, record_id)).rowcount
            if removed:
                conn.execute(queries.BUMP)
            return False, 0
        data, fingerprint = row
        title_vi, title_en = titles(kind, data)
        items = passages(kind, data)
        inputs = [embedding_input(_title(p.lang, title_vi, title_en), p.text) for p in items]
        # a vector is kept when the text it was computed from (title included) is the same as before
        old_inputs = {
            embedding_input(_title(lang, old_vi, old_en), text): bytes(vector)
            for lang, text, vector, old_vi, old_en in conn.execute(queries.OLD_VECTORS, (kind.name, record_id))
        }
        missing = sorted({i for i in inputs if i not in old_inputs})
        fresh = dict(zip(missing, (to_bytes(v) for v in embedder.passages(missing)))) if missing else {}
        conn.execute(
            queries.UPSERT_RECORD, (kind.name, record_id, fingerprint, title_vi, title_en, kind.page_url(record_id))
        )
        conn.execute(queries.DELETE_SENTENCES, (kind.name, record_id))
        with conn.cursor().copy(queries.COPY_SENTENCES) as copy:
            copy.set_types(["text", "text", "text", "text", "int4", "text", "text[]", "bytea"])
            for passage, source in zip(items, inputs):
                vector = fresh.get(source) or old_inputs[source]
                copy.write_row(
                    (
                        kind.name,
                        record_id,
                        passage.field,
                        passage.lang,
                        passage.position,
                        passage.text,
                        tokens(passage.text),
                        vector,
                    )
                )
        conn.execute(queries.BUMP)
    return True, len(missing)


def stale_records(conn: psycopg.Connection) -> tuple[list[tuple[Kind, str]], list[tuple[str, str]], int]:
    """(public records whose index entry is missing or old, indexed records no longer public, unchanged)."""
    indexed = {(k, i): f for k, i, f in conn.execute(queries.INDEXED)}
    public: dict[tuple[str, str], str] = {}
    changed: list[tuple[Kind, str]] = []
    for kind in guided_kinds():
        for record_id, fingerprint in conn.execute(queries.public_fingerprints(kind)):
            public[(kind.name, record_id)] = fingerprint
            if indexed.get((kind.name, record_id)) != fingerprint:
                changed.append((kind, record_id))
    gone = [key for key in indexed if key not in public]
    return changed, gone, len(public) - len(changed)


def refresh(
    conn: psycopg.Connection,
    embedder: Embedder,
    *,
    narrate: Callable[[psycopg.Connection, Kind, str], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RefreshResult:
    """Bring the index (and, with ``narrate``, the narrations) up to date with the public views."""
    result = RefreshResult()
    changed, gone, result.unchanged = stale_records(conn)
    conn.commit()
    for kind_name, record_id in gone:
        with conn.transaction():
            conn.execute(queries.DELETE_RECORD, (kind_name, record_id))
            conn.execute(queries.BUMP)
        result.removed += 1
    for done, (kind, record_id) in enumerate(changed, 1):
        public, embedded = index_record(conn, embedder, kind, record_id)
        result.indexed += int(public)
        result.embedded += embedded
        if public and narrate is not None:
            try:
                result.narrated += int(narrate(conn, kind, record_id))
            except Exception:  # a narration failure must not stop the index; the next refresh retries
                conn.rollback()
                log.exception("narration of %s %s failed", kind.name, record_id)
        if progress is not None:
            progress(done, len(changed))
    return result


def rebuild(conn: psycopg.Connection, embedder: Embedder, **options) -> RefreshResult:
    """Forget the whole index and build it again (``heritage guide reindex --full``)."""
    with conn.transaction():
        conn.execute("DELETE FROM guide_records")
        conn.execute(queries.BUMP)
    return refresh(conn, embedder, **options)


async def record_changed(conn, kind: Kind, record_id) -> None:
    """Inside the transaction of a change: drop a record that is no longer public from the index at
    once; queue the job that (re)indexes and narrates a public one, which runs after the commit."""
    rid = str(record_id)
    if kind.name == TOUR.name:
        # a tour is narrated, not indexed: nothing to drop (the narration route reads public_tours)
        if await (await conn.execute(queries.PUBLIC_TOUR, (rid,))).fetchone() is not None:
            await queue_index(conn, kind.name, rid)
        return
    if kind_of(kind.name) is None:
        return
    statement = sql.SQL("SELECT 1 FROM {} r WHERE r.id::text = %s").format(sql.Identifier(kind.public_view))
    if await (await conn.execute(statement, (rid,))).fetchone() is None:
        if (await conn.execute(queries.DELETE_RECORD, (kind.name, rid))).rowcount:
            await conn.execute(queries.BUMP)
        return
    await queue_index(conn, kind.name, rid)


async def queue_index(conn, kind_name: str, record_id: str) -> None:
    """A guide_index job for one record in the caller's transaction (procrastinate's own defer,
    given our connection); one waiting job per record is enough, so a queued one is left alone."""
    from procrastinate import exceptions

    from ..jobs.queue import make_app

    if (await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone())[0] is None:
        return  # a database without the job tables (never the case after `heritage db upgrade`)
    task = make_app("").configure_task(
        INDEX_TASK, queueing_lock=f"guide:{kind_name}:{record_id}"[:200], connection=conn
    )
    try:
        async with conn.transaction():  # a savepoint: a refused duplicate must not abort the change
            await task.defer_async(kind=kind_name, record_id=record_id)
    except exceptions.AlreadyEnqueued:
        pass
