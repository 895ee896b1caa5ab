"""GZip for the API and pages, but not for /tiles and the media files under /iiif/3 and /media
(they handle their own encoding and byte ranges; JPEG, MP4 and GLB gain nothing)."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

UNCOMPRESSED_PREFIXES = ("/tiles/", "/iiif/3/", "/media/")


class GZipExceptTiles:
    def __init__(self, app: ASGIApp, minimum_size: int = 1024):
        self.plain = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(UNCOMPRESSED_PREFIXES):
            await self.plain(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)
