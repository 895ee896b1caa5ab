"""The province boundary with its attribution: /api/boundary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..errors import NotFound
from .deps import get_pool

router = APIRouter(prefix="/api", tags=["boundary"])

BOUNDARY_SQL = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'attribution', a.attribution,
    'features', json_build_array(json_build_object(
        'type', 'Feature', 'id', a.id,
        'geometry', ST_AsGeoJSON(a.geom, 6)::json,
        'properties', json_build_object('id', a.id, 'name_vi', a.name_vi, 'name_en', a.name_en,
                                        'valid_from', a.valid_from, 'valid_to', a.valid_to,
                                        'source', a.source, 'attribution', a.attribution,
                                        'licence', a.licence))))::text
FROM admin_units a
WHERE a.level = 'province' AND a.geom IS NOT NULL
ORDER BY a.id
LIMIT 1
"""


@router.get("/boundary", summary="Province boundary (GeoJSON, WGS 84) with attribution",
            response_class=Response, responses={200: {"content": {"application/geo+json": {}}}})
async def boundary(pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> Response:
    async with connection(pool) as conn:
        cur = await conn.execute(BOUNDARY_SQL)
        row = await cur.fetchone()
    if row is None:
        raise NotFound("No province boundary is loaded.")
    return Response(row[0], media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=3600"})
