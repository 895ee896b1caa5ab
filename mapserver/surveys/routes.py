"""GNSS survey batches over HTTP: upload (multipart), a batch with its errors, a relic's batches, and
the points back in VN-2000 or WGS 84. Parsing and storing are surveys.ingest's; SQL is queries'.
A surveyor reads only the batches they uploaded (another's is 404); editors and admins read all."""

from __future__ import annotations

import json
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..accounts.deps import User, require_role
from ..db import connection, database_url
from ..errors import NotFound
from ..geo.crsref import parse_crs_param
from ..params import one_of
from ..records.routes import ReviewRequest
from ..web.deps import AppSettings, Pool
from ..web.uploads import spool_upload
from . import queries, review
from .export import point_lines
from .ingest import SurveyRequest, ingest

router = APIRouter(prefix="/api", tags=["surveys"])
Surveyor = Annotated[User, Depends(require_role("surveyor"))]
UPLOAD_SUFFIXES = (".csv", ".txt", ".geojson", ".json")
POINT_FORMATS = ("csv", "geojson")


@router.post("/surveys", status_code=201, summary="Upload GNSS points of a relic (surveyor)")
async def upload_survey(
    request: Request,
    user: Surveyor,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="CSV/TXT (comma or semicolon) or GeoJSON")],
    site_id: Annotated[str, Form(description="The relic the points belong to")],
    crs_code: Annotated[str, Form(alias="crs", description="CRS of the coordinates, e.g. EPSG:5899")],
    heights: Annotated[
        str | None,
        Form(
            description="normal (Hòn Dấu) or ellipsoidal (WGS 84); a VN-2000 file's heights are normal unless "
            "said otherwise, a WGS 84 file with heights must say it"
        ),
    ] = None,
    axis_order: Annotated[
        str | None,
        Form(description="for X/Y columns: north-east or east-north; only needed when the numbers cannot tell"),
    ] = None,
    keep_valid: Annotated[bool, Form(description="store the valid rows even if others fail")] = False,
    set_position: Annotated[str, Form(description="none, mean or marker")] = "none",
    marker: Annotated[str | None, Form(description="point id of the relic's marker")] = None,
) -> JSONResponse:
    path = await spool_upload(file, settings.survey_max_bytes, UPLOAD_SUFFIXES)
    survey = SurveyRequest(
        site_id=site_id,
        crs=crs_code,
        file_path=path,
        file_name=file.filename or "upload.csv",
        actor=user.actor,
        height_system=heights or None,
        axis_order=axis_order or None,
        keep_valid=keep_valid,
        set_position=set_position,
        marker=marker or None,
        needs_review=not user.has_role("editor"),
    )
    store = request.app.state.store

    def run():
        with psycopg.connect(database_url(settings)) as conn:
            return ingest(conn, store, survey)

    try:
        result = await run_in_threadpool(run)
    finally:
        path.unlink(missing_ok=True)
    body = {
        "id": result.batch_id,
        "site_id": site_id,
        "point_count": result.point_count,
        "skipped_rows": result.skipped_rows,
        "errors": [e.as_dict() for e in result.errors],
        "position": result.position,
        # What the file was read as, when it did not say it (VN-2000 heights are normal heights;
        # X/Y ordered from the numbers).
        "height_system": result.height_system,
        "axis_order": result.axis_order,
        "links": [
            {"rel": "self", "href": f"/api/surveys/{result.batch_id}"},
            {"rel": "points", "href": f"/api/surveys/{result.batch_id}/points"},
        ],
    }
    return JSONResponse(body, status_code=201, headers={"Location": f"/api/surveys/{result.batch_id}"})


@router.get("/surveys/{batch_id}", summary="A survey batch with its errors (surveyor)")
async def get_survey(batch_id: int, user: Surveyor, pool: Pool) -> JSONResponse:
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.BATCH, (batch_id, user.own_only, user.own_only))).fetchone()
    if row is None:
        raise NotFound(f"No survey batch {batch_id}.")
    return JSONResponse(json.loads(row[0]))


@router.get("/sites/{site_id}/surveys", summary="Survey batches of a relic (surveyor)")
async def site_surveys(site_id: str, user: Surveyor, pool: Pool) -> JSONResponse:
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.SITE_BATCHES, (site_id, user.own_only, user.own_only))).fetchone()
    return JSONResponse({"site_id": site_id, "surveys": json.loads(row[0])})


@router.get("/surveys/{batch_id}/points", summary="Points of a batch in VN-2000 or WGS 84 (surveyor)")
async def survey_points(
    batch_id: int,
    user: Surveyor,
    pool: Pool,
    crs_code: Annotated[
        str, Query(alias="crs", description="EPSG:5899 (default), EPSG:4326, any VN-2000 zone")
    ] = "EPSG:5899",
    format: Annotated[str, Query(description="csv or geojson")] = "csv",
) -> StreamingResponse:
    zone = parse_crs_param(crs_code, "crs", features_only=False)
    fmt = one_of(format, POINT_FORMATS, "format", "csv")
    async with connection(pool) as conn:
        exists = await (await conn.execute(queries.BATCH_EXISTS, (batch_id, user.own_only, user.own_only))).fetchone()
    if not exists:
        raise NotFound(f"No survey batch {batch_id}.")
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/geo+json"
    filename = f"survey-{batch_id}-{zone.epsg}.{fmt}"
    return StreamingResponse(
        point_lines(pool, batch_id, zone, fmt),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Content-Crs": f"<{zone.uri}>"},
    )


@router.post("/surveys/{batch_id}/review", summary="Approve or reject the position a batch proposes (editor)")
async def review_survey(
    batch_id: int, body: ReviewRequest, pool: Pool, editor: Annotated[User, Depends(require_role("editor"))]
) -> JSONResponse:
    status = await review.decide(pool, batch_id, body.action, editor, body.reason)
    return JSONResponse({"id": batch_id, "review_status": status})
