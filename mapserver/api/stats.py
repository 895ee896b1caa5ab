"""Digitization progress against the plan: /api/stats (JSON) and /progress (a page for staff and
the public). The sample model is not counted as digitization: only real, published 3D scans are."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..settings import Settings
from .deps import get_pool, get_settings

router = APIRouter(tags=["stats"])
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))

PER_RANK_SQL = """
SELECT s.rank, count(*) AS relics,
       count(*) FILTER (WHERE s.geom IS NOT NULL) AS located,
       count(*) FILTER (WHERE s.location_status = 'surveyed') AS surveyed,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM scans c WHERE c.site_id = s.id AND c.status = 'done'
                                      AND NOT c.sample)) AS with_3d
FROM sites s WHERE s.publication_status = 'published'
GROUP BY s.rank
"""
PER_UNIT_SQL = """
SELECT a.id, a.name_vi, a.valid_to, count(s.id) AS relics,
       count(s.id) FILTER (WHERE s.geom IS NOT NULL) AS located,
       count(s.id) FILTER (WHERE s.location_status = 'surveyed') AS surveyed
FROM admin_units a
JOIN sites s ON a.id = ANY(s.admin_unit_ids) AND s.publication_status = 'published'
GROUP BY a.id, a.name_vi, a.valid_to
ORDER BY a.name_vi
"""
ACTIVITY_SQL = """
SELECT (SELECT count(*) FROM survey_batches), (SELECT coalesce(sum(point_count), 0) FROM survey_batches),
       (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n FROM scans WHERE NOT sample
                                                GROUP BY status) x),
       (SELECT count(*) FROM intangible_elements),
       (SELECT count(*) FROM protection_zones)
"""
RANKS = ("special_national", "national", "provincial", "inventoried")
RANK_NAMES = {"special_national": ("Di tích quốc gia đặc biệt", "Special national relics"),
              "national": ("Di tích quốc gia", "National relics"),
              "provincial": ("Di tích cấp tỉnh", "Provincial relics"),
              "inventoried": ("Di tích kiểm kê (chưa xếp hạng)", "Inventoried, unranked")}


def plan_targets(data_dir: Path) -> dict[str, dict[str, Any]]:
    with open(data_dir / "plan_targets.csv", encoding="utf-8") as fh:
        return {row["group"]: {"target": int(row["target"]), "basis": row["basis"], "source": row["source"]}
                for row in csv.DictReader(fh)}


async def progress(pool: AsyncConnectionPool, data_dir: Path) -> dict[str, Any]:
    targets = plan_targets(data_dir)
    async with connection(pool) as conn:
        per_rank = {r[0]: r for r in await (await conn.execute(PER_RANK_SQL)).fetchall()}
        units = await (await conn.execute(PER_UNIT_SQL)).fetchall()
        batches, points, scans, intangible, zones = await (await conn.execute(ACTIVITY_SQL)).fetchone()
    ranks = []
    for rank in RANKS:
        _, relics, located, surveyed, with_3d = per_rank.get(rank, (rank, 0, 0, 0, 0))
        target = targets.get(rank, {}).get("target")
        if rank == "inventoried":
            # The plan counts every inventoried relic, ranked ones included.
            relics_all = sum(r[1] for r in per_rank.values())
            ranks.append({"rank": rank, "plan_target": target, "in_registry": relics_all, "unranked": relics,
                          "located": sum(r[2] for r in per_rank.values()),
                          "surveyed": sum(r[3] for r in per_rank.values()),
                          "with_3d": sum(r[4] for r in per_rank.values())})
            continue
        ranks.append({"rank": rank, "plan_target": target, "in_registry": relics, "located": located,
                      "surveyed": surveyed, "with_3d": with_3d})
    return {
        "ranks": ranks,
        "districts": [{"id": u[0], "name_vi": u[1], "valid_to": u[2].isoformat() if u[2] else None,
                       "relics": u[3], "located": u[4], "surveyed": u[5]} for u in units],
        "intangible": {"plan_target": targets.get("intangible_national", {}).get("target"),
                       "in_registry": intangible},
        "surveys": {"batches": batches, "points": int(points)},
        "scans": scans or {},
        "protection_zones": zones,
        "targets_source": {k: v["source"] for k, v in targets.items()},
        "note": "Registry counts use current ranks; plan targets are the 2023 basis (1 special national, "
                "28 national, 19 provincial). The generated sample model is not counted as a 3D scan.",
    }


@router.get("/api/stats", summary="Digitization progress of the relics against the plan's targets")
async def stats(pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
                settings: Annotated[Settings, Depends(get_settings)]) -> JSONResponse:
    return JSONResponse(await progress(pool, settings.data_dir), headers={"Cache-Control": "no-cache"})


@router.get("/progress", response_class=HTMLResponse, include_in_schema=False)
async def progress_page(pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
                        settings: Annotated[Settings, Depends(get_settings)]) -> HTMLResponse:
    doc = await progress(pool, settings.data_dir)
    html = _env.get_template("progress.html").render(doc=doc, rank_names=RANK_NAMES,
                                                     doc_json=json.dumps(doc, ensure_ascii=False))
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})
