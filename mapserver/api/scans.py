"""Laser scans: upload (surveyor), status with progress, a relic's scans (public: published only)."""

from __future__ import annotations

import json
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool

from ..auth import User, current_user, require_role
from ..db import connection, database_url
from ..errors import NotFound, ServiceUnavailable, Unprocessable
from ..scans.register import ScanRejected, ScanRequest, parse_anchor, register_scan
from ..settings import Settings
from ..store import make_store
from .deps import get_pool, get_settings
from .uploads import spool_upload

router = APIRouter(prefix="/api", tags=["scans"])


def _register(settings: Settings, req: ScanRequest) -> int:
    with psycopg.connect(database_url(settings)) as conn:
        return register_scan(conn, make_store(settings), req)


SCAN_JSON = """json_build_object(
    'id', s.id, 'site_id', s.site_id, 'label', s.label, 'sample', s.sample, 'kind', s.kind,
    'file_name', s.file_name, 'file_size', s.file_size, 'crs', 'EPSG:' || s.crs_epsg,
    'heights', s.height_system, 'status', s.status, 'progress', round(s.progress::numeric, 3),
    'stage', s.stage, 'error', s.error, 'attempts', s.attempts, 'stats', s.stats,
    'tileset_url', CASE WHEN s.tileset_version IS NOT NULL
                        THEN '/tiles/' || s.id || '/v' || s.tileset_version || '/tileset.json' END,
    'created_at', s.created_at, 'updated_at', s.updated_at)"""


@router.post("/scans", status_code=202, summary="Upload a laser scan and queue its tiling (surveyor)")
async def upload_scan(
    request: Request,
    user: Annotated[User, Depends(require_role("surveyor"))],
    settings: Annotated[Settings, Depends(get_settings)],
    file: Annotated[UploadFile, File(description="LAS/LAZ/PLY/XYZ/CSV/E57 points, OBJ/PLY/GLB/glTF/STL mesh, "
                                                 "or a ZIP of an OBJ with its MTL and textures")],
    site_id: Annotated[str, Form()],
    crs_code: Annotated[str | None, Form(alias="crs", description="e.g. EPSG:5899; LAS may carry its own")] = None,
    heights: Annotated[str, Form(description="normal (VN-2000) or ellipsoidal (WGS 84)")] = "normal",
    anchor: Annotated[str | None, Form(description="E,N,H of the local origin (local-frame scans)")] = None,
    heading: Annotated[float, Form(description="degrees clockwise from grid north to local +y")] = 0.0,
    label: Annotated[str | None, Form()] = None,
    compress: Annotated[bool, Form(description="Draco-compress mesh tiles")] = True,
) -> JSONResponse:
    path = await spool_upload(file, settings.scan_max_bytes)
    try:
        req = ScanRequest(site_id=site_id, file_path=path, file_name=file.filename or "scan", actor=f"user:{user.name}",
                          crs=crs_code or None, heights=heights, anchor=parse_anchor(anchor), heading=heading,
                          label=(label or None), compress=compress)
        scan_id = await run_in_threadpool(_register, settings, req)
    except ScanRejected as exc:
        raise Unprocessable(str(exc)) from None
    finally:
        path.unlink(missing_ok=True)
    try:
        await request.app.state.jobs.tile_scan(scan_id)
    except Exception as exc:
        # Never leave a scan "queued" with no job behind it: say so, and let the client retry.
        async with connection(request.app.state.pool) as conn:
            await conn.execute("UPDATE scans SET status = 'failed', stage = 'failed', error = %s, "
                               "updated_at = now() WHERE id = %s",
                               ("The tiling job could not be queued; upload the scan again.", scan_id))
        raise ServiceUnavailable("The tiling queue is not reachable right now; try again shortly.") from exc
    links = [{"rel": "self", "href": f"/api/scans/{scan_id}"}]
    return JSONResponse({"id": scan_id, "status": "queued", "links": links},
                        status_code=202, headers={"Location": f"/api/scans/{scan_id}"})


@router.get("/scans", summary="Recent scans with their tiling status (surveyor)")
async def list_scans(user: Annotated[User, Depends(require_role("surveyor"))],
                     pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
                     limit: int = 50) -> JSONResponse:
    limit = max(1, min(limit, 500))
    async with connection(pool) as conn:
        cur = await conn.execute(
            f"SELECT coalesce(json_agg(x.j ORDER BY x.id DESC), '[]')::text FROM "
            f"(SELECT s.id, {SCAN_JSON} AS j FROM scans s ORDER BY s.id DESC LIMIT %s) x", (limit,))
        row = await cur.fetchone()
    return JSONResponse({"scans": json.loads(row[0])}, headers={"Cache-Control": "no-store"})


@router.get("/scans/{scan_id}", summary="A scan: status, progress, stats, tileset_url when done")
async def get_scan(scan_id: int, pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
                   user: Annotated[User | None, Depends(current_user)]) -> JSONResponse:
    async with connection(pool) as conn:
        cur = await conn.execute(f"SELECT {SCAN_JSON}::text, s.status, t.sensitive FROM scans s "
                                 "JOIN sites t ON t.id = s.site_id WHERE s.id = %s", (scan_id,))
        row = await cur.fetchone()
    # The public sees finished scans of relics whose location is not sensitive; the rest is staff's.
    if row is None or (user is None and (row[1] != "done" or row[2])):
        raise NotFound(f"No scan {scan_id}.")
    return JSONResponse(json.loads(row[0]), headers={"Cache-Control": "no-store"})


@router.get("/sites/{site_id}/scans", summary="A relic's 3D scans (public: published tilesets only)")
async def site_scans(site_id: str, pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
                     user: Annotated[User | None, Depends(current_user)]) -> JSONResponse:
    public_only = user is None
    async with connection(pool) as conn:
        site = await (await conn.execute("SELECT sensitive FROM sites WHERE id = %s AND publication_status = "
                                         "'published'", (site_id,))).fetchone()
        if site is None:
            raise NotFound(f"No published relic has the id '{site_id[:100]}'.")
        if site[0] and public_only:
            # A 3D scan would show where a sensitive relic really is.
            return JSONResponse({"site_id": site_id, "scans": [], "withheld": "sensitive location"})
        cur = await conn.execute(
            f"SELECT coalesce(json_agg({SCAN_JSON} ORDER BY s.id), '[]')::text FROM scans s "
            "WHERE s.site_id = %s AND (NOT %s OR s.status = 'done')", (site_id, public_only))
        row = await cur.fetchone()
    return JSONResponse({"site_id": site_id, "scans": json.loads(row[0])})
