"""Liveness and database status (/healthz) and the vocabulary of the registry (/api/vocabulary).

/healthz tells whether the service and its database answer, nothing about the data: it used to
count every relic, drafts included, which told anyone how many unpublished records exist (and
cost a scan of the table at every probe)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..errors import ServiceUnavailable
from ..vocabulary import as_json
from ..web.deps import get_pool

router = APIRouter(tags=["health"])
HEALTH_TIMEOUT_SECONDS = 3.0
HEALTH_SQL = "SELECT postgis_lib_version()"
HEALTH_SCHEMA = {
    "type": "object",
    "required": ["status", "database"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "database": {"type": "string", "enum": ["ok", "unreachable"]},
        "postgis": {"type": "string"},
    },
}
HEALTH_RESPONSES = {
    200: {"description": "The service and its database answer"},
    503: {
        "description": "The database is not reachable (Retry-After says when to ask again)",
        "content": {"application/json": {"schema": HEALTH_SCHEMA}},
    },
}


@router.get("/healthz", summary="Service and database status", responses=HEALTH_RESPONSES)
async def healthz(pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> JSONResponse:
    try:
        async with connection(pool, timeout=HEALTH_TIMEOUT_SECONDS) as conn:
            cur = await conn.execute(HEALTH_SQL)
            (postgis,) = await cur.fetchone()
    except ServiceUnavailable:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable"},
            status_code=503,
            headers={"Retry-After": "5", "Cache-Control": "no-store"},
        )
    return JSONResponse({"status": "ok", "database": "ok", "postgis": postgis}, headers={"Cache-Control": "no-store"})


@router.get("/api/vocabulary", summary="Codes of ranks, categories and statuses with Vietnamese and English labels")
async def vocabulary() -> JSONResponse:
    return JSONResponse(as_json(), headers={"Cache-Control": "public, max-age=3600"})
