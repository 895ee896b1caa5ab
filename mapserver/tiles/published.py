"""Which tileset versions the public may fetch, as the app's /tiles route asks it on every request:
remembered briefly per app so that a tile costs no database query."""

from __future__ import annotations

import time

from psycopg_pool import AsyncConnectionPool

from ..scans import service as scans_service

PUBLISHED_TTL_SECONDS = 30.0


class PublishedVersions:
    """Which (scan, version) pairs the public may fetch, remembered for `ttl_seconds` per app (kept
    on app.state, so every app has its own). Only yes-answers are remembered: a version published a
    moment ago is found at once; a withdrawn one stops being served by the app within the TTL (the
    nginx front unlinks it at once, see mapserver.front)."""

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
