"""Use cases of scans for the web app: register an upload and queue its tiling, read scans as the
asker may see them: anybody the public scans (records.publication), a surveyor also their own
uploads, editors and admins every scan. The job side (tiling, publishing a version) is
scans.tiling_job."""

from __future__ import annotations

import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool

from ..accounts.service import User
from ..db import connection, database_url
from ..errors import InvalidParameter, NotFound, ServiceUnavailable
from ..records.audit import audit_entry
from ..settings import Settings
from ..sites import queries as site_queries
from ..store import Store
from . import queries
from .register import ScanRequest, register_scan

NOT_QUEUED = "The tiling job could not be queued; upload the scan again."


async def upload(settings: Settings, store: Store, jobs, pool: AsyncConnectionPool, req: ScanRequest) -> int:
    """Register the scan (original into the store) and queue its tiling. A scan never stays
    "queued" with no job behind it: when the queue is unreachable it is marked failed (503)."""

    def register() -> int:
        with psycopg.connect(database_url(settings)) as conn:
            return register_scan(conn, store, req)

    scan_id = await run_in_threadpool(register)
    try:
        await jobs.tile_scan(scan_id)
    except Exception as exc:
        async with connection(pool) as conn:
            await conn.execute(*queries.failed(scan_id, NOT_QUEUED))
        raise ServiceUnavailable("The tiling queue is not reachable right now; try again shortly.") from exc
    return scan_id


async def recent(pool: AsyncConnectionPool, limit: int, viewer: User) -> str:
    """The newest scans the (staff) viewer may list: a surveyor's own, everybody's for editors."""
    async with connection(pool) as conn:
        params = {"owner": viewer.own_only, "limit": limit}
        return (await (await conn.execute(queries.RECENT, params)).fetchone())[0]


async def one(pool: AsyncConnectionPool, scan_id: int, viewer: User | None) -> str:
    """A scan: public ones for anybody, others for editors and admins and for the surveyor who
    uploaded it (anyone else is told there is no such scan)."""
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.ONE, (scan_id,))).fetchone()
    if row is None or not (row[1] or _may_see_unpublished(viewer, row[2])):
        raise NotFound(f"No scan {scan_id}.")
    return row[0]


def _may_see_unpublished(viewer: User | None, created_by: str) -> bool:
    return viewer is not None and viewer.own_only in (None, created_by)


async def of_site(pool: AsyncConnectionPool, site_id: str, viewer: User | None) -> tuple[str | None, bool]:
    """(scans JSON, withheld): withheld when the public asks for a sensitive relic's scans."""
    async with connection(pool) as conn:
        site = await (await conn.execute(site_queries.SENSITIVE_IF_PUBLIC, (site_id,))).fetchone()
        if site is None:
            raise NotFound(f"No published relic has the id '{site_id[:100]}'.")
        if site[0] and viewer is None:
            return None, True
        params = {
            "site": site_id,
            "all_scans": viewer is not None and viewer.own_only is None,
            "owner": viewer.own_only if viewer else None,
        }
        row = await (await conn.execute(queries.OF_SITE, params)).fetchone()
    return row[0], False


async def tiles_public(pool: AsyncConnectionPool, scan_id: int, version: int) -> bool:
    async with connection(pool) as conn:
        return await (await conn.execute(queries.TILES_PUBLIC, (scan_id, version))).fetchone() is not None


REVIEW_DECISIONS = {"approve": "published", "reject": "rejected", "withdraw": "rejected"}


async def review(pool: AsyncConnectionPool, scan_id: int, action: str, editor, reason: str | None) -> str:
    """approve: the scan's tilesets become public (once done); reject/withdraw: staff-only again."""
    if action not in REVIEW_DECISIONS:
        raise InvalidParameter("action must be approve, reject or withdraw", parameter="action")
    if action != "approve" and not (reason and reason.strip()):
        raise InvalidParameter(f"'{action}' needs a reason", parameter="reason")
    async with connection(pool) as conn, conn.transaction():
        row = await (await conn.execute(queries.LOCK_FOR_REVIEW, (scan_id,))).fetchone()
        if row is None:
            raise NotFound(f"No scan {scan_id}.")
        target = REVIEW_DECISIONS[action]
        await conn.execute(queries.REVIEWED, (target, reason, editor.actor, scan_id))
        await conn.execute(*queries.tiles_changed())
        await conn.execute(*audit_entry(editor.actor, action, "scan", str(scan_id), {"site": row[1], "reason": reason}))
    return target
