"""The learning library for readers: ``/lessons`` (browse by subject and grade), ``/lessons/{id}``,
and the teachers' files: ``/lessons/{id}/handout.pdf``, ``/lessons/{id}/package.zip`` and
``/lessons/package.zip?subject=…`` (every published lesson of a subject)."""

from __future__ import annotations

from pathlib import PurePosixPath

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from ..errors import InvalidParameter
from ..params import single, whole_number
from ..web.deps import AppSettings, Pool
from ..web.negotiation import prefers_html
from ..web.pages import PAGE_CACHE, html_page
from . import files, service
from .kind import SUBJECT_LABELS, SUBJECTS

router = APIRouter(include_in_schema=False)
FILE_TYPES = {".pdf": "application/pdf", ".zip": "application/zip"}
RETRY_SECONDS = 5


def _base(request: Request, settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


def _subject(request: Request) -> str | None:
    subject = single(request.query_params, "subject") or None
    if subject is not None and subject not in SUBJECTS:
        raise InvalidParameter(f"subject must be one of {', '.join(SUBJECTS)}", parameter="subject")
    return subject


@router.get("/lessons")
async def lessons_page(request: Request, pool: Pool) -> Response:
    subject = _subject(request)
    grade = whole_number(single(request.query_params, "grade") or None, "grade", default=None, minimum=1, maximum=12)
    lessons = await service.public_lessons(pool, subject, grade)
    return html_page(
        request,
        "lessons.html",
        cache=PAGE_CACHE,
        lessons=lessons,
        subjects=SUBJECT_LABELS,
        subject=subject,
        grade=grade,
    )


@router.get("/lessons/package.zip")
async def collection_package(request: Request, pool: Pool, settings: AppSettings) -> Response:
    return await _file(request, pool, settings, "collection", None, _subject(request))


@router.get("/lessons/{lesson_id}")
async def lesson_page(lesson_id: str, request: Request, pool: Pool, settings: AppSettings) -> Response:
    lesson = await service.public_lesson(pool, lesson_id)
    return html_page(
        request, "lesson.html", cache=PAGE_CACHE, lesson=lesson, subjects=SUBJECT_LABELS, base=_base(request, settings)
    )


@router.get("/lessons/{lesson_id}/handout.pdf")
async def handout(lesson_id: str, request: Request, pool: Pool, settings: AppSettings) -> Response:
    return await _file(request, pool, settings, "handout", lesson_id, None)


@router.get("/lessons/{lesson_id}/package.zip")
async def package(lesson_id: str, request: Request, pool: Pool, settings: AppSettings) -> Response:
    return await _file(request, pool, settings, "package", lesson_id, None)


async def _file(request: Request, pool, settings, what: str, lesson_id: str | None, subject: str | None) -> Response:
    key = await files.current_key(pool, what, lesson_id, subject)
    store = request.app.state.store
    info = await run_in_threadpool(store.stat, key)
    if info is None:
        await request.app.state.jobs.build_lesson_files(
            what=what, base=_base(request, settings), lesson_id=lesson_id, subject=subject
        )
        return _preparing(request)
    etag = f'"{PurePosixPath(key).parent.name}"'
    name = PurePosixPath(key).name
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "Content-Length": str(info.size),
        "Content-Disposition": f'attachment; filename="{lesson_id or subject or "lessons"}-{name}"',
    }
    if etag in (request.headers.get("if-none-match") or ""):
        headers.pop("Content-Length")
        return Response(status_code=304, headers=headers)
    chunks = iterate_in_threadpool(store.read(key, 0, info.size))
    return StreamingResponse(chunks, media_type=FILE_TYPES[PurePosixPath(name).suffix], headers=headers)


def _preparing(request: Request) -> Response:
    headers = {"Retry-After": str(RETRY_SECONDS), "Cache-Control": "no-store"}
    if prefers_html(request):
        return html_page(request, "lesson_preparing.html", status_code=202, headers=headers, seconds=RETRY_SECONDS)
    return Response(
        b'{"state":"preparing","retry_after":5}', status_code=202, media_type="application/json", headers=headers
    )
