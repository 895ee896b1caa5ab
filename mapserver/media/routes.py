"""Media items over HTTP (JSON API): upload, read one, list a record's, review. The files and the
IIIF documents are served by media.delivery (included here, so one router carries both).

Uploads are streamed to a temporary file with the media size limit (web.upload_guard refuses an
oversized or unauthorised body from its headers before that), and judged by their bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from ..accounts.deps import CurrentUser, User, require_role
from ..records.routes import ReviewRequest
from ..web.deps import AppSettings, Pool
from ..web.uploads import spool_upload
from . import delivery, service
from .register import MAX_SUBTITLE_BYTES, MediaRequest

api = APIRouter(prefix="/api", tags=["media"])
# The upload guard lets surveyors through; the record's kind decides the rest (service).
Contributor = Annotated[User, Depends(require_role("surveyor"))]


@api.post("/media", status_code=202, summary="Upload a photo, scan, clip, sound, 3D model or panorama")
async def upload_media(
    request: Request,
    user: Contributor,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="the media file; its bytes decide its type, not its name")],
    record: Annotated[str, Form(description="TYPE:ID of the record, e.g. site:bach-dinh or artefact:12")],
    rights_holder: Annotated[str, Form(description="who holds the rights (chủ sở hữu quyền)")],
    licence: Annotated[str, Form(description="CC-BY-4.0, CC-BY-SA-4.0, CC0-1.0 or all-rights-reserved")],
    creator: Annotated[str | None, Form()] = None,
    date: Annotated[str | None, Form(description="when it was made, free text (2024-03-05, c. 1930)")] = None,
    caption_vi: Annotated[str | None, Form()] = None,
    caption_en: Annotated[str | None, Form()] = None,
    position: Annotated[int | None, Form(description="order on the record (default: last)")] = None,
    media_type: Annotated[str | None, Form(description="'panorama' for a 360° equirectangular image")] = None,
    subtitles: Annotated[UploadFile | None, File(description="WebVTT or SRT subtitles of a video")] = None,
    publish: Annotated[bool, Form(description="publish at once (editors)")] = False,
) -> JSONResponse:
    paths: list[Path] = []
    try:
        paths.append(await spool_upload(file, settings.media_max_bytes))
        subtitles_path = None
        if subtitles is not None and subtitles.filename:
            subtitles_path = await spool_upload(subtitles, MAX_SUBTITLE_BYTES)
            paths.append(subtitles_path)
        req = MediaRequest(
            record=record,
            file_path=paths[0],
            file_name=file.filename or "media",
            rights_holder=rights_holder,
            licence=licence,
            actor=user.actor,
            has_role=user.has_role,
            creator=creator,
            date_text=date,
            caption_vi=caption_vi,
            caption_en=caption_en,
            position=position,
            media_type=media_type,
            subtitles_path=subtitles_path,
            publish=publish,
        )
        state = request.app.state
        media_id = await service.upload(settings, state.store, state.jobs, state.pool, req)
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
    url = f"/api/media/{media_id}"
    return JSONResponse(
        {"id": media_id, "state": "queued", "links": [{"rel": "self", "href": url}]},
        status_code=202,
        headers={"Location": url},
    )


@api.get("/media", summary="A record's media (public: published items of public records)")
async def list_media(
    pool: Pool, user: CurrentUser, record: Annotated[str, Query(description="TYPE:ID, e.g. site:bach-dinh")]
) -> JSONResponse:
    listing, staff = await service.list_for_record(pool, record, user)
    return JSONResponse(listing, headers={"Cache-Control": "private, no-store" if staff else "public, max-age=60"})


@api.get("/media/{media_id}", summary="One media item: rights, processing state and progress, URLs")
async def get_media(media_id: int, pool: Pool, user: CurrentUser) -> JSONResponse:
    item = await service.get_item(pool, media_id, user)
    return JSONResponse(item, headers={"Cache-Control": "no-store"})


@api.post("/media/{media_id}/review", summary="Submit, approve, reject or withdraw a media item")
async def review_media(media_id: int, body: ReviewRequest, pool: Pool, user: Contributor) -> JSONResponse:
    status = await service.review(pool, media_id, body.action, user, body.reason)
    return JSONResponse({"id": media_id, "publication_status": status})


# The one router app.py includes: the API and the files.
router = APIRouter()
router.include_router(api)
router.include_router(delivery.router)
