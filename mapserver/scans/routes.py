"""Laser scans over HTTP: upload (surveyor), status with progress, a relic's scans (the public sees
finished scans of public, non-sensitive relics only; a surveyor those and their own uploads;
editors and admins every scan)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from ..accounts.deps import CurrentUser, User, require_role
from ..records.routes import ReviewRequest
from ..web.deps import AppSettings, Pool
from ..web.uploads import spool_upload
from . import service
from .register import ScanRequest, parse_anchor

router = APIRouter(prefix="/api", tags=["scans"])
MAX_LIST = 500


@router.post("/scans", status_code=202, summary="Upload a laser scan and queue its tiling (surveyor)")
async def upload_scan(
    request: Request,
    user: Annotated[User, Depends(require_role("surveyor"))],
    settings: AppSettings,
    file: Annotated[
        UploadFile,
        File(
            description="LAS/LAZ/PLY/XYZ/CSV/E57 points, OBJ/PLY/GLB/glTF/STL mesh, "
            "or a ZIP of an OBJ with its MTL and textures"
        ),
    ],
    site_id: Annotated[str, Form()],
    crs_code: Annotated[str | None, Form(alias="crs", description="e.g. EPSG:5899; LAS may carry its own")] = None,
    heights: Annotated[str, Form(description="normal (VN-2000) or ellipsoidal (WGS 84)")] = "normal",
    anchor: Annotated[str | None, Form(description="E,N,H of the local origin (local-frame scans)")] = None,
    heading: Annotated[float, Form(description="degrees clockwise from grid north to local +y")] = 0.0,
    label: Annotated[str | None, Form()] = None,
    compress: Annotated[bool, Form(description="Draco-compress mesh tiles")] = True,
) -> JSONResponse:
    path = await spool_upload(file, settings.scan_max_bytes)
    state = request.app.state
    try:
        req = ScanRequest(
            site_id=site_id,
            file_path=path,
            file_name=file.filename or "scan",
            actor=user.actor,
            crs=crs_code or None,
            heights=heights,
            anchor=parse_anchor(anchor),
            heading=heading,
            label=(label or None),
            compress=compress,
            needs_review=not user.has_role("editor"),
        )
        scan_id = await service.upload(settings, state.store, state.jobs, state.pool, req)
    finally:
        path.unlink(missing_ok=True)
    links = [{"rel": "self", "href": f"/api/scans/{scan_id}"}]
    return JSONResponse(
        {"id": scan_id, "status": "queued", "links": links},
        status_code=202,
        headers={"Location": f"/api/scans/{scan_id}"},
    )


@router.get("/scans", summary="Recent scans with their tiling status (surveyor: their own; editor: all)")
async def list_scans(
    user: Annotated[User, Depends(require_role("surveyor"))], pool: Pool, limit: int = 50
) -> JSONResponse:
    scans = await service.recent(pool, max(1, min(limit, MAX_LIST)), user)
    return JSONResponse({"scans": json.loads(scans)}, headers={"Cache-Control": "no-store"})


@router.get("/scans/{scan_id}", summary="A scan: status, progress, stats, tileset_url when done")
async def get_scan(scan_id: int, pool: Pool, user: CurrentUser) -> JSONResponse:
    scan = await service.one(pool, scan_id, user)
    return JSONResponse(json.loads(scan), headers={"Cache-Control": "no-store"})


@router.get("/sites/{site_id}/scans", summary="A relic's 3D scans (public: published tilesets only)")
async def site_scans(site_id: str, pool: Pool, user: CurrentUser) -> JSONResponse:
    scans, withheld = await service.of_site(pool, site_id, user)
    if withheld:
        # A 3D scan would show where a sensitive relic really is.
        return JSONResponse({"site_id": site_id, "scans": [], "withheld": "sensitive location"})
    return JSONResponse({"site_id": site_id, "scans": json.loads(scans)})


@router.post("/scans/{scan_id}/review", summary="Approve or reject a scan for the public (editor)")
async def review_scan(
    scan_id: int, body: ReviewRequest, pool: Pool, editor: Annotated[User, Depends(require_role("editor"))]
) -> JSONResponse:
    status = await service.review(pool, scan_id, body.action, editor, body.reason)
    return JSONResponse({"id": scan_id, "review_status": status})
