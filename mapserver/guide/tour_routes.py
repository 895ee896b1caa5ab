"""Narration of virtual tours over HTTP, beside the records' narration (guide.routes includes this
router first, so ``/narration/tour/…`` never reaches the records' ``/narration/{kind}/{id}``):

* ``GET|HEAD /api/guide/narration/tour/{id}`` → the tour's introduction (title and description)
* ``GET|HEAD /api/guide/narration/tour/{id}/{stop}`` → one stop (room) of it
* ``PUT`` / ``DELETE`` on the same paths (editor, multipart ``file``): a recorded voice replaces the
  generated one, or is removed

Served only while the tour is published and the stop is one of its rooms: a withdrawn tour, or a
room taken out of it, answers 404 at once (its files stay in the store for players caching them).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from ..accounts.deps import User, require_role
from ..db import connection, database_url
from ..errors import InvalidParameter, NotFound
from ..tours.graph import NODE_ID
from ..tours.kind import TOUR
from ..web.deps import AppSettings, AppStore, Pool
from ..web.uploads import spool_upload
from . import queries
from .audio_http import audio_response
from .narration.audio import RECORDED_MAX_BYTES, current, keep_recorded
from .narration.tours import KIND, folder, row_id

router = APIRouter(prefix="/narration/tour", tags=["guide"])
Editor = Annotated[User, Depends(require_role("editor"))]
STOP = re.compile(NODE_ID)


def _ids(tour_id: str, stop_id: str | None) -> tuple[str, str | None]:
    if TOUR.parse_id(tour_id) is None or (stop_id is not None and not STOP.fullmatch(stop_id)):
        raise NotFound("No such tour or stop.")
    return tour_id, stop_id


async def _published(conn, tour_id: str, stop_id: str | None) -> bool:
    found = await conn.execute(queries.PUBLIC_TOUR_STOP, (tour_id, stop_id, stop_id))
    return await found.fetchone() is not None


async def _serve(request: Request, pool, store, tour_id: str, stop_id: str | None) -> Response:
    tour_id, stop_id = _ids(tour_id, stop_id)
    async with connection(pool) as conn:
        found = None
        if await _published(conn, tour_id, stop_id):
            rows = await (await conn.execute(queries.NARRATION, (KIND, row_id(tour_id, stop_id)))).fetchall()
            found = current(rows)
    return await audio_response(request, store, found)


# HEAD apart and out of the OpenAPI document, as for the records' narration (one operation id each).
@router.head("/{tour_id}", include_in_schema=False)
@router.get("/{tour_id}", summary="A tour's introduction, spoken")
async def tour_narration(tour_id: str, request: Request, pool: Pool, store: AppStore) -> Response:
    return await _serve(request, pool, store, tour_id, None)


@router.head("/{tour_id}/{stop_id}", include_in_schema=False)
@router.get("/{tour_id}/{stop_id}", summary="The narration of one stop (room) of a tour")
async def stop_narration(tour_id: str, stop_id: str, request: Request, pool: Pool, store: AppStore) -> Response:
    return await _serve(request, pool, store, tour_id, stop_id)


def _save(dsn: str, store, tour_id: str, stop_id: str | None, path: Path, actor: str):
    with psycopg.connect(dsn) as conn:
        version = conn.execute(queries.RECORD_VERSION, (KIND, tour_id)).fetchone()[0]
        where = folder(tour_id, stop_id)
        return keep_recorded(conn, store, KIND, row_id(tour_id, stop_id), where, version, path, actor)


async def _upload(pool, store, settings, user: User, tour_id: str, stop_id: str | None, file: UploadFile):
    tour_id, stop_id = _ids(tour_id, stop_id)
    async with connection(pool) as conn:
        if not await _published(conn, tour_id, stop_id):
            raise NotFound("No published tour has this id, or the tour has no such stop.")
    path = await spool_upload(file, RECORDED_MAX_BYTES)
    try:
        saved = await asyncio.to_thread(_save, database_url(settings), store, tour_id, stop_id, path, user.actor)
    except ValueError as exc:
        raise InvalidParameter(str(exc), parameter="file") from None
    finally:
        path.unlink(missing_ok=True)
    url = f"/api/guide/narration/tour/{row_id(tour_id, stop_id)}"
    return JSONResponse(
        {"source": saved.source, "content_type": saved.content_type, "size_bytes": saved.size_bytes, "url": url},
        status_code=201,
    )


async def _delete(pool, tour_id: str, stop_id: str | None) -> Response:
    tour_id, stop_id = _ids(tour_id, stop_id)
    async with connection(pool) as conn:
        done = await conn.execute(queries.DELETE_NARRATION, (KIND, row_id(tour_id, stop_id), "recorded"))
        if await done.fetchone() is None:
            raise NotFound("This tour or stop has no recorded narration.")
    return Response(status_code=204)


AudioFile = Annotated[UploadFile, File(description="MP3, Ogg/Opus, M4A/AAC or WAV")]


@router.put("/{tour_id}", status_code=201, summary="Replace a tour's introduction by a recording")
async def upload_tour(
    tour_id: str, user: Editor, pool: Pool, store: AppStore, settings: AppSettings, file: AudioFile
) -> JSONResponse:
    return await _upload(pool, store, settings, user, tour_id, None, file)


@router.put("/{tour_id}/{stop_id}", status_code=201, summary="Replace a stop's narration by a recording")
async def upload_stop(
    tour_id: str, stop_id: str, user: Editor, pool: Pool, store: AppStore, settings: AppSettings, file: AudioFile
) -> JSONResponse:
    return await _upload(pool, store, settings, user, tour_id, stop_id, file)


@router.delete("/{tour_id}", status_code=204, summary="Remove a tour's recorded introduction")
async def delete_tour_recording(tour_id: str, user: Editor, pool: Pool) -> Response:
    return await _delete(pool, tour_id, None)


@router.delete("/{tour_id}/{stop_id}", status_code=204, summary="Remove a stop's recorded narration")
async def delete_stop_recording(tour_id: str, stop_id: str, user: Editor, pool: Pool) -> Response:
    return await _delete(pool, tour_id, stop_id)
