"""The worker's guide job: (re)index one record and render its narration, queued inside the
transaction of every change of a public record (a tour: its introduction and stops are narrated,
not indexed); and the whole refresh of ``heritage guide reindex`` and ``heritage setup``."""

from __future__ import annotations

import logging

import psycopg

from ..db import database_url
from ..records.kinds import Kind
from ..store import make_store
from . import queries, service
from .embed import Embedder
from .narration.audio import generate
from .narration.speak import tools_present
from .narration.tours import KIND as TOUR_KIND
from .narration.tours import narrate_tour, narrate_tours
from .sources import kind_of

log = logging.getLogger("heritage.guide")
ACTOR = "guide"


def narrator(store):
    """The narration step of a refresh (None when espeak-ng/ffmpeg are not installed)."""
    if not tools_present():
        log.warning("espeak-ng or ffmpeg missing: narration skipped")
        return None

    def narrate(conn: psycopg.Connection, kind: Kind, record_id: str) -> bool:
        row = conn.execute(queries.public_row(kind), (record_id,)).fetchone()
        conn.commit()
        return row is not None and generate(conn, store, kind, record_id, row[0], ACTOR)

    return narrate


def refresh_now(settings, *, narrate: bool = True, full: bool = False, progress=None) -> service.RefreshResult:
    with psycopg.connect(database_url(settings)) as conn:
        step = narrator(make_store(settings)) if narrate else None
        run = service.rebuild if full else service.refresh
        result = run(conn, Embedder(), narrate=step, progress=progress)
        if step is not None:  # tours are not indexed; each stop whose text changed is spoken again
            result.narrated += narrate_tours(conn, make_store(settings), ACTOR)
        return result


def index_one(settings, kind_name: str, record_id: str, *, embedder: Embedder | None = None) -> bool:
    """(Re)index one record and render its narration; True when it is public."""
    if kind_name == TOUR_KIND:
        return _narrate_tour(settings, record_id)
    kind = kind_of(kind_name)
    if kind is None:
        return False
    with psycopg.connect(database_url(settings)) as conn:
        public, _ = service.index_record(conn, embedder or Embedder(), kind, record_id)
        narrate = narrator(make_store(settings)) if public else None
        if narrate is not None:
            narrate(conn, kind, record_id)
    return public


def _narrate_tour(settings, tour_id: str) -> bool:
    """A published tour's introduction and stops (what changed of them); True when it is public."""
    with psycopg.connect(database_url(settings)) as conn:
        public = conn.execute(queries.PUBLIC_TOUR, (tour_id,)).fetchone() is not None
        conn.commit()
        if public and tools_present():
            narrate_tour(conn, make_store(settings), tour_id, ACTOR)
    return public


def guide_index(context, kind: str, record_id: str) -> None:
    """The job body, queued by every change of a public record (guide.service.record_changed)."""
    public = index_one(context.additional_context["settings"], kind, record_id)
    log.info("guide: %s %s %s", kind, record_id, "indexed" if public else "not public, left out")
