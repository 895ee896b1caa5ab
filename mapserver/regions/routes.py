"""The province boundary with its attribution: /api/boundary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..errors import NotFound
from ..web.deps import get_pool
from . import queries

router = APIRouter(prefix="/api", tags=["boundary"])


@router.get(
    "/boundary",
    summary="Province boundary (GeoJSON, WGS 84) with attribution",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
)
async def boundary(pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> Response:
    async with connection(pool) as conn:
        cur = await conn.execute(queries.BOUNDARY_GEOJSON)
        row = await cur.fetchone()
    if row is None:
        raise NotFound("No province boundary is loaded.")
    return Response(row[0], media_type="application/geo+json", headers={"Cache-Control": "public, max-age=3600"})
