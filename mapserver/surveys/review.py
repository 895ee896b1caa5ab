"""An editor's decision on a survey batch that would move its relic: approve (the proposed position
becomes the relic's, the old one goes to its history) or reject (with a reason; nothing moves)."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from ..accounts.service import User
from ..db import connection
from ..errors import Conflict, InvalidParameter, NotFound
from ..records.audit import audit_entry
from ..sites import queries as site_queries
from . import queries

DECISIONS = {"approve": "published", "reject": "rejected"}


async def decide(pool: AsyncConnectionPool, batch_id: int, action: str, editor: User, reason: str | None) -> str:
    if action not in DECISIONS:
        raise InvalidParameter("action must be approve or reject", parameter="action")
    if action == "reject" and not (reason and reason.strip()):
        raise InvalidParameter("a rejection needs a reason", parameter="reason")
    async with connection(pool) as conn, conn.transaction():
        row = await (await conn.execute(queries.LOCK_FOR_REVIEW, (batch_id,))).fetchone()
        if row is None:
            raise NotFound(f"No survey batch {batch_id}.")
        site_id, status, position, _ = row
        if status != "in_review":
            raise Conflict(f"Survey batch {batch_id} is not waiting for review (it is '{status}').")
        if action == "approve":
            for statement, values in site_queries.move_statements(
                site_id,
                lon=position["lon"],
                lat=position["lat"],
                status="surveyed",
                source=position["source"],
                accuracy=position["accuracy_m"],
                actor=editor.actor,
            ):
                await conn.execute(statement, values)
        await conn.execute(queries.REVIEWED, (DECISIONS[action], reason, editor.actor, batch_id))
        await conn.execute(
            *audit_entry(editor.actor, action, "survey_batch", str(batch_id), {"site": site_id, "reason": reason})
        )
    return DECISIONS[action]
