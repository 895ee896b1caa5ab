"""Narration of 360° virtual tours: the tour's introduction and each of its stops (rooms), spoken
with the records' normaliser, voice and encoder (``audio.render``).

What is read: for the introduction, the tour's title and Vietnamese description; for a stop, the
room's Vietnamese name and caption (a stop without a caption is not narrated, like a record without
a description). Texts come from ``public_tours`` only, so a draft is never spoken.

Rows of ``guide_narrations`` (no table of their own: the same ETag/range serving and staff
recordings apply): kind ``tour``, ``record_id`` = ``<tour>`` for the introduction and
``<tour>/<stop>`` for a stop. Store keys: ``narration/tour/<tour>/v<version>-<hash>.mp3`` and
``narration/tour/<tour>/stops/<stop>/v<version>-<hash>.mp3``, by the tour's version when rendered.
A stop whose text did not change keeps its file whatever else of the tour changed (the row's text
hash is compared first); generated rows of stops removed from the tour are dropped.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
import psycopg
from pydantic import ValidationError

from ...tours.graph import Graph
from ...tours.kind import TOUR
from .. import queries
from .audio import render

log = logging.getLogger("heritage.guide")
KIND = TOUR.name


def row_id(tour_id: str, stop_id: str | None = None) -> str:
    """The narration row id of a tour's introduction (stop None) or of one of its stops."""
    return tour_id if stop_id is None else f"{tour_id}/{stop_id}"


def folder(tour_id: str, stop_id: str | None = None) -> str:
    base = f"narration/{KIND}/{tour_id}"
    return base if stop_id is None else f"{base}/stops/{stop_id}"


def _joined(title: str | None, body: str | None) -> str:
    # The title goes first (as for records): "Phòng 2. Bộ sưu tập súng thần công…" says where we are.
    title, body = (title or "").strip(), (body or "").strip()
    return f"{title.rstrip('.')}. {body}" if body else ""


def _graph(data: Any) -> Graph:
    if isinstance(data, str | bytes):
        data = orjson.loads(data)
    try:
        return Graph.model_validate(data or {})
    except ValidationError:  # a restored old version may not validate; tours.service shows it empty too
        log.warning("a published tour's rooms do not validate; its stops are not narrated")
        return Graph()


def texts(title_vi: str | None, description_vi: str | None, graph_data: Any) -> dict[str | None, str]:
    """stop id (None: the introduction) → the Vietnamese text read, for the parts that have one."""
    out: dict[str | None, str] = {}
    if intro := _joined(title_vi, description_vi):
        out[None] = intro
    for node in _graph(graph_data).nodes:
        if spoken := _joined(node.name_vi, node.caption_vi):
            out[node.id] = spoken
    return out


def narrate_tour(conn: psycopg.Connection, store, tour_id: str, actor: str) -> int:
    """Render what changed of one published tour; the number of files made (0 for a tour that is
    not public: its audio is refused by the route, nothing is rendered)."""
    row = conn.execute(queries.PUBLIC_TOUR, (tour_id,)).fetchone()
    if row is None:
        conn.commit()
        return 0
    _, title_vi, description_vi, graph_data = row
    parts = texts(title_vi, description_vi, graph_data)
    version = conn.execute(queries.RECORD_VERSION, (KIND, tour_id)).fetchone()[0]
    stops = [row_id(tour_id, stop) for stop in parts if stop is not None]
    conn.execute(queries.DROP_GONE_STOPS, {"kind": KIND, "tour": tour_id, "keep": stops})
    conn.commit()
    made = 0
    for stop, text in parts.items():
        made += int(render(conn, store, KIND, row_id(tour_id, stop), folder(tour_id, stop), version, text, actor))
    return made


def narrate_tours(conn: psycopg.Connection, store, actor: str) -> int:
    """Every published tour (the refresh of ``heritage setup`` and ``heritage guide reindex``): a
    tour whose texts did not change costs a few queries and renders nothing. One failing tour does not
    stop the others (the next refresh retries it)."""
    ids = [r[0] for r in conn.execute(queries.PUBLIC_TOURS).fetchall()]
    conn.commit()
    made = 0
    for tour_id in ids:
        try:
            made += narrate_tour(conn, store, tour_id, actor)
        except Exception:
            conn.rollback()
            log.exception("narration of tour %s failed", tour_id)
    return made


def url(tour_id: str, stop_id: str | None = None) -> str:
    """Where the public plays it (guide.tour_routes)."""
    return f"/api/guide/narration/{KIND}/{row_id(tour_id, stop_id)}"


async def narration_urls(conn, tour_id: str) -> dict[str | None, str]:
    """stop id (None: the introduction) → narration URL, for the parts of a tour that have one
    (the tour page offers a listen control only where there is something to hear)."""
    found = await conn.execute(queries.TOUR_NARRATED, {"kind": KIND, "tour": tour_id})
    out: dict[str | None, str] = {}
    for (rid,) in await found.fetchall():
        stop = rid.partition("/")[2] or None
        out[stop] = url(tour_id, stop)
    return out
