"""Digitization progress against the plan: /api/stats (JSON) and /progress (a page for staff and
the public). The sample model is not counted as digitization: only real, published 3D scans are."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..vocabulary import RANK_TERMS, RANKS, group_labels
from ..web.deps import AppSettings, Pool
from ..web.pages import REVALIDATE, html_page
from . import queries

router = APIRouter(tags=["stats"])
RANK_NAMES = group_labels(RANK_TERMS)


def plan_targets(data_dir: Path) -> dict[str, dict[str, Any]]:
    with open(data_dir / "plan_targets.csv", encoding="utf-8") as fh:
        return {
            row["group"]: {"target": int(row["target"]), "basis": row["basis"], "source": row["source"]}
            for row in csv.DictReader(fh)
        }


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


@router.get("/api/stats", summary="Digitization progress of the relics against the plan's targets")
async def stats(pool: Pool, settings: AppSettings) -> JSONResponse:
    return JSONResponse(await progress(pool, settings.data_dir), headers={"Cache-Control": "no-cache"})


@router.get("/progress", response_class=HTMLResponse, include_in_schema=False)
async def progress_page(request: Request, pool: Pool, settings: AppSettings) -> HTMLResponse:
    doc = await progress(pool, settings.data_dir)
    return html_page(
        request,
        "progress.html",
        cache=REVALIDATE,
        doc=doc,
        rank_names=RANK_NAMES,
        doc_json=json.dumps(doc, ensure_ascii=False),
    )
