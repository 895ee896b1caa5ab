"""Queue jobs from the web app (async, app opened lazily) or from the CLI (sync)."""

from __future__ import annotations

import asyncio

from .queue import BUILD_LESSON_FILES, INGEST_MEDIA, TILE_SCAN, make_app


class JobQueue:
    """The server's handle on procrastinate, opened on first use so start-up never waits on it."""

    def __init__(self, dsn: str):
        self._dsn = dsn
        self._app = None
        self._lock = asyncio.Lock()

    async def _opened(self):
        async with self._lock:
            if self._app is None:
                app = make_app(self._dsn)
                await app.open_async()
                self._app = app
        return self._app

    async def tile_scan(self, scan_id: int) -> int:
        app = await self._opened()
        return await app.configure_task(TILE_SCAN).defer_async(scan_id=scan_id)

    async def ingest_media(self, media_id: int) -> int:
        app = await self._opened()
        return await app.configure_task(INGEST_MEDIA).defer_async(media_id=media_id)

    async def build_lesson_files(self, **arguments) -> int | None:
        """Queue a lesson file; None when the same file is already queued (one job per file)."""
        from procrastinate.exceptions import AlreadyEnqueued

        app = await self._opened()
        lock = "lesson:" + ":".join(str(arguments.get(k)) for k in ("what", "lesson_id", "subject"))
        try:
            return await app.configure_task(BUILD_LESSON_FILES, queueing_lock=lock).defer_async(**arguments)
        except AlreadyEnqueued:
            return None

    async def close(self) -> None:
        if self._app is not None:
            await self._app.close_async()
            self._app = None


def defer_ingest_media_sync(dsn: str, media_id: int) -> int:
    app = make_app(dsn)
    with app.open():
        return app.configure_task(INGEST_MEDIA).defer(media_id=media_id)


def defer_tile_scan_sync(dsn: str, scan_id: int) -> int:
    app = make_app(dsn)
    with app.open():
        return app.configure_task(TILE_SCAN).defer(scan_id=scan_id)
