"""Use cases of media items for the web app: upload (register, then queue the ingest job), read an
item or a record's items as the asker may see them, the review workflow, and what a page or a
manifest needs to show a record's media.

The public sees `public_media` only (published items of public records, with a published
version); staff — users with the contributor role of the record's kind — see every item of it.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool

from ..accounts.service import User
from ..db import connection, database_url
from ..errors import NotFound, ServiceUnavailable
from ..records.audit import audit_entry
from ..records.kinds import Kind
from ..records.registry import kind_named
from ..records.workflow import next_status
from ..settings import Settings
from ..store import Store
from ..vocabulary import LICENCE_TERMS, LICENCE_URLS, labels
from . import manifests as iiif
from . import queries, urls
from .register import MediaRequest, parse_record, register_media

log = logging.getLogger("heritage.media")
NOT_QUEUED = "The processing job could not be queued; upload the file again."
LICENCE_LABELS = labels(LICENCE_TERMS)


def is_staff(user: User | None, kind: Kind) -> bool:
    return user is not None and user.has_role(kind.contributor_role)


async def upload(settings: Settings, store: Store, jobs, pool: AsyncConnectionPool, req: MediaRequest) -> int:
    """Register the item (checks, row, original) and queue its ingest. An item never stays
    'queued' with no job behind it: when the queue is unreachable it is marked failed (503)."""

    def register() -> int:
        with psycopg.connect(database_url(settings)) as conn:
            return register_media(conn, store, req)

    media_id = await run_in_threadpool(register)
    try:
        await jobs.ingest_media(media_id)
    except Exception as exc:
        log.exception("media %s: the ingest job could not be queued", media_id)
        async with connection(pool) as conn:
            await conn.execute(queries.FAILED, (NOT_QUEUED, media_id))
        raise ServiceUnavailable("The processing queue is not reachable right now; try again shortly.") from exc
    return media_id


def present(row: dict[str, Any], base: str = "") -> dict[str, Any]:
    """An item as the API and pages show it: its fields, licence labels and URLs."""
    item = dict(row)
    facts = item.get("facts") or {}
    code = item["licence"]
    item.update(
        date=item.pop("date_text"),
        licence_label_vi=LICENCE_LABELS[code][0],
        licence_label_en=LICENCE_LABELS[code][1],
        licence_url=LICENCE_URLS[code],
        width=facts.get("width"),
        height=facts.get("height"),
        duration=facts.get("duration"),
        url=f"/api/media/{item['id']}",
        **urls.item_urls(item, base),
    )
    item.setdefault("state", "done")
    for moment in ("created_at", "updated_at"):
        if item.get(moment) is not None:
            item[moment] = item[moment].isoformat()
    return item


async def _fetch_one(conn, statement, params) -> dict[str, Any] | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(statement, params)
    return await cur.fetchone()


async def _fetch_all(conn, statement, params) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(statement, params)
    return await cur.fetchall()


async def get_item(pool: AsyncConnectionPool, media_id: int, user: User | None) -> dict[str, Any]:
    """One item: public ones for anybody, the others for the staff of the record's kind."""
    async with connection(pool) as conn:
        row = await _fetch_one(conn, queries.ONE_STAFF, (media_id,))
        if row is not None and not is_staff(user, kind_named(row["record_type"])):
            row = await _fetch_one(conn, queries.ONE_PUBLIC, (media_id,))
    if row is None:
        raise NotFound(f"No media item {media_id}.")
    return present(row)


async def media_for_record(
    pool: AsyncConnectionPool, record_type: str, record_id: str | int, *, user: User | None = None, base_url: str = ""
) -> list[dict[str, Any]]:
    """The items of a record, in order, as ``user`` may see them (None: the public). For pages
    (media.contract: H3) and ``GET /api/media?record=``."""
    kind = kind_named(record_type)
    if kind is None:
        raise NotFound(f"No kind of record '{record_type[:40]}'.")
    staff = is_staff(user, kind)
    statement = queries.OF_RECORD_STAFF if staff else queries.OF_RECORD_PUBLIC
    async with connection(pool) as conn:
        rows = await _fetch_all(conn, statement, (kind.name, str(record_id)))
    return [present(row, base_url) for row in rows]


async def list_for_record(pool: AsyncConnectionPool, record: str, user: User | None) -> tuple[dict[str, Any], bool]:
    """({record, items, manifest}, whether the asker sees it as staff: then it must not be cached)."""
    kind, record_id = parse_record(record)
    items = await media_for_record(pool, kind.name, record_id, user=user)
    has_canvas = any(i["media_type"] != "model" and i.get("version") for i in items)
    manifest = iiif.manifest_path(kind.name, record_id) if has_canvas else None
    return {"record": f"{kind.name}:{record_id}", "items": items, "manifest": manifest}, is_staff(user, kind)


async def review(pool: AsyncConnectionPool, media_id: int, action: str, user: User, reason: str | None) -> str:
    """submit / approve / reject / withdraw, by the rules of every record (records.workflow)."""
    async with connection(pool) as conn, conn.transaction():
        row = await (await conn.execute(queries.LOCK_FOR_REVIEW, (media_id,))).fetchone()
        kind = kind_named(row[1]) if row else None
        if row is None or not is_staff(user, kind):
            raise NotFound(f"No media item {media_id}.")
        status = row[0]
        target = next_status(
            status, action, has_role=user.has_role, contributor_role=kind.contributor_role, reason=reason
        )
        note = reason.strip() if action == "reject" and reason else None
        await conn.execute(queries.SET_STATUS, (target, note, media_id))
        detail = {"record": f"{row[1]}:{row[2]}", "from": status, "to": target, "reason": note}
        await conn.execute(*audit_entry(user.actor, action, "media", str(media_id), detail))
    return target


async def access(pool: AsyncConnectionPool, media_id: int) -> tuple[int, bool, Kind | None]:
    """(current version, whether the public may see the item, the kind of its record); NotFound
    for no such item. Files of a non-public item are for the staff of that kind only."""
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.ACCESS, (media_id,))).fetchone()
    if row is None:
        raise NotFound(f"No media item {media_id}.")
    version, record_type, public = row
    return version, public, kind_named(record_type)


async def find_item(pool: AsyncConnectionPool, media_id: int) -> dict[str, Any] | None:
    """Staff read of one item in any state (tours check that a node's panorama is theirs)."""
    async with connection(pool) as conn:
        row = await _fetch_one(conn, queries.ONE_STAFF, (media_id,))
    return None if row is None else present(row)


# IIIF documents -----------------------------------------------------------------------------------


async def record_manifest(
    pool: AsyncConnectionPool, record_type: str, record_id: str, *, user: User | None, base: str
) -> tuple[dict[str, Any], bool]:
    """(manifest, made for staff): the record's published items for the public; its staff also
    see drafts that have been processed. NotFound when nothing can be shown."""
    kind = kind_named(record_type)
    parsed = kind.parse_id(record_id) if kind else None
    if parsed is None:
        raise NotFound("No such record.")
    staff = is_staff(user, kind)
    async with connection(pool) as conn:
        label = await (await conn.execute(queries.record_label(kind, public=not staff), (parsed,))).fetchone()
        if label is None:
            raise NotFound(f"No {kind.label_en.lower()} has the id '{record_id[:100]}'.")
        rows = await _fetch_all(conn, queries.OF_RECORD_STAFF if staff else queries.OF_RECORD_PUBLIC,
                                (kind.name, str(parsed)))  # fmt: skip
    items = [present(row) for row in rows if row["version"]]
    document = iiif.manifest(
        base=base,
        record_type=kind.name,
        record_id=str(parsed),
        label_vi=label[0],
        label_en=label[1],
        items=items,
        homepage=kind.page_url(parsed),
    )
    if document is None:
        raise NotFound("This record has no published images, clips or sound.")
    return document, staff


async def collection(pool: AsyncConnectionPool, scope: str, scope_id: str, *, base: str) -> dict[str, Any]:
    """The collection of a museum (its artefacts) or of a relic (itself, then its artefacts)."""
    async with connection(pool) as conn:
        head = await (await conn.execute(queries.MUSEUM if scope == "museum" else queries.SITE, (scope_id,))).fetchone()
        if head is None:
            raise NotFound(f"No {'museum' if scope == 'museum' else 'published relic'} has the id '{scope_id[:100]}'.")
        listed = []
        if scope == "site" and (await (await conn.execute(queries.SITE_HAS_CANVASES, (scope_id,))).fetchone())[0]:
            listed.append(("site", head[0], head[1], head[2]))
        statement = queries.MUSEUM_ARTEFACTS if scope == "museum" else queries.SITE_ARTEFACTS
        for rid, vi, en in await (await conn.execute(statement, (scope_id,))).fetchall():
            listed.append(("artefact", str(rid), vi, en))
    return iiif.collection(
        base=base, path=f"/iiif/collections/{scope}/{scope_id}.json", label_vi=head[1], label_en=head[2],
        manifests=listed,
    )  # fmt: skip
