"""The panoramas of a tour, read through the media service (tours never query media_items).

A tour's panoramas are media items of type ``panorama`` attached to the tour record itself
(``tour:<id>``), or to the tour's relic; the public sees those in ``public_media`` only.
"""

from __future__ import annotations

from typing import Any

from psycopg_pool import AsyncConnectionPool

from ..accounts.service import User
from ..errors import InvalidParameter, NotFound
from ..media import service as media
from .graph import Graph

PANORAMA = "panorama"


async def available(
    pool: AsyncConnectionPool, tour_id: str, site_id: str | None, *, user: User | None
) -> dict[int, dict[str, Any]]:
    """media id → item, for the panoramas a tour may show (staff: with their drafts)."""
    owners = [("tour", tour_id)] + ([("site", site_id)] if site_id else [])
    out: dict[int, dict[str, Any]] = {}
    for record_type, record_id in owners:
        for item in await media.media_for_record(pool, record_type, record_id, user=user):
            if item["media_type"] == PANORAMA:
                out[int(item["id"])] = item
    return out


async def public_thumbnail(pool: AsyncConnectionPool, media_id: int) -> str | None:
    """The thumbnail of a published panorama, or None."""
    try:
        item = await media.get_item(pool, media_id, None)
    except NotFound:
        return None
    return item.get("thumbnail")


async def check_nodes(pool: AsyncConnectionPool, tour_id: str, site_id: str | None, graph: Graph) -> None:
    """Each room's panorama must be a panorama media item of this tour (or of its relic)."""
    owners = {("tour", tour_id)} | ({("site", site_id)} if site_id else set())
    for i, node in enumerate(graph.nodes):
        item = await media.find_item(pool, node.media_id)
        where = f"nodes[{i}].media_id"
        if item is None:
            raise InvalidParameter(f"no media item has the id {node.media_id}", parameter=where)
        if item["media_type"] != PANORAMA:
            raise InvalidParameter(
                f"media item {node.media_id} is a {item['media_type']}, not a panorama", parameter=where
            )
        if (item["record_type"], str(item["record_id"])) not in owners:
            raise InvalidParameter(f"media item {node.media_id} belongs to another record", parameter=where)
