"""Artefacts over HTTP (the shared record routes) and the museums that keep them."""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..db import connection
from ..records.routes import record_router
from ..web.deps import Pool
from .kind import ARTEFACT

router = record_router(ARTEFACT)
museums_router = APIRouter(prefix="/api", tags=["artefacts"])
MUSEUMS = """
SELECT coalesce(json_agg(json_build_object('id', m.id, 'name_vi', m.name_vi, 'name_en', m.name_en,
       'address_vi', m.address_vi, 'site_id', m.site_id, 'sources', m.sources,
       'artefacts', (SELECT count(*) FROM public_artefacts a WHERE a.museum_id = m.id)) ORDER BY m.id), '[]')::text
FROM museums m
"""


@museums_router.get("/museums", summary="Museums and keeping places, with their number of published artefacts")
async def museums(pool: Pool) -> JSONResponse:
    async with connection(pool) as conn:
        row = await (await conn.execute(MUSEUMS)).fetchone()
    return JSONResponse({"museums": json.loads(row[0])}, headers={"Cache-Control": "public, max-age=300"})
