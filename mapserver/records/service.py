"""Use cases shared by every kind of record: list, read, create, update, review, versions and
restore. Each write is one transaction holding the change, its version snapshot and its audit
entry; the public reads the kind's public view only."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg_pool import AsyncConnectionPool

from ..accounts.service import User
from ..db import connection
from ..errors import Forbidden, InvalidParameter, NotFound
from ..guide import service as guide_service
from . import links, queries
from .audit import audit_entry
from .kinds import Kind
from .validate import adapt, check
from .workflow import next_status

EDITOR = "editor"


def is_staff(user: User | None, kind: Kind) -> bool:
    return user is not None and user.has_role(kind.contributor_role)


async def list_records(
    pool: AsyncConnectionPool,
    kind: Kind,
    *,
    staff: bool,
    filters: dict[str, Any],
    q: str | None,
    statuses: list[str] | None,
    limit: int,
    offset: int,
) -> tuple[str, int]:
    statement, params = queries.page(
        kind, public=not staff, filters=filters, q=q, statuses=statuses if staff else None, limit=limit, offset=offset
    )
    async with connection(pool) as conn:
        items, matched = await (await conn.execute(statement, params)).fetchone()
    return items, matched


async def get_record(pool: AsyncConnectionPool, kind: Kind, record_id: Any, *, staff: bool) -> dict[str, Any]:
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.one(kind, public=not staff), (record_id,))).fetchone()
        if row is None:
            raise NotFound(f"No {kind.label_en.lower()} has the id '{str(record_id)[:100]}'.")
        record = orjson.loads(row[0])
        record["links"] = await links.of(conn, kind.name, str(record_id), public=not staff)
    record["kind"] = kind.name
    record["url"] = kind.url(record_id)
    return record


async def snapshot(
    conn, kind: Kind, record_id: Any, action: str, actor: str, detail: dict | None = None, *, audit: bool = True
) -> int:
    """Keep the record as it now is as its next version (and, unless the caller audits the change
    itself, the audit entry); inside the transaction of the change."""
    version = (await (await conn.execute(queries.snapshot_version(kind), (action, actor, record_id))).fetchone())[0]
    # the virtual guide forgets an unpublished record in this same transaction, re-reads the others
    await guide_service.record_changed(conn, kind, record_id)
    if audit:
        await conn.execute(
            *audit_entry(actor, action, kind.name, str(record_id), {**(detail or {}), "version": version})
        )
    return version


async def create(
    pool: AsyncConnectionPool, kind: Kind, data: dict[str, Any], user: User, *, publish: bool = False
) -> Any:
    """A new record: a draft, or published at once when an editor asks for it."""
    if publish and not user.has_role(EDITOR):
        raise Forbidden("Publishing needs the 'editor' role; submit the draft for review instead.")
    data = dict(data)
    given_id = data.pop("id", None)
    if kind.id_type == "text" and not given_id:
        raise InvalidParameter("is required", parameter="id")
    # absent and empty values are left to the table's defaults (quantity 1, no dimensions …)
    values = {k: v for k, v in check(kind, data, partial=False).items() if v is not None}
    row = {**adapt(kind, values), "publication_status": "published" if publish else "draft", "created_by": user.actor}
    if kind.id_type == "text":
        row["id"] = given_id
    async with connection(pool) as conn, conn.transaction():
        statement, params = queries.insert(kind, row)
        record_id = (await (await conn.execute(statement, params)).fetchone())[0]
        await snapshot(conn, kind, record_id, "create", user.actor, {"published": publish})
    return record_id


async def _locked(conn, kind: Kind, record_id: Any) -> tuple[str, str | None]:
    row = await (await conn.execute(queries.locked_status(kind), (record_id,))).fetchone()
    if row is None:
        raise NotFound(f"No {kind.label_en.lower()} has the id '{str(record_id)[:100]}'.")
    return row


def _may_edit(user: User, status: str, created_by: str | None) -> None:
    # Contributors change their own drafts; published records are the editors' to change.
    if user.has_role(EDITOR):
        return
    if status not in ("draft", "in_review") or created_by != user.actor:
        raise Forbidden("Only an editor may change a record that is not your own draft.")


async def update(pool: AsyncConnectionPool, kind: Kind, record_id: Any, data: dict[str, Any], user: User) -> int:
    values = check(kind, data, partial=True)
    async with connection(pool) as conn, conn.transaction():
        status, created_by = await _locked(conn, kind, record_id)
        _may_edit(user, status, created_by)
        statement, params = queries.update(kind, record_id, adapt(kind, values))
        await conn.execute(statement, params)
        return await snapshot(conn, kind, record_id, "edit", user.actor, {"fields": sorted(values)})


async def review(
    pool: AsyncConnectionPool, kind: Kind, record_id: Any, action: str, user: User, reason: str | None
) -> str:
    async with connection(pool) as conn, conn.transaction():
        status, _ = await _locked(conn, kind, record_id)
        target = next_status(
            status, action, has_role=user.has_role, contributor_role=kind.contributor_role, reason=reason
        )
        note = reason.strip() if action == "reject" and reason else None
        await conn.execute(queries.set_status(kind), (target, note, record_id))
        await snapshot(conn, kind, record_id, action, user.actor, {"from": status, "to": target, "reason": note})
    return target


async def versions(pool: AsyncConnectionPool, kind: Kind, record_id: Any) -> list[dict]:
    async with connection(pool) as conn:
        await _locked_exists(conn, kind, record_id)
        row = await (await conn.execute(queries.VERSIONS, (kind.name, str(record_id)))).fetchone()
    return orjson.loads(row[0])


async def _locked_exists(conn, kind: Kind, record_id: Any) -> None:
    if await (await conn.execute(queries.one(kind, public=False), (record_id,))).fetchone() is None:
        raise NotFound(f"No {kind.label_en.lower()} has the id '{str(record_id)[:100]}'.")


async def restore(pool: AsyncConnectionPool, kind: Kind, record_id: Any, version: int, user: User) -> int:
    """Put the editable fields back as they were in ``version``; the restore is a new version and
    does not change the publication state (publishing stays a review decision)."""
    if not user.has_role(EDITOR):
        raise Forbidden("Restoring a version needs the 'editor' role.")
    async with connection(pool) as conn, conn.transaction():
        await _locked(conn, kind, record_id)
        row = await (await conn.execute(queries.VERSION_DATA, (kind.name, str(record_id), version))).fetchone()
        if row is None:
            raise NotFound(f"No version {version} of this record.")
        old = {f.name: row[0].get(f.name) for f in kind.editable}
        statement, params = queries.update(kind, record_id, adapt(kind, check(kind, old, partial=True)))
        await conn.execute(statement, params)
        return await snapshot(conn, kind, record_id, "restore", user.actor, {"restored": version})
