"""Media files and IIIF documents over HTTP, for viewers (public reads; staff see their drafts).

* `/iiif/3/{id}/v{n}/info.json`: the stored info.json with its `id` set to this server's public
  base URL (stored files carry a placeholder, so they work behind any host name or proxy).
* `/iiif/3/{id}/v{n}/{region}/{size}/0/default.jpg` and `/media/{id}/v{n}/{file}`: files of the
  store, answered by the 3D tiles' file server (tiles.routes: ETag/304, byte ranges, CORS). A
  public item's files are immutable and cached for a year; a draft's files are sent to its staff
  only, never stored by shared caches.
* `/iiif/manifests/{type}/{id}.json`, `/iiif/collections/{museum|site}/{id}.json`: Presentation 3.

Whether the public may see an item is asked of the database (`public_media`) and remembered for
a short while per app, so that a tile costs no query.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from ..accounts.deps import current_user
from ..errors import NotFound
from ..store import StoreError, check_key
from ..tiles.routes import _answer, _locate
from ..web.deps import AppSettings, Pool
from . import service, urls

router = APIRouter(tags=["media files"])
PUBLIC_TTL_SECONDS = 30.0
PRIVATE = b"private, no-store"
DOCUMENT_CACHE = "public, max-age=300"
JSON_LD = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
IMAGE_JSON_LD = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
# Types the tile server does not know (it serves 3D Tiles); set on the way out.
MEDIA_TYPES = {".mp4": b"video/mp4", ".m4a": b"audio/mp4", ".vtt": b"text/vtt; charset=utf-8"}
NO_FILE = "No such media file."


def base_url(request: Request, settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


class PublicMedia:
    """(media id, version) pairs the public may fetch, remembered for a short while per app (only
    yes-answers: a published item is found at once; a withdrawn one stops within the TTL)."""

    def __init__(self, ttl_seconds: float = PUBLIC_TTL_SECONDS):
        self.ttl = ttl_seconds
        self._until: dict[tuple[int, int], float] = {}

    def knows(self, media_id: int, version: int) -> bool:
        return self._until.get((media_id, version), 0) > time.monotonic()

    def remember(self, media_id: int, version: int) -> None:
        self._until[(media_id, version)] = time.monotonic() + self.ttl


def _public_media(request: Request) -> PublicMedia:
    state = request.app.state
    if getattr(state, "public_media", None) is None:
        state.public_media = PublicMedia()
    return state.public_media


async def _may_fetch(request: Request, pool, media_id: int, version: int) -> bool | None:
    """True: public (immutable caching); False: the asker's staff draft (private); None: 404."""
    public = _public_media(request)
    if public.knows(media_id, version):
        return True
    current, visible, kind = await service.access(pool, media_id)
    if not 1 <= version <= current:
        return None
    if visible:
        public.remember(media_id, version)
        return True
    return False if service.is_staff(await current_user(request), kind) else None


def _close(obj) -> None:
    if obj.fd is not None:
        os.close(obj.fd)


class StoredFile(Response):
    """An object of the store sent by the tile server, with this route's caching and type."""

    def __init__(self, key: str, obj, *, public: bool, media_type: bytes | None):
        super().__init__()
        self.key, self.obj = key, obj
        self.overrides = {}
        if not public:
            self.overrides[b"cache-control"] = PRIVATE
        if media_type:
            self.overrides[b"content-type"] = media_type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message) -> None:
            if message["type"] == "http.response.start" and self.overrides:
                kept = [(k, v) for k, v in message["headers"] if k not in self.overrides]
                message = {**message, "headers": kept + list(self.overrides.items())}
            await send(message)

        try:
            await _answer(scope, with_headers, scope["app"].state.store, self.key, self.obj)
        finally:
            _close(self.obj)


async def _file(request: Request, pool, media_id: int, version: int, key: str) -> Response:
    try:
        check_key(key)
    except StoreError:
        raise NotFound(NO_FILE) from None
    obj = await _locate(request.app.state.store, key)  # the file first: a wrong path costs no query
    if obj is None:
        raise NotFound(NO_FILE)
    try:
        allowed = await _may_fetch(request, pool, media_id, version)
    except BaseException:
        _close(obj)
        raise
    if allowed is None:
        _close(obj)
        raise NotFound(NO_FILE)
    suffix = key[key.rfind(".") :].lower() if "." in key else ""
    return StoredFile(key, obj, public=allowed, media_type=MEDIA_TYPES.get(suffix))


def _json(request: Request, document: dict, *, public: bool, media_type: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": DOCUMENT_CACHE if public else PRIVATE.decode(),
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept-Encoding",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/iiif/3/{media_id}/info.json", include_in_schema=False)
async def current_info(media_id: int, request: Request, pool: Pool) -> Response:
    """The current version's image service (the versioned URL is the one to keep)."""
    version, public, kind = await service.access(pool, media_id)
    if not version or not (public or service.is_staff(await current_user(request), kind)):
        raise NotFound(NO_FILE)
    return RedirectResponse(
        f"{urls.iiif_base(media_id, version)}/info.json", 302, headers={"Cache-Control": "no-store"}
    )


@router.get("/iiif/3/{media_id}/v{version}/info.json", include_in_schema=False)
async def info_json(media_id: int, version: int, request: Request, pool: Pool, settings: AppSettings) -> Response:
    key = f"{urls.version_prefix(media_id, version)}/iiif/info.json"
    store = request.app.state.store
    try:
        info = await run_in_threadpool(store.stat, key)
    except StoreError:
        info = None
    allowed = await _may_fetch(request, pool, media_id, version) if info else None
    if allowed is None:
        raise NotFound(NO_FILE)
    raw = await run_in_threadpool(lambda: b"".join(store.read(key, 0, info.size)))
    document = json.loads(raw)
    document["id"] = base_url(request, settings) + urls.iiif_base(media_id, version)
    return _json(request, document, public=allowed, media_type=IMAGE_JSON_LD)


@router.api_route("/iiif/3/{media_id}/v{version}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def iiif_file(media_id: int, version: int, path: str, request: Request, pool: Pool) -> Response:
    return await _file(request, pool, media_id, version, f"{urls.version_prefix(media_id, version)}/iiif/{path}")


@router.api_route("/media/{media_id}/v{version}/{name}", methods=["GET", "HEAD"], include_in_schema=False)
async def media_file(media_id: int, version: int, name: str, request: Request, pool: Pool) -> Response:
    if name not in {n for files in urls.FILES.values() for n in files.values()}:
        raise NotFound(NO_FILE)
    return await _file(request, pool, media_id, version, f"{urls.version_prefix(media_id, version)}/{name}")


@router.get("/iiif/manifests/{record_type}/{record_file}", summary="IIIF Presentation 3 manifest of a record")
async def record_manifest(
    record_type: str,
    record_file: str,
    request: Request,
    pool: Pool,
    settings: AppSettings,
    user: Annotated[object, Depends(current_user)],
) -> Response:
    if not record_file.endswith(".json"):
        raise NotFound("Manifests end in .json.")
    document, staff = await service.record_manifest(
        pool, record_type, record_file.removesuffix(".json"), user=user, base=base_url(request, settings)
    )
    return _json(request, document, public=not staff, media_type=JSON_LD)


@router.get("/iiif/collections/{scope}/{scope_file}", summary="IIIF collection of a museum or a relic")
async def scope_collection(
    scope: str, scope_file: str, request: Request, pool: Pool, settings: AppSettings
) -> Response:
    if scope not in ("museum", "site") or not scope_file.endswith(".json"):
        raise NotFound("Collections are /iiif/collections/museum/{id}.json and /iiif/collections/site/{id}.json.")
    document = await service.collection(pool, scope, scope_file.removesuffix(".json"), base=base_url(request, settings))
    return _json(request, document, public=True, media_type=JSON_LD)
