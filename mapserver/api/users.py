"""Account administration (admin role): list users."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from ..auth import User, require_role
from ..db import connection
from .deps import get_pool

router = APIRouter(prefix="/api", tags=["users"])


@router.get("/users", summary="Users and roles (admin)")
async def list_users(admin: Annotated[User, Depends(require_role("admin"))],
                     pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> JSONResponse:
    async with connection(pool) as conn:
        cur = await conn.execute(
            "SELECT coalesce(json_agg(json_build_object('name', name, 'role', role, 'disabled', disabled, "
            "'created_at', created_at) ORDER BY name), '[]')::text FROM users")
        row = await cur.fetchone()
    return JSONResponse({"users": json.loads(row[0])})
