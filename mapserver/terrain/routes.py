"""Terrain, imagery and basemap over HTTP.

* ``GET /api/terrain``: the current terrain (layer.json URL), the orthophoto layers and the basemap,
  each with its versioned URL — what the viewer needs to show them (public: only built layers).
* ``GET/POST /api/terrain/layers`` (editor reads, admin adds), ``GET /api/terrain/layers/{id}``: the
  rasters and their build jobs.
* ``/terrain/v{build}/…``, ``/imagery/{id}/v{n}/…``, ``/basemap/{version}/…``: files of the store,
  sent by the 3D tiles' file server (tiles.routes: ETag/304, ranges, CORS, a year of immutable
  caching). Terrain tiles are stored gzipped and sent as ``Content-Encoding: gzip`` with Cesium's
  ``application/vnd.quantized-mesh`` type. A basemap tile that was not drawn because it is all sea
  or all land is answered with the nearest plain ``.fill.png`` tile above it.
"""

from __future__ import annotations

import os
import re
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..accounts.deps import User, require_role
from ..db import database_url
from ..errors import NotFound, ServiceUnavailable, Unprocessable
from ..media.delivery import StoredFile
from ..store import StoreError, check_key
from ..tiles.routes import _locate
from ..web.deps import AppSettings, Pool
from ..web.uploads import spool_upload
from . import service

router = APIRouter(tags=["terrain"])
NO_TILE = "No such tile."
QUANTIZED_MESH = b"application/vnd.quantized-mesh"
TILE_PATH = re.compile(r"^(\d{1,2})/(\d{1,7})/(\d{1,7})\.png$")
NOT_QUEUED = "The build job could not be queued; add the raster again."


def _published(request: Request) -> service.PublishedRasters:
    state = request.app.state
    if getattr(state, "published_rasters", None) is None:
        state.published_rasters = service.PublishedRasters()
    return state.published_rasters


@router.get("/api/terrain", summary="Terrain, orthophoto and basemap layers of the map, with their URLs")
async def terrain_layers(pool: Pool) -> JSONResponse:
    return JSONResponse(await service.viewer_layers(pool), headers={"Cache-Control": "public, max-age=60"})


@router.get("/api/terrain/layers", summary="Every raster layer with its build status (editor)")
async def list_layers(pool: Pool, user: Annotated[User, Depends(require_role("editor"))]) -> JSONResponse:
    return JSONResponse({"layers": await service.all_layers(pool)}, headers={"Cache-Control": "no-store"})


@router.get("/api/terrain/layers/{layer_id}", summary="A raster layer: status, progress, what was built (editor)")
async def get_layer(layer_id: int, pool: Pool, user: Annotated[User, Depends(require_role("editor"))]) -> JSONResponse:
    return JSONResponse(await service.one_layer(pool, layer_id), headers={"Cache-Control": "no-store"})


@router.post("/api/terrain/layers", status_code=202, summary="Add a DEM or an orthophoto and queue its build (admin)")
async def add_layer(
    user: Annotated[User, Depends(require_role("admin"))],
    settings: AppSettings,
    request: Request,
    file: Annotated[UploadFile, File(description="GeoTIFF / COG: a DEM (terrain) or an 8-bit orthophoto (imagery)")],
    kind: Annotated[str, Form(description="terrain or imagery")],
    crs_code: Annotated[str | None, Form(alias="crs", description="e.g. EPSG:5899; default: the file's")] = None,
    heights: Annotated[str | None, Form(description="terrain: normal (VN-2000) or ellipsoidal (WGS 84)")] = None,
    label: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    path = await spool_upload(file, settings.scan_max_bytes, service.SUFFIXES)
    req = service.RasterRequest(
        kind=kind,
        file_path=path,
        file_name=file.filename or "raster.tif",
        actor=user.actor,
        crs=crs_code or None,
        heights=(heights or "normal") if kind == "terrain" else heights,
        label=label or None,
    )
    store = request.app.state.store
    try:
        layer_id = await run_in_threadpool(_register, settings, store, req)
    except service.RasterRejected as exc:
        raise Unprocessable(str(exc), parameter="file") from None
    finally:
        path.unlink(missing_ok=True)
    from .jobs import defer_build_sync, mark_failed

    try:
        await run_in_threadpool(defer_build_sync, database_url(settings), layer_id)
    except Exception as exc:
        await run_in_threadpool(mark_failed, settings, layer_id, NOT_QUEUED)
        raise ServiceUnavailable("The build queue is not reachable right now; try again shortly.") from exc
    href = f"/api/terrain/layers/{layer_id}"
    return JSONResponse(
        {"id": layer_id, "status": "queued", "links": [{"rel": "self", "href": href}]},
        status_code=202,
        headers={"Location": href},
    )


def _register(settings, store, req: service.RasterRequest) -> int:
    import psycopg

    with psycopg.connect(database_url(settings)) as conn:
        return service.register_raster(conn, store, req)


async def _stored(request: Request, key: str):
    try:
        check_key(key)
    except StoreError:
        return None
    return await _locate(request.app.state.store, key)


async def _exists(request: Request, key: str) -> bool:
    obj = await _stored(request, key)
    if obj is not None and obj.fd is not None:
        os.close(obj.fd)
    return obj is not None


async def _send_if(request: Request, key: str, allowed, overrides: dict[bytes, bytes] | None = None) -> Response:
    obj = await _stored(request, key)  # the file first: a wrong path costs no query
    if obj is None:
        raise NotFound(NO_TILE)
    try:
        ok = await allowed()
    except BaseException:
        if obj.fd is not None:
            os.close(obj.fd)
        raise
    if not ok:
        if obj.fd is not None:
            os.close(obj.fd)
        raise NotFound(NO_TILE)
    # the tile server's answer, with its type (and encoding) set as media files do
    response = StoredFile(key, obj, public=True, media_type=None)
    response.overrides.update(overrides or {})
    return response


@router.api_route("/terrain/v{build_id}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def terrain_file(build_id: int, path: str, request: Request, pool: Pool) -> Response:
    overrides = {b"content-type": QUANTIZED_MESH, b"content-encoding": b"gzip"} if path.endswith(".terrain") else {}
    return await _send_if(
        request, f"terrain/v{build_id}/{path}", lambda: _published(request).terrain(pool, build_id), overrides
    )


@router.api_route("/imagery/{layer_id}/v{version}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def imagery_file(layer_id: int, version: int, path: str, request: Request, pool: Pool) -> Response:
    return await _send_if(
        request, f"imagery/{layer_id}/v{version}/{path}", lambda: _published(request).imagery(pool, layer_id, version)
    )


@router.api_route("/basemap/{version}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def basemap_file(version: str, path: str, request: Request, pool: Pool) -> Response:
    prefix = f"basemap/{version}"
    allowed = lambda: _published(request).basemap(pool, version)  # noqa: E731
    match = TILE_PATH.match(path)
    if match is None or await _exists(request, f"{prefix}/{path}"):
        return await _send_if(request, f"{prefix}/{path}", allowed)
    z, x, y = (int(v) for v in match.groups())
    # Not drawn: the tile lies inside a plain (all sea / all land) tile at this level or above.
    while z >= 0:
        key = f"{prefix}/{z}/{x}/{y}.fill.png"
        if await _exists(request, key):
            return await _send_if(request, key, allowed)
        z, x, y = z - 1, x >> 1, y >> 1
    raise NotFound(NO_TILE)
