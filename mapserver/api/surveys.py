"""GNSS survey batches: upload (multipart), summary with errors, points back in VN-2000 or WGS 84."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool

import crs

from ..auth import User, require_role
from ..db import connection, database_url
from ..errors import InvalidParameter, NotFound, Unprocessable
from ..settings import Settings
from ..store import make_store
from ..surveys.ingest import SurveyRejected, SurveyRequest, ingest
from .deps import get_pool, get_settings
from .uploads import spool_upload

router = APIRouter(prefix="/api", tags=["surveys"])
Surveyor = Annotated[User, Depends(require_role("surveyor"))]
UPLOAD_SUFFIXES = (".csv", ".txt", ".geojson", ".json")


def _run_ingest(settings: Settings, request: SurveyRequest):
    with psycopg.connect(database_url(settings)) as conn:
        return ingest(conn, make_store(settings), request)


@router.post("/surveys", status_code=201, summary="Upload GNSS points of a relic (surveyor)")
async def upload_survey(
    user: Surveyor,
    settings: Annotated[Settings, Depends(get_settings)],
    file: Annotated[UploadFile, File(description="CSV/TXT (comma or semicolon) or GeoJSON")],
    site_id: Annotated[str, Form(description="The relic the points belong to")],
    crs_code: Annotated[str, Form(alias="crs", description="CRS of the coordinates, e.g. EPSG:5899")],
    heights: Annotated[str | None, Form(description="normal (VN-2000, Hòn Dấu) or ellipsoidal (WGS 84)")] = None,
    axis_order: Annotated[str | None, Form(description="for X/Y columns: north-east or east-north")] = None,
    keep_valid: Annotated[bool, Form(description="store the valid rows even if others fail")] = False,
    set_position: Annotated[str, Form(description="none, mean or marker")] = "none",
    marker: Annotated[str | None, Form(description="point id of the relic's marker")] = None,
) -> JSONResponse:
    path = await spool_upload(file, settings.survey_max_bytes, UPLOAD_SUFFIXES)
    request = SurveyRequest(site_id=site_id, crs=crs_code, file_path=path,
                            file_name=file.filename or "upload.csv", actor=f"user:{user.name}",
                            height_system=heights or None, axis_order=axis_order or None,
                            keep_valid=keep_valid, set_position=set_position, marker=marker or None)
    try:
        result = await run_in_threadpool(_run_ingest, settings, request)
    except SurveyRejected as exc:
        raise Unprocessable(str(exc), errors=[e.as_dict() for e in exc.errors]) from None
    finally:
        path.unlink(missing_ok=True)
    body = {"id": result.batch_id, "site_id": site_id, "point_count": result.point_count,
            "skipped_rows": result.skipped_rows, "errors": [e.as_dict() for e in result.errors],
            "position": result.position,
            "links": [{"rel": "self", "href": f"/api/surveys/{result.batch_id}"},
                      {"rel": "points", "href": f"/api/surveys/{result.batch_id}/points"}]}
    return JSONResponse(body, status_code=201, headers={"Location": f"/api/surveys/{result.batch_id}"})


BATCH_SQL = """
SELECT json_build_object('id', b.id, 'site_id', b.site_id, 'uploaded_by', b.uploaded_by,
       'crs', 'EPSG:' || b.crs_epsg, 'height_system', b.height_system, 'axis_order', b.axis_order,
       'file_name', b.file_name, 'file_sha256', b.file_sha256, 'file_size', b.file_size,
       'point_count', b.point_count, 'skipped_rows', b.skipped_rows, 'errors', b.errors,
       'position_set', b.position_set, 'created_at', b.created_at)::text
FROM survey_batches b WHERE b.id = %s
"""


@router.get("/surveys/{batch_id}", summary="A survey batch with its errors (surveyor)")
async def get_survey(batch_id: int, user: Surveyor,
                     pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> JSONResponse:
    async with connection(pool) as conn:
        row = await (await conn.execute(BATCH_SQL, (batch_id,))).fetchone()
    if row is None:
        raise NotFound(f"No survey batch {batch_id}.")
    return JSONResponse(json.loads(row[0]))


@router.get("/sites/{site_id}/surveys", summary="Survey batches of a relic (surveyor)")
async def site_surveys(site_id: str, user: Surveyor,
                       pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> JSONResponse:
    async with connection(pool) as conn:
        cur = await conn.execute(
            "SELECT coalesce(json_agg(json_build_object('id', id, 'point_count', point_count, "
            "'created_at', created_at, 'file_name', file_name) ORDER BY id), '[]')::text "
            "FROM survey_batches WHERE site_id = %s", (site_id,))
        row = await cur.fetchone()
    return JSONResponse({"site_id": site_id, "surveys": json.loads(row[0])})


def _fmt(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


@router.get("/surveys/{batch_id}/points", summary="Points of a batch in VN-2000 or WGS 84 (surveyor)")
async def survey_points(
    batch_id: int, user: Surveyor, pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
    crs_code: Annotated[str, Query(alias="crs", description="EPSG:5899 (default), EPSG:4326, any VN-2000 zone")]
    = "EPSG:5899",
    format: Annotated[str, Query(description="csv or geojson")] = "csv",
) -> StreamingResponse:
    try:
        zone = crs.parse_crs(crs_code)
    except (crs.UnsupportedCRS, ValueError):
        raise InvalidParameter(f"unsupported CRS '{crs_code[:60]}'", parameter="crs") from None
    if zone.kind == "geocentric":
        raise InvalidParameter("choose a geographic or projected CRS", parameter="crs")
    if format not in ("csv", "geojson"):
        raise InvalidParameter("must be csv or geojson", parameter="format")
    async with connection(pool) as conn:
        exists = await (await conn.execute("SELECT 1 FROM survey_batches WHERE id = %s", (batch_id,))).fetchone()
    if not exists:
        raise NotFound(f"No survey batch {batch_id}.")
    generator = _point_lines(pool, batch_id, zone, format)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/geo+json"
    filename = f"survey-{batch_id}-{zone.epsg}.{format}"
    return StreamingResponse(generator, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Crs": f"<{zone.uri}>"})


async def _point_lines(pool: AsyncConnectionPool, batch_id: int, zone: crs.Zone, fmt: str) -> AsyncIterator[str]:
    geographic = zone.kind == "geographic"
    decimals = 9 if geographic else 3
    names = ("lon", "lat") if geographic else ("easting", "northing")
    if fmt == "csv":
        yield f"point,code,{names[0]},{names[1]},h_normal,h_ellipsoidal,accuracy_m,observed_at\n"
    else:
        yield ('{"type":"FeatureCollection","crs_note":"coordinates in ' + zone.srs +
               ', height = h_normal (VN-2000) for VN-2000 output, h_ellipsoidal (WGS 84) for WGS 84",'
               '"features":[')
    first = True
    async with pool.connection() as conn, conn.transaction():
        async with conn.cursor(name=f"points_{batch_id}") as cur:
            await cur.execute(
                "SELECT point_id, code, lon, lat, e_vn2000, n_vn2000, h_normal, h_ellipsoidal, accuracy_m, "
                "observed_at FROM survey_points WHERE batch_id = %s ORDER BY row_number", (batch_id,))
            while rows := await cur.fetchmany(20_000):
                lon = [r[2] for r in rows]
                lat = [r[3] for r in rows]
                if zone.epsg == 5899:
                    xs, ys = [r[4] for r in rows], [r[5] for r in rows]
                elif zone.datum == "WGS84" and geographic:
                    xs, ys = lon, lat
                else:
                    xs, ys = (a.tolist() for a in crs.from_wgs84(lon, lat, zone))
                out = []
                for r, x, y in zip(rows, xs, ys):
                    if fmt == "csv":
                        out.append(",".join((_csv(r[0]), _csv(r[1] or ""), _fmt(x, decimals), _fmt(y, decimals),
                                             _fmt(r[6], 3), _fmt(r[7], 3), _fmt(r[8], 3),
                                             r[9].isoformat() if r[9] else "")) + "\n")
                    else:
                        height = r[7] if zone.datum == "WGS84" else r[6]
                        coords = [round(x, decimals), round(y, decimals)]
                        if height is not None:
                            coords.append(round(height, 3))
                        feature = {"type": "Feature", "id": r[0], "geometry": {"type": "Point", "coordinates": coords},
                                   "properties": {"point": r[0], "code": r[1], "h_normal": r[6],
                                                  "h_ellipsoidal": r[7], "accuracy_m": r[8],
                                                  "observed_at": r[9].isoformat() if r[9] else None}}
                        out.append(("" if first else ",") + json.dumps(feature, ensure_ascii=False))
                        first = False
                yield "".join(out)
    if fmt == "geojson":
        yield "]}"


def _csv(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    # Excel runs cells starting with = + - @ as formulas: neutralise them.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
