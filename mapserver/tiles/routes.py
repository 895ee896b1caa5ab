"""3D Tiles delivery: /tiles/{scan}/v{version}/… from the store.

Content under a version never changes (a re-tiled scan gets a new version), so responses carry a
strong ETag, a year of immutable caching, byte ranges and CORS; tileset JSON is gzipped here (the
app-wide GZip middleware skips /tiles so binary tiles and ranges stay untouched).

The route is the hot path of the viewer, so it is a bare ASGI endpoint on a plain Starlette route:
no dependency injection, no thread hop, no database query (published versions are remembered per
app, tiles.published). A small file of the local store is opened, fstat-ed once and read inline
(it comes from the page cache); large files and S3 objects stream through the thread pool. In
production the nginx front serves these URLs itself (mapserver.front) and this route is the
fallback of `heritage serve --dev` and of S3 stores.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import APIRouter
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import NotFound, ProblemError, problem_response
from ..store import LocalStore, Store, StoreError, check_key
from .headers import COMPRESSIBLE, CORS_EXPOSE, CORS_ORIGIN, IMMUTABLE, MEDIA_TYPES, media_type
from .published import PUBLISHED_TTL_SECONDS, PublishedVersions

__all__ = ["MEDIA_TYPES", "PUBLISHED_TTL_SECONDS", "PublishedVersions", "TilesFirst", "answer", "locate", "router"]

router = APIRouter(tags=["tiles"])
# Up to this size a local file is read in one call on the event loop (it is in the page cache).
SMALL_FILE_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 1 << 20
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
NO_TILE = "No such tile."
IMMUTABLE_BYTES = IMMUTABLE.encode()
FIXED_HEADERS = [
    (b"access-control-allow-origin", CORS_ORIGIN.encode()),
    (b"access-control-expose-headers", CORS_EXPOSE.encode()),
    (b"accept-ranges", b"bytes"),
    (b"vary", b"Accept-Encoding"),
]


@dataclass
class StoredFile:
    """One object of the store as this request sees it; `fd` is an open file of the local store."""

    size: int
    version_tag: str
    fd: int | None = None


def _etag(key: str, version_tag: str) -> str:
    return '"' + hashlib.sha1(f"{key}:{version_tag}".encode()).hexdigest() + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    return if_none_match.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")]


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


def _open_local(store: LocalStore, key: str) -> StoredFile | None:
    """Open and fstat once: the size and version tag describe exactly the bytes read afterwards."""
    try:
        fd = os.open(f"{store.root}/{key}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    return StoredFile(info.st_size, f"{info.st_size}:{info.st_mtime_ns}", fd)


async def locate(store: Store, key: str) -> StoredFile | None:
    """The object at `key` (None when there is none); the caller closes `fd` when it is set."""
    if isinstance(store, LocalStore):
        return _open_local(store, key)
    try:
        info = await run_in_threadpool(store.stat, key)
    except StoreError:
        return None
    return None if info is None else StoredFile(info.size, info.version_tag)


def _pread_chunks(fd: int, start: int, length: int):
    while length > 0:
        block = os.pread(fd, min(length, CHUNK_BYTES), start)
        if not block:
            return
        start += len(block)
        length -= len(block)
        yield block


async def _chunks(store: Store, key: str, obj: StoredFile, start: int, length: int) -> AsyncIterator[bytes]:
    if obj.fd is not None and length <= SMALL_FILE_BYTES:
        yield os.pread(obj.fd, length, start)
        return
    blocks = _pread_chunks(obj.fd, start, length) if obj.fd is not None else store.read(key, start, length)
    async for block in iterate_in_threadpool(blocks):
        yield block


async def _send(send: Send, status: int, headers: list, body: AsyncIterator[bytes] | bytes | None) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if body is None or isinstance(body, bytes):
        await send({"type": "http.response.body", "body": body or b""})
        return
    async for block in body:
        await send({"type": "http.response.body", "body": block, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _request_headers(scope: Scope) -> tuple[str | None, str | None, str]:
    if_none_match = wanted = None
    accept = ""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            if_none_match = value.decode("latin-1")
        elif name == b"range":
            wanted = value.decode("latin-1")
        elif name == b"accept-encoding":
            accept = value.decode("latin-1")
    return if_none_match, wanted, accept


async def answer(
    scope: Scope, send: Send, store: Store, key: str, obj: StoredFile, *, cache_control: bytes = IMMUTABLE_BYTES
) -> None:
    """The HTTP answer for one object of the store: 304, 206/416, gzip for JSON, or the whole file."""
    etag = _etag(key, obj.version_tag)
    headers = [(b"etag", etag.encode()), (b"cache-control", cache_control), *FIXED_HEADERS]
    if_none_match, wanted, accept = _request_headers(scope)
    if _matches(if_none_match, etag):
        await _send(send, 304, headers, None)
        return
    media = media_type(key)
    headers.append((b"content-type", media.encode()))
    head = scope["method"] == "HEAD"
    size = obj.size
    if wanted:
        start, end = _range(RANGE.match(wanted.strip()), size)
        if start is None:
            headers += [(b"content-range", f"bytes */{size}".encode()), (b"content-length", b"0")]
            await _send(send, 416, headers, None)
            return
        length = end - start + 1
        headers += [(b"content-range", f"bytes {start}-{end}/{size}".encode()), (b"content-length", b"%d" % length)]
        await _send(send, 206, headers, None if head else _chunks(store, key, obj, start, length))
        return
    if media in COMPRESSIBLE and "gzip" in accept:
        raw = b"".join([block async for block in _chunks(store, key, obj, 0, size)])
        data = gzip.compress(raw, compresslevel=6)
        headers += [(b"content-encoding", b"gzip"), (b"content-length", b"%d" % len(data))]
        await _send(send, 200, headers, None if head else data)
        return
    headers.append((b"content-length", b"%d" % size))
    await _send(send, 200, headers, None if head else _chunks(store, key, obj, 0, size))


class TileEndpoint:
    """GET/HEAD /tiles/{scan_id}/v{version}/{path}: a published version's file, else a 404."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        params = scope["path_params"]
        scan_id, version = params["scan_id"], params["version"]
        key = f"tiles/{scan_id}/v{version}/{params['path']}"
        state = scope["app"].state
        try:
            check_key(key)
        except StoreError:
            raise NotFound(NO_TILE) from None
        # The file first: a request for a path that does not exist costs no database question.
        obj = await locate(state.store, key)
        if obj is None:
            raise NotFound(NO_TILE)
        try:
            if not await state.published_tiles.allows(state.pool, scan_id, version):
                raise NotFound(NO_TILE)
            await answer(scope, send, state.store, key, obj)
        finally:
            if obj.fd is not None:
                os.close(obj.fd)


TILE_ENDPOINT = TileEndpoint()
TILE_PATH = re.compile(r"^/tiles/([0-9]+)/v([0-9]+)/(.*)$")  # the route's path, for TilesFirst
router.add_route(
    "/tiles/{scan_id:int}/v{version:int}/{path:path}", TILE_ENDPOINT, methods=["GET", "HEAD"], include_in_schema=False
)


class TilesFirst:
    """The outermost middleware: answers GET/HEAD /tiles/… before the other layers and the router,
    none of which has anything to do for a tile (no body to limit, no upload to guard, nothing to
    gzip, no dependency to solve) and which cost as much CPU as the tile itself. Everything else
    passes through untouched; the route above stays for an app without this layer."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = TILE_PATH.match(scope["path"])
            if match is not None:
                scope["path_params"] = {"scan_id": int(match[1]), "version": int(match[2]), "path": match[3]}
                try:
                    await TILE_ENDPOINT(scope, receive, send)
                except ProblemError as exc:  # raised before anything was sent
                    answer = problem_response(exc.status, exc.title, exc.detail, scope["path"])
                    await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


# The names media.delivery imported first, kept until it uses answer/locate (with cache_control).
_answer, _locate = answer, locate
