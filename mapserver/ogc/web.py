"""Request-side helpers of the OGC API router: content negotiation, response builders, caching
headers, collection access by role, cached extents and paging links. No routes here."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from psycopg_pool import AsyncConnectionPool

from ..auth import User
from ..db import connection
from ..errors import InvalidParameter, NotFound
from ..settings import Settings
from . import collections as registry
from . import html, query
from .collections import Collection
from .documents import JSON
from .params import single

EXTENT_TTL_S = 10.0


def base_url(request: Request, settings: Settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/") + "/ogc"


def output_format(request: Request, downloads: bool = False) -> str:
    """json, html (or, for features, csv/gpkg downloads): ``f`` decides; otherwise HTML only when
    the client prefers it (browsers), JSON for everyone else."""
    f = single(request.query_params, "f")
    allowed = ("json", "geojson", "html", "csv", "gpkg") if downloads else ("json", "geojson", "html")
    if f is not None:
        if f not in allowed:
            raise InvalidParameter(f"f must be one of {', '.join(allowed)}", parameter="f")
        return "json" if f == "geojson" else f
    return "html" if wants_html(request) else "json"


def wants_html(request: Request) -> bool:
    f = single(request.query_params, "f")
    if f is not None:
        if f in ("json", "geojson"):
            return False
        if f == "html":
            return True
        raise InvalidParameter("f must be json or html", parameter="f")
    accept = request.headers.get("accept", "")
    html_at = accept.find("text/html")
    if html_at < 0:
        return False
    json_at = min(
        (i for i in (accept.find("application/json"), accept.find("application/geo+json")) if i >= 0),
        default=-1,
    )
    return json_at < 0 or html_at < json_at


def role_of(user: User | None) -> str | None:
    return user.role if user is not None else None


def json_response(doc: Any, media_type: str = JSON, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(doc), media_type=media_type, headers=headers)


def html_response(text: str, headers: dict | None = None) -> HTMLResponse:
    return HTMLResponse(
        text,
        headers={"Content-Security-Policy": html.CSP, "X-Content-Type-Options": "nosniff", **(headers or {})},
    )


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
    return c


async def extents(request: Request, pool: AsyncConnectionPool, cols: list[Collection]) -> dict[str, tuple]:
    """Extents per collection, kept EXTENT_TTL_S seconds per process (an exact ST_Extent over a
    large collection is a full scan; the extent does not need to be fresher than that)."""
    cache: dict[str, tuple[float, tuple]] | None = getattr(request.app.state, "ogc_extents", None)
    if cache is None:
        cache = request.app.state.ogc_extents = {}
    now = time.monotonic()
    out: dict[str, tuple] = {}
    missing = [c for c in cols if c.id not in cache or now - cache[c.id][0] > EXTENT_TTL_S]
    if missing:
        async with connection(pool) as conn:
            for c in missing:
                row = await (await conn.execute(query.extent_sql(c))).fetchone()
                cache[c.id] = (now, tuple(row) if row else None)
    for c in cols:
        out[c.id] = cache[c.id][1]
    return out


def page_url(base: str, c: Collection, request: Request, **changes: Any) -> str:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    pairs += [(k, str(v)) for k, v in changes.items() if v is not None]
    url = f"{base}/collections/{c.id}/items"
    return f"{url}?{urlencode(pairs)}" if pairs else url
