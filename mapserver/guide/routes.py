"""The guide's HTTP API (thin: parse → the use case → answer).

* ``POST /api/guide/ask`` ``{"question", "lang"}`` → an answer with citations, or a refusal;
  rate-limited per client address (guide.throttle)
* ``GET|HEAD /api/guide/narration/{kind}/{id}`` → the record's narration (MP3, or the staff
  recording), ETag and byte ranges; only for published records
* ``PUT /api/guide/narration/{kind}/{id}`` (editor, multipart ``file``) → a recorded voice replaces
  the generated one; ``DELETE`` brings the generated one back
* the same for a tour's introduction and stops: ``/api/guide/narration/tour/{id}[/{stop}]``
  (guide.tour_routes)
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Literal

import psycopg
from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ..accounts.deps import User, require_role
from ..db import connection, database_url
from ..errors import InvalidParameter, NotFound, problem_response
from ..web.deps import AppSettings, AppStore, Pool
from ..web.uploads import spool_upload
from . import queries, tour_routes
from .asking import MAX_QUESTION_CHARS, ask, runtime_of
from .audio_http import audio_response
from .narration.audio import RECORDED_MAX_BYTES, current, save_recorded
from .sources import kind_of
from .throttle import take

router = APIRouter(prefix="/api/guide", tags=["guide"])
# Tours' narration first: /narration/{kind}/{id} below would take /narration/tour/{id} for a record.
router.include_router(tour_routes.router)
Editor = Annotated[User, Depends(require_role("editor"))]


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    lang: Literal["vi", "en"] = "vi"


def client_key(request: Request) -> str:
    # Only for the in-memory bucket; never stored or logged.
    return request.client.host if request.client else "unknown"


@router.post("/ask", summary="Ask the virtual guide (answers only from published records, cited)")
async def ask_route(body: Question, request: Request, pool: Pool) -> Response:
    runtime = runtime_of(request.app)
    wait = take(runtime.buckets, client_key(request))
    if wait is not None:
        response = problem_response(
            429, "Too many requests", f"Too many questions; ask again in {wait} s.", request.url.path
        )
        response.headers["Retry-After"] = str(wait)
        return response
    question = body.question.strip()
    if not question:
        raise InvalidParameter("is empty", parameter="question")
    return JSONResponse(await ask(pool, runtime, question, body.lang), headers={"Cache-Control": "no-store"})


def _record(kind_name: str, record_id: str):
    kind = kind_of(kind_name)
    if kind is None or kind.parse_id(record_id) is None:
        raise NotFound("No such record.")
    return kind


async def _public_narration(pool, kind, record_id: str):
    async with connection(pool) as conn:
        if await (await conn.execute(queries.public_row(kind), (record_id,))).fetchone() is None:
            return None
        return current(await (await conn.execute(queries.NARRATION, (kind.name, record_id))).fetchall())


# HEAD is registered apart and left out of the OpenAPI document: one route for both methods would
# give two operations one operation id (FastAPI warns, schemathesis reads the document).
@router.head("/narration/{kind_name}/{record_id}", include_in_schema=False)
@router.get("/narration/{kind_name}/{record_id}", summary="A record's narration")
async def narration(kind_name: str, record_id: str, request: Request, pool: Pool, store: AppStore) -> Response:
    kind = _record(kind_name, record_id)
    return await audio_response(request, store, await _public_narration(pool, kind, record_id))


def _save(dsn: str, store, kind, record_id: str, path: Path, actor: str):
    with psycopg.connect(dsn) as conn:
        return save_recorded(conn, store, kind, record_id, path, actor)


@router.put("/narration/{kind_name}/{record_id}", status_code=201, summary="Replace a narration by a recording")
async def upload_narration(
    kind_name: str,
    record_id: str,
    user: Editor,
    pool: Pool,
    store: AppStore,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="MP3, Ogg/Opus, M4A/AAC or WAV")],
) -> JSONResponse:
    kind = _record(kind_name, record_id)
    async with connection(pool) as conn:
        if await (await conn.execute(queries.public_row(kind), (record_id,))).fetchone() is None:
            raise NotFound("No published record has this id.")
    path = await spool_upload(file, RECORDED_MAX_BYTES)
    try:
        saved = await asyncio.to_thread(_save, database_url(settings), store, kind, record_id, path, user.actor)
    except ValueError as exc:
        raise InvalidParameter(str(exc), parameter="file") from None
    finally:
        path.unlink(missing_ok=True)
    url = f"/api/guide/narration/{kind.name}/{record_id}"
    return JSONResponse(
        {"source": saved.source, "content_type": saved.content_type, "size_bytes": saved.size_bytes, "url": url},
        status_code=201,
    )


@router.delete("/narration/{kind_name}/{record_id}", status_code=204, summary="Remove a recorded narration")
async def delete_recording(kind_name: str, record_id: str, user: Editor, pool: Pool) -> Response:
    kind = _record(kind_name, record_id)
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.DELETE_NARRATION, (kind.name, record_id, "recorded"))).fetchone()
    if row is None:
        raise NotFound("This record has no recorded narration.")
    return Response(status_code=204)
