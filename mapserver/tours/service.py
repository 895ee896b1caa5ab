"""Use cases of tours: read one (the public sees published rooms only), save one whole (texts and
rooms, checked against the database first), and find the tours to show on another record's page.

Writes go through records.service (the same transaction, version snapshot and audit entry as every
kind of record); this module adds what is the tour's own: its rooms."""

from __future__ import annotations

import logging
import re
from typing import Any

import orjson
from psycopg_pool import AsyncConnectionPool
from pydantic import ValidationError

from ..accounts.service import User
from ..db import connection
from ..errors import Conflict, InvalidParameter
from ..records import service as records
from ..records.links import _titles as record_titles  # the title lookup record links use
from ..records.registry import kind_named
from ..records.routes import SLUG
from . import graph as rooms
from . import panoramas, queries
from .kind import TOUR

log = logging.getLogger("heritage.tours")
TOUR_ID = re.compile(SLUG)


def is_staff(user: User | None) -> bool:
    return records.is_staff(user, TOUR)


async def _record_titles(conn, refs: set[str], *, public: bool) -> dict[str, tuple[str, str | None, Any]]:
    """ "type:id" → (title, English title, kind) of the records that exist (public: that are public)."""
    by_kind: dict[str, list[str]] = {}
    for ref in refs:
        kind_name, record_id = rooms.split_ref(ref)
        by_kind.setdefault(kind_name, []).append(record_id)
    out: dict[str, tuple[str, str | None, Any]] = {}
    for kind_name, ids in by_kind.items():
        kind = kind_named(kind_name)
        if kind is None or kind.name == TOUR.name:
            continue
        rows = await (await conn.execute(record_titles(kind, public), (ids,))).fetchall()
        for record_id, title, title_en in rows:
            out[f"{kind_name}:{record_id}"] = (title, title_en, kind)
    return out


def _stored_graph(data: Any) -> rooms.Graph:
    """The rooms as stored. They were checked when saved; a restored old version may no longer
    pass, and then the tour shows no rooms rather than failing."""
    try:
        return rooms.Graph.model_validate(data or rooms.EMPTY)
    except ValidationError:
        log.warning("a tour's stored rooms do not validate; shown empty")
        return rooms.Graph()


async def _resolve(conn, stored: rooms.Graph, pictures: dict[int, dict], *, public: bool) -> tuple[str | None, list]:
    """The rooms a reader may see, with panorama URLs and the records their hotspots open. Rooms
    without a visible panorama are left out, with the links to them; so are hotspots of hidden records."""
    kept = [n for n in stored.nodes if n.media_id in pictures]
    ids = {n.id for n in kept}
    refs = {h.record for n in kept for h in n.hotspots}
    targets = await _record_titles(conn, refs, public=public)
    nodes = []
    for node in kept:
        picture = pictures[node.media_id]
        hotspots = []
        for h in node.hotspots:
            if h.record not in targets:
                continue
            title, title_en, kind = targets[h.record]
            record_id = rooms.split_ref(h.record)[1]
            hotspots.append(
                {
                    **h.model_dump(mode="json"),
                    "kind": kind.name,
                    "title_vi": title,
                    "title_en": title_en,
                    "page": kind.page_url(record_id),
                    "url": kind.url(record_id),
                }
            )
        nodes.append(
            {
                **node.model_dump(mode="json", exclude={"links", "hotspots"}),
                "panorama": picture.get("panorama"),
                "thumbnail": picture.get("thumbnail"),
                "links": [link.model_dump(mode="json") for link in node.links if link.to in ids],
                "hotspots": hotspots,
            }
        )
    start = stored.start if stored.start in ids else (nodes[0]["id"] if nodes else None)
    return start, nodes


def _picture_summary(item: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "caption_vi", "caption_en", "thumbnail", "panorama", "state", "publication_status")
    return {k: item.get(k) for k in keys}


async def get_tour(pool: AsyncConnectionPool, tour_id: str, *, user: User | None) -> dict[str, Any]:
    """The tour as its viewer and its editor read it. Staff also get the rooms as stored (``graph``)
    and every panorama they may place (``panoramas``)."""
    staff = is_staff(user)
    record = await records.get_record(pool, TOUR, tour_id, staff=staff)
    pictures = await panoramas.available(pool, tour_id, record.get("site_id"), user=user if staff else None)
    async with connection(pool) as conn:
        if staff:
            stored = _stored_graph(record.pop("graph", None))
        else:
            row = await (await conn.execute(queries.PUBLIC_GRAPH, (tour_id,))).fetchone()
            stored = _stored_graph(row[0] if row else None)
        start, nodes = await _resolve(conn, stored, pictures, public=not staff)
        museum = None
        if record.get("museum_id"):
            museum = await (await conn.execute(queries.MUSEUM_NAME, (record["museum_id"],))).fetchone()
    record.update(start=start, nodes=nodes, page=TOUR.page_url(tour_id))
    record["museum"] = {"id": record["museum_id"], "name_vi": museum[0], "name_en": museum[1]} if museum else None
    if staff:
        record["graph"] = rooms.as_json(stored)
        record["panoramas"] = [_picture_summary(p) for p in pictures.values()]
    return record


async def _check_hotspots(pool: AsyncConnectionPool, graph: rooms.Graph) -> None:
    refs = {h.record for n in graph.nodes for h in n.hotspots}
    async with connection(pool) as conn:
        found = await _record_titles(conn, refs, public=False)
    for i, node in enumerate(graph.nodes):
        for j, h in enumerate(node.hotspots):
            if h.record not in found:
                kind = kind_named(rooms.split_ref(h.record)[0])
                what = "no such kind of record" if kind is None or kind.name == TOUR.name else "no such record"
                raise InvalidParameter(f"{what}: '{h.record}'", parameter=f"nodes[{i}].hotspots[{j}].record")


async def _exists(pool: AsyncConnectionPool, tour_id: str) -> dict[str, Any] | None:
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.TOUR_SITE, (tour_id,))).fetchone()
    return None if row is None else {"site_id": row[0]}


async def save_tour(
    pool: AsyncConnectionPool,
    tour_id: str,
    data: dict[str, Any],
    user: User,
    *,
    new_only: bool = False,
    publish: bool = False,
) -> dict[str, Any]:
    """Create or replace a whole tour: its texts and its rooms (``start``, ``nodes``). Every room's
    panorama and every hotspot is checked first, then one records write (version + audit).
    ``new_only``: refuse an id that exists (409). Returns {"created": bool, "version": int}."""
    values = dict(data)
    graph = rooms.parse({"start": values.pop("start", None), "nodes": values.pop("nodes", None) or []})
    if not TOUR_ID.fullmatch(tour_id):
        raise InvalidParameter("must be lower-case letters, digits and - (at most 100)", parameter="id")
    existing = await _exists(pool, tour_id)
    if existing is not None and new_only:
        raise Conflict(f"A tour with the id '{tour_id}' exists already.")
    site_id = values.get("site_id") if "site_id" in values else (existing or {}).get("site_id")
    await panoramas.check_nodes(pool, tour_id, site_id, graph)
    await _check_hotspots(pool, graph)
    values["graph"] = rooms.as_json(graph)
    if existing is None:
        await records.create(pool, TOUR, {"id": tour_id, **values}, user, publish=publish)
        return {"created": True, "version": 1}
    # Publishing an existing tour stays a review decision (POST …/review), as for every record.
    return {"created": False, "version": await records.update(pool, TOUR, tour_id, values, user)}


async def tours_for_record(pool: AsyncConnectionPool, record_type: str, record_id: str) -> list[dict[str, Any]]:
    """Published tours to show on a record's page: a relic's own tours, and tours whose hotspots
    open this record (linked to open in that room)."""
    ref = f"{record_type}:{record_id}"
    site = str(record_id) if record_type == "site" else None
    async with connection(pool) as conn:
        rows = await (await conn.execute(queries.TOURS_OF_RECORD, {"ref": ref, "site": site})).fetchall()
    out = []
    for tour_id, title_vi, title_en, is_sample, start, room, nodes in rows:
        nodes = nodes if isinstance(nodes, list) else orjson.loads(nodes or "[]")
        first = next((n for n in nodes if n.get("id") == (room or start)), None)
        thumbnail = await panoramas.public_thumbnail(pool, int(first["media_id"])) if first else None
        page = TOUR.page_url(tour_id) + (f"?node={room}" if room else "")
        out.append(
            {
                "id": tour_id,
                "title_vi": title_vi,
                "title_en": title_en,
                "is_sample": is_sample,
                "page": page,
                "room": room,
                "thumbnail": thumbnail,
            }
        )
    return out
