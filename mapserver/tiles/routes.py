"""3D Tiles delivery: /tiles/{scan}/v{version}/… from the store.

Content under a version never changes (a re-tiled scan gets a new version), so responses carry a
strong ETag, a year of immutable caching, byte ranges and CORS; tileset JSON is gzipped here (the
app-wide GZip middleware skips /tiles so binary tiles and ranges stay untouched).
"""

from __future__ import annotations

import gzip
import hashlib
import re
import time
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from ..errors import NotFound
from ..scans import service as scans_service
from ..store import LocalStore, StoreError
from ..web.deps import get_pool

router = APIRouter(tags=["tiles"])
MEDIA_TYPES = {
    ".json": "application/json",
    ".glb": "model/gltf-binary",
    ".gltf": "model/gltf+json",
    ".pnts": "application/octet-stream",
    ".b3dm": "application/octet-stream",
    ".i3dm": "application/octet-stream",
    ".cmpt": "application/octet-stream",
    ".subtree": "application/octet-stream",
    ".bin": "application/octet-stream",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ktx2": "image/ktx2",
}
SMALL_FILE_BYTES = 4 * 1024 * 1024
IMMUTABLE = "public, max-age=31536000, immutable"
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
PUBLISHED_TTL_SECONDS = 30.0


class PublishedVersions:
    """Which (scan, version) pairs the public may fetch, remembered briefly per app (a tile request
    should not cost a query each); kept on app.state, so every app has its own."""

    def __init__(self, ttl_seconds: float = PUBLISHED_TTL_SECONDS):
        self.ttl = ttl_seconds
        self._until: dict[tuple[int, int], float] = {}

    async def allows(self, pool: AsyncConnectionPool, scan_id: int, version: int) -> bool:
        key = (scan_id, version)
        if self._until.get(key, 0) > time.monotonic():
            return True
        ok = await scans_service.tiles_public(pool, scan_id, version)
        if ok:
            self._until[key] = time.monotonic() + self.ttl
        return ok


def _etag(key: str, version_tag: str) -> str:
    return '"' + hashlib.sha1(f"{key}:{version_tag}".encode()).hexdigest() + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    return if_none_match.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]


@router.api_route("/tiles/{scan_id}/v{version}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def tile(
    scan_id: int, version: int, path: str, request: Request, pool: Annotated[AsyncConnectionPool, Depends(get_pool)]
) -> Response:
    key = f"tiles/{scan_id}/v{version}/{path}"
    store = request.app.state.store
    local = isinstance(store, LocalStore)
    try:
        # A local stat/read of a small tile is cheaper inline than a hop through the thread pool.
        info = store.stat(key) if local else await run_in_threadpool(store.stat, key)
    except StoreError:
        raise NotFound("No such tile.") from None
    if info is None or not await request.app.state.published_tiles.allows(pool, scan_id, version):
        raise NotFound("No such tile.")
    etag = _etag(key, info.version_tag)
    headers = {
        "ETag": etag,
        "Cache-Control": IMMUTABLE,
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "ETag, Content-Length, Content-Range",
        "Accept-Ranges": "bytes",
        "Vary": "Accept-Encoding",
    }
    media = MEDIA_TYPES.get(PurePosixPath(path).suffix.lower(), "application/octet-stream")
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    size = info.size
    wanted = request.headers.get("range")
    if wanted:
        match = RANGE.match(wanted.strip())
        start, end = _range(match, size)
        if start is None:
            return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        length = end - start + 1
        headers.update({"Content-Range": f"bytes {start}-{end}/{size}", "Content-Length": str(length)})
        body = iterate_in_threadpool(store.read(key, start, length)) if request.method == "GET" else _empty()
        return StreamingResponse(body, status_code=206, media_type=media, headers=headers)
    if media.endswith("json") and "gzip" in request.headers.get("accept-encoding", ""):
        raw = b"".join(await run_in_threadpool(lambda: list(store.read(key, 0, size))))
        data = gzip.compress(raw, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
        return Response(
            data if request.method == "GET" else b"",
            media_type=media,
            headers={**headers, "Content-Length": str(len(data))},
        )
    headers["Content-Length"] = str(size)
    if local and size <= SMALL_FILE_BYTES:
        data = b"".join(store.read(key, 0, size)) if request.method == "GET" else b""
        return Response(data, media_type=media, headers=headers)
    body = iterate_in_threadpool(store.read(key, 0, size)) if request.method == "GET" else _empty()
    return StreamingResponse(body, media_type=media, headers=headers)


async def _empty():
    return
    yield b""


def _range(match: re.Match | None, size: int) -> tuple[int | None, int]:
    if match is None or size == 0:
        return None, 0
    first, last = match.groups()
    if first == "" and last == "":
        return None, 0
    if first == "":  # the last N bytes
        count = int(last)
        return (max(0, size - count), size - 1) if count > 0 else (None, 0)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end and start < size else (None, 0)
