"""Use cases of relics: search and read what the public may see; edit a record (attributes,
publication, position) in one transaction with its audit entry and position history."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..errors import InvalidParameter, NotFound
from ..records import links
from ..records import service as records
from ..records.audit import audit_entry
from ..web.epoch_cache import EpochCache, current_mark
from . import queries
from .kind import SITE
from .params import SiteQuery

# Attributes an editor may change, in the order they are written.
EDITABLE = (
    "name_vi",
    "name_en",
    "rank",
    "category",
    "decision_no",
    "decision_date",
    "decision_issuer",
    "address_vi",
    "sources",
    "notes",
    "publication_status",
    "sensitive",
)
NOT_EMPTY = ("name_vi", "rank", "publication_status", "sensitive")


async def search(
    pool: AsyncConnectionPool, query: SiteQuery, cache: EpochCache | None = None
) -> tuple[bytes, int, int]:
    """(features as UTF-8 GeoJSON joined by commas, number returned, number matched) of one page:
    one statement (queries.page_sql), results in binary so the features arrive as bytes; kept in
    ``cache`` until the public relics change (web.epoch_cache)."""
    page_statement, page_params = queries.page_sql(query)
    async with connection(pool) as conn:
        if cache is None:
            return await _search_page(conn, query, page_statement, page_params)
        mark = await current_mark(conn)
        key = (page_statement.as_string(None), repr(page_params))
        page = cache.get(key, mark)
        if page is None:
            page = await _search_page(conn, query, page_statement, page_params)
            cache.put(key, mark, page, len(page[0]) + 200)
        return page


async def _search_page(conn, query: SiteQuery, page_statement, page_params) -> tuple[bytes, int, int]:
    matched, returned, features = await (await conn.execute(page_statement, page_params, binary=True)).fetchone()
    if matched is None:  # an empty page: counted apart only when it lies past the end
        matched = 0
        if query.offset:
            count_statement, count_params = queries.count_sql(query)
            matched = (await (await conn.execute(count_statement, count_params)).fetchone())[0]
    return bytes(features), returned, matched


async def public_feature_text(pool: AsyncConnectionPool, site_id: str) -> str:
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.detail_sql(), (site_id,))).fetchone()
    if row is None:
        raise NotFound(f"No published relic has the id '{site_id[:100]}'.")
    return row[0]


async def public_feature_with_links(pool: AsyncConnectionPool, site_id: str) -> dict[str, Any]:
    """The public record with its links to other public records (artefacts, festivals, documents …)."""
    feature = orjson.loads(await public_feature_text(pool, site_id))
    async with connection(pool) as conn:
        feature["properties"]["links"] = await links.of(conn, "site", site_id, public=True)
    return feature


async def public_feature(pool: AsyncConnectionPool, site_id: str) -> dict[str, Any] | None:
    try:
        return orjson.loads(await public_feature_text(pool, site_id))
    except NotFound:
        return None


async def public_list(pool: AsyncConnectionPool, rank_order: tuple[str, ...]) -> list[tuple]:
    async with connection(pool) as conn:
        return await (await conn.execute(queries.PUBLIC_BY_RANK, (list(rank_order),))).fetchall()


async def edit(
    pool: AsyncConnectionPool,
    site_id: str,
    *,
    changes: dict[str, Any],
    position: dict | None,
    actor: str,
    request_json: dict[str, Any],
) -> str:
    """Apply an editor's changes; returns the relic's feature as the editor now sees it."""
    for name in NOT_EMPTY:
        if name in changes and changes[name] is None:
            raise InvalidParameter(f"{name} cannot be emptied", parameter=name)
    async with connection(pool) as conn, conn.transaction():
        before = await (await conn.execute(queries.RECORD_FOR_UPDATE, (site_id,))).fetchone()
        if before is None:
            raise NotFound(f"No relic has the id '{site_id[:100]}'.")
        if changes:
            await conn.execute(queries.update_attributes(changes), [*changes.values(), site_id])
        if position is not None:
            for statement, values in queries.move_statements(site_id, actor=actor, **position):
                await conn.execute(statement, values)
        await conn.execute(*audit_entry(actor, "edit", "site", site_id, {"before": before[0], "changes": request_json}))
        await records.snapshot(conn, SITE, site_id, "edit", actor, audit=False)
        return (await (await conn.execute(queries.staff_detail_sql(), (site_id,))).fetchone())[0]
