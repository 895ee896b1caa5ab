"""Liveness and database status: /healthz."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..errors import ServiceUnavailable
from .deps import get_pool

router = APIRouter(tags=["health"])
HEALTH_TIMEOUT_SECONDS = 3.0


@router.get("/healthz", summary="Service and database status")
async def healthz(pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> JSONResponse:
    try:
        async with connection(pool, timeout=HEALTH_TIMEOUT_SECONDS) as conn:
            cur = await conn.execute("SELECT postgis_lib_version(), (SELECT count(*) FROM sites)")
            postgis, sites = await cur.fetchone()
    except ServiceUnavailable:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503,
                            headers={"Retry-After": "5", "Cache-Control": "no-store"})
    return JSONResponse({"status": "ok", "database": "ok", "postgis": postgis, "sites": sites},
                        headers={"Cache-Control": "no-store"})
