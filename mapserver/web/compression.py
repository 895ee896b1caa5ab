"""GZip for the API and pages, but not for /tiles (it handles its own encoding and byte ranges)."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class GZipExceptTiles:
    def __init__(self, app: ASGIApp, minimum_size: int = 1024):
        self.plain = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/tiles/"):
            await self.plain(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)
