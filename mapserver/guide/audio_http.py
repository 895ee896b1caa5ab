"""A narration file over HTTP, for every narration route (records and tour stops): ETag and
If-None-Match, byte ranges (a player seeks with them, Safari insists on them), HEAD, streamed from
the store without reading the whole file."""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import iterate_in_threadpool

from ..errors import NotFound
from ..tiles.routes import RANGE, _etag, _matches, _range
from .narration.audio import Narration

NARRATION_CACHE = "public, max-age=60"


async def audio_response(request: Request, store, found: Narration | None) -> Response:
    """The narration file ``found`` (None, or a file missing from the store: 404)."""
    info = await asyncio.to_thread(store.stat, found.store_key) if found else None
    if info is None:
        raise NotFound("This record has no narration yet.")
    etag = _etag(found.store_key, info.version_tag)
    headers = {"ETag": etag, "Cache-Control": NARRATION_CACHE, "Accept-Ranges": "bytes"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    start, end = 0, info.size - 1
    status = 200
    if wanted := request.headers.get("range"):
        start, end = _range(RANGE.match(wanted.strip()), info.size)
        if start is None:
            return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{info.size}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
        status = 206
    headers["Content-Length"] = str(end - start + 1)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=found.content_type)
    body = iterate_in_threadpool(store.read(found.store_key, start, end - start + 1))
    return StreamingResponse(body, status_code=status, media_type=found.content_type, headers=headers)
