"""Digitization progress against the plan.

* ``/progress?year=&lang=``: the plan's dashboard (stats.figures, the same figures as the annual
  report), as at the end of the chosen year; ``?f=json`` or ``Accept: application/json`` gives its
  JSON, which ``/api/progress?year=`` also serves.
* ``/api/stats``: the public registry as published today (the public view only): relics per rank and
  per district. The sample model is not counted as digitization: only real, published 3D scans are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from psycopg_pool import AsyncConnectionPool
from starlette.datastructures import QueryParams

from ..db import connection
from ..params import one_of, single, whole_number
from ..vocabulary import RANKS
from ..web.deps import AppSettings, Pool
from ..web.negotiation import prefers_html
from . import figures, pages, queries
from .figures import plan_targets

router = APIRouter(tags=["stats"])
YEAR_HELP = (
    "Figures as at the end of this year (Vietnam time): from the first record's year to the current one (the default)."
)


async def progress(pool: AsyncConnectionPool, data_dir: Path) -> dict[str, Any]:
    targets = plan_targets(data_dir)
    async with connection(pool) as conn:
        per_rank = {r[0]: r for r in await (await conn.execute(queries.PER_RANK)).fetchall()}
        units = await (await conn.execute(queries.PER_UNIT)).fetchall()
        batches, points, scans, intangible, zones = await (await conn.execute(queries.ACTIVITY)).fetchone()
    ranks = []
    for rank in RANKS:
        _, relics, located, surveyed, with_3d = per_rank.get(rank, (rank, 0, 0, 0, 0))
        ranks.append(
            {
                "rank": rank,
                # The plan's inventory figure counts ranked relics too: it belongs to the total row.
                "plan_target": None if rank == "inventoried" else targets.get(rank, {}).get("target"),
                "in_registry": relics,
                "located": located,
                "surveyed": surveyed,
                "with_3d": with_3d,
            }
        )
    everyone = {key: sum(r[key] for r in ranks) for key in ("in_registry", "located", "surveyed", "with_3d")}
    return {
        "ranks": ranks,
        "all_inventoried": {"plan_target": targets.get("inventoried", {}).get("target"), **everyone},
        "districts": [
            {
                "id": u[0],
                "name_vi": u[1],
                "valid_to": u[2].isoformat() if u[2] else None,
                "relics": u[3],
                "located": u[4],
                "surveyed": u[5],
            }
            for u in units
        ],
        "intangible": {"plan_target": targets.get("intangible_national", {}).get("target"), "in_registry": intangible},
        "surveys": {"batches": batches, "points": int(points)},
        "scans": scans or {},
        "protection_zones": zones,
        "targets_source": {k: v["source"] for k, v in targets.items()},
        "note": "Registry counts use current ranks; plan targets are the 2023 basis (1 special national, "
        "28 national, 19 provincial; 219 inventoried relics, ranked ones included). The inventoried row counts "
        "unranked relics only. The generated sample model is not counted as a 3D scan.",
    }


@router.get("/api/stats", summary="The public registry today: published relics per rank and per district")
async def stats(pool: Pool, settings: AppSettings) -> JSONResponse:
    return JSONResponse(await progress(pool, settings.data_dir), headers={"Cache-Control": "no-cache"})


async def _figures(pool: AsyncConnectionPool, params: QueryParams, data_dir: Path) -> tuple[figures.Figures, list[int]]:
    async with connection(pool) as conn:
        current, first = await (await conn.execute(queries.YEARS)).fetchone()
        first = min(first or current, current)
        year = whole_number(single(params, "year"), "year", default=current, minimum=first, maximum=current)
        return await figures.collect_async(conn, year, data_dir), list(range(first, current + 1))


def _json(f: figures.Figures, years: list[int]) -> JSONResponse:
    return JSONResponse(f.as_json() | {"years": years}, headers={"Cache-Control": "no-cache", "Vary": "Accept"})


@router.get("/api/progress", summary="The plan's figures as at the end of a year (the /progress page's data)")
async def progress_json(
    request: Request, pool: Pool, settings: AppSettings, year: str | None = Query(None, description=YEAR_HELP)
) -> JSONResponse:
    return _json(*await _figures(pool, request.query_params, settings.data_dir))


@router.get("/progress", include_in_schema=False)
async def progress_page(request: Request, pool: Pool, settings: AppSettings) -> Response:
    params = request.query_params
    f = single(params, "f")
    # HTML unless JSON is asked for by name or preferred over HTML: browsers and crawlers get the page.
    wants_json = one_of(f, ("html", "json"), "f", "") == "json" or (
        f is None and "application/json" in request.headers.get("accept", "") and not prefers_html(request)
    )
    lang = one_of(single(params, "lang"), pages.LANGS, "lang", "vi")
    found, years = await _figures(pool, params, settings.data_dir)
    if wants_json:
        return _json(found, years)
    response = pages.progress_page(request, found, years, lang)
    response.headers["Vary"] = "Accept"
    return response
