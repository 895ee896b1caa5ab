"""Request-side helpers of the OGC API router: base URL, JSON responses, caching headers, collection
access by role, cached extents and paging links. No routes here."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import Response
from psycopg_pool import AsyncConnectionPool
from starlette.datastructures import QueryParams

from ..accounts.service import User
from ..db import connection
from ..errors import NotFound
from ..settings import Settings
from ..web.pages import html_response
from . import collections as registry
from . import query
from .collections import Collection
from .documents import JSON

EXTENT_TTL_S = 10.0


def base_url(request: Request, settings: Settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/") + "/ogc"


def role_of(user: User | None) -> str | None:
    return user.role if user is not None else None


def json_response(doc: Any, media_type: str = JSON, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(doc), media_type=media_type, headers=headers)


def vary(private: bool) -> dict[str, str]:
    """Content negotiation varies on Accept; what a user may see varies on who they are."""
    headers = {"Vary": "Accept, Authorization, Cookie"}
    if private:
        headers["Cache-Control"] = "private, no-store"
    return headers


def find_collection(collection_id: str, user: User | None) -> Collection:
    c = registry.find(collection_id, role_of(user))
    if c is None:
        raise NotFound(f"There is no collection '{collection_id[:60]}'.")
    return registry.narrowed(c, user.own_only if user is not None else None)


def visible_collections(user: User | None) -> list[Collection]:
    owner = user.own_only if user is not None else None
    return [registry.narrowed(c, owner) for c in registry.visible(role_of(user))]


async def extents(request: Request, pool: AsyncConnectionPool, cols: list[Collection]) -> dict[str, tuple]:
    """Extents per collection, kept EXTENT_TTL_S seconds per process (an exact ST_Extent over a
    large collection is a full scan; the extent does not need to be fresher than that)."""
    cache: dict[tuple[str, str], tuple[float, tuple]] = request.app.state.ogc_extents
    now = time.monotonic()
    out: dict[str, tuple] = {}
    # keyed by the narrowed condition too: a surveyor's extent covers only their own points
    missing = [
        c for c in cols if (c.id, c.where_sql) not in cache or now - cache[(c.id, c.where_sql)][0] > EXTENT_TTL_S
    ]
    if missing:
        async with connection(pool) as conn:
            for c in missing:
                row = await (await conn.execute(query.extent_sql(c))).fetchone()
                cache[(c.id, c.where_sql)] = (now, tuple(row) if row else None)
    for c in cols:
        out[c.id] = cache[(c.id, c.where_sql)][1]
    return out


async def queryable_enums(pool: AsyncConnectionPool, c: Collection) -> dict[str, list[str]]:
    """The allowed values of the queryables whose values are data (a dozen administrative units)."""
    out: dict[str, list[str]] = {}
    props = [p for p in c.properties if p.enum_sql]
    if props:
        async with connection(pool) as conn:
            for p in props:
                out[p.name] = [row[0] for row in await (await conn.execute(p.enum_sql)).fetchall()]
    return out


def page_pairs(params: QueryParams, **changes: Any) -> list[tuple[str, str]]:
    """The parameters of this page with some changed (another offset, format …)."""
    pairs = [(k, v) for k, v in params.multi_items() if k not in changes]
    return pairs + [(k, str(v)) for k, v in changes.items() if v is not None]


def page_url(base: str, c: Collection, params: QueryParams, **changes: Any) -> str:
    pairs = page_pairs(params, **changes)
    url = f"{base}/collections/{c.id}/items"
    return f"{url}?{urlencode(pairs)}" if pairs else url


def ogc_html(text: str, headers: dict | None = None):
    """An OGC HTML view: no scripts, the caching of the JSON twin (``vary``)."""
    return html_response(text, cache=None, headers=headers)
