"""``GET /api/partners``: partner keys with their limits and usage counts (administrators)."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from ..accounts.deps import User, require_role
from ..web.deps import Pool
from . import service

router = APIRouter(prefix="/api/partners", tags=["partners"])


@router.get("", summary="Partner API keys: rate limits and usage counts (administrators)")
async def partners(admin: Annotated[User, Depends(require_role("admin"))], pool: Pool) -> Response:
    rows = await service.usage_async(pool)
    return Response(
        orjson.dumps({"partners": jsonable_encoder(rows)}),
        media_type="application/json",
        headers={"Cache-Control": "private, no-store"},
    )
