"""GET /api/sites/unlocated-by-district: the published relics that have no surveyed position yet,
counted per (historical) district with their names, and where the map may put that district's badge
(its seat, from data/district_seats.csv; none when no sourced seat is known). No relic is given a
point: the badge stands for the district, not for the relics.

Its router must be included before the relics' ``/api/sites/{site_id}`` route, which would take the
path as a relic id otherwise."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..db import connection
from ..web.deps import AppSettings, Pool
from . import queries

router = APIRouter(prefix="/api", tags=["boundary"])
SEATS_FILE = "district_seats.csv"


def district_seats(data_dir: Path) -> dict[str, dict]:
    """admin unit id → {name, lon, lat, accuracy_m, source} of its seat."""
    path = data_dir / SEATS_FILE
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["admin_unit_id"]: {
                "name": row["seat_vi"],
                "lon": float(row["lon"]),
                "lat": float(row["lat"]),
                "accuracy_m": float(row["accuracy_m"]),
                "source": row["source"],
            }
            for row in csv.DictReader(fh)
        }


@router.get("/sites/unlocated-by-district", summary="Relics without a surveyed position, per (historical) district")
async def unlocated_by_district(pool: Pool, settings: AppSettings) -> JSONResponse:
    async with connection(pool) as conn:
        rows = json.loads((await (await conn.execute(queries.UNLOCATED_BY_DISTRICT)).fetchone())[0])
    seats = district_seats(settings.data_dir)
    districts = [{**row, "seat": seats.get(row["id"])} for row in rows]
    body = {"districts": districts, "total": sum(d["count"] for d in districts)}
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=60"})
