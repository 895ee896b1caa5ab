"""Running an impact assessment: the hits in WGS 84 from the database, the summary, and the
features converted to the CRS the planner asked for (through crs/, never ST_Transform)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from psycopg_pool import AsyncConnectionPool
from shapely.geometry import mapping

from crs import Zone

from ..db import connection
from ..geo import crsref
from ..regions import queries as region_queries
from . import impact, queries


@dataclass
class ImpactResult:
    hits: list[dict]  # WGS 84 shapely geometries
    summary: dict[str, Any]
    features: list[dict]  # GeoJSON-like, in the asked CRS
    footprint: dict  # GeoJSON-like, in the asked CRS
    province: Any  # shapely outline or None, for the map


def in_crs(features: list[dict], zone: Zone) -> list[dict]:
    """Shapely WGS 84 geometries -> GeoJSON-like dicts in ``zone`` (one vectorised conversion)."""
    geoms = np.empty(len(features), dtype=object)
    geoms[:] = [f["geometry"] for f in features]
    converted = crsref.geometries_to(geoms, zone)
    return [
        {
            "type": "Feature",
            "id": f["id"],
            "geometry": mapping(g) if g is not None else None,
            "properties": f["properties"],
        }
        for f, g in zip(features, converted)
    ]


async def assess(pool: AsyncConnectionPool, q: impact.ImpactQuery, zone: Zone) -> ImpactResult:
    async with connection(pool) as conn:
        cur = await conn.execute(queries.IMPACT, {"footprint": q.footprint.wkb, "buffer": q.buffer_m})
        rows = await cur.fetchall()
        unlocated = await (await conn.execute(queries.UNLOCATED)).fetchall()
        outline = await (await conn.execute(region_queries.PROVINCE_OUTLINE)).fetchone()
    hits = impact.rows_to_features(rows)
    footprint = {"id": "footprint", "properties": {"buffer_m": q.buffer_m}, "geometry": q.footprint}
    return ImpactResult(
        hits=hits,
        summary=impact.summary(hits, unlocated, q),
        features=in_crs(hits, zone),
        footprint=in_crs([footprint], zone)[0],
        province=shapely.from_wkb(outline[0]) if outline else None,
    )
