"""The portal's use cases: what the home page shows, the browse/search listing with its facets,
and the relics nearest a point. Reads only public views; knows nothing of HTTP."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..festivals.kind import FESTIVAL
from ..festivals.routes import today_in_vietnam, upcoming
from ..media import queries as media_queries
from ..media.service import present
from ..media_viewers.section import srcset
from ..records import service as records
from ..records.registry import all_kinds, kind_named
from . import queries

PAGE_SIZE = 50


@dataclass(frozen=True)
class BrowseFilters:
    kind: str | None = None
    q: str = ""
    rank: str | None = None
    district: str | None = None
    museum: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    page: int = 1

    @property
    def period(self) -> bool:
        return self.year_from is not None or self.year_to is not None


@dataclass
class BrowseResult:
    hits: list[dict[str, Any]]
    matched: int
    by_kind: Counter = field(default_factory=Counter)
    by_rank: Counter = field(default_factory=Counter)
    by_district: Counter = field(default_factory=Counter)


async def _rows(pool: AsyncConnectionPool, statement, params) -> list[dict[str, Any]]:
    async with connection(pool) as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(statement, params)
        return await cur.fetchall()


async def browse(pool: AsyncConnectionPool, f: BrowseFilters) -> BrowseResult:
    """Matching public records of every kind that can answer the filters. Facets count the match
    before the type filter, so the type links say how many each type would show."""
    wanted = {"rank": bool(f.rank), "district": bool(f.district), "period": f.period, "museum": bool(f.museum)}
    kinds = tuple(k for k in all_kinds() if k.page_path and queries.answers(k, **wanted))
    if not kinds:
        return BrowseResult([], 0)
    params: dict[str, Any] = {
        "q": f.q,
        "rank": f.rank,
        "district": f.district,
        "museum": f.museum,
        "year_from": f.year_from if f.year_from is not None else -10_000,
        "year_to": f.year_to if f.year_to is not None else 10_000,
        **queries.like_params(f.q),
    }
    rows = await _rows(pool, queries.browse_sql(kinds, tokens=len(f.q.split()), **wanted), params)
    result = BrowseResult([], 0, by_kind=Counter(r["kind"] for r in rows))
    chosen = [r for r in rows if f.kind in (None, r["kind"])]
    result.by_rank = Counter(r["rank"] for r in chosen if r["rank"])
    result.by_district = Counter(u for r in chosen for u in r["admin_unit_ids"] or ())
    by_name = {k.name: k for k in kinds}
    start = (f.page - 1) * PAGE_SIZE
    for row in chosen[start : start + PAGE_SIZE]:
        row["page"] = by_name[row["kind"]].page_url(row["id"])
        result.hits.append(row)
    result.matched = len(chosen)
    return result


async def units_and_museums(pool: AsyncConnectionPool) -> tuple[list[dict], list[dict]]:
    return await _rows(pool, queries.UNITS, None), await _rows(pool, queries.MUSEUMS, None)


async def nearest(pool: AsyncConnectionPool, lon: float, lat: float, limit: int = 20) -> list[dict[str, Any]]:
    return await _rows(pool, queries.NEAREST, {"lon": lon, "lat": lat, "limit": limit})


def _image_fields(item: dict[str, Any]) -> dict[str, Any]:
    """The thumbnail's width and height (from its IIIF size, so the layout does not shift) and srcset."""
    item["srcset"] = srcset(item, limit=800) if item.get("iiif_base") else ""
    kind = kind_named(item["record_type"])
    item["page"] = kind.page_url(item["record_id"]) if kind and kind.page_path else None
    thumb = item.get("thumbnail") or ""
    size = next((s for s in item.get("sizes") or [] if f"/full/{s[0]},{s[1]}/" in thumb), None)
    if size:
        item["thumb_width"], item["thumb_height"] = size
    elif item.get("width") and item.get("height"):
        item["thumb_width"], item["thumb_height"] = 320, max(1, round(320 * item["height"] / item["width"]))
    else:
        item["thumb_width"], item["thumb_height"] = 320, 180
    return item


async def home(pool: AsyncConnectionPool, *, base: str) -> dict[str, Any]:
    featured = await _rows(pool, queries.FEATURED, {"limit": 8})
    latest = sql.SQL(queries.LATEST_MEDIA).format(columns=sql.SQL(media_queries.PUBLIC_COLUMNS))
    media = [_image_fields(present(r)) for r in await _rows(pool, latest, {"limit": 6})]
    items, _ = await records.list_records(
        pool, FESTIVAL, staff=False, filters={}, q=None, statuses=None, limit=10_000, offset=0
    )
    festivals = upcoming(orjson.loads(items), today_in_vietnam(), base)[:6]
    return {"featured": featured, "media": media, "festivals": festivals}
