"""The audit log: one statement for every write of every kind of record.

``audit_entry`` returns the statement and its parameters, so sync (CLI, jobs) and async (web)
connections run the same SQL: ``conn.execute(*audit_entry(...))`` or ``await conn.execute(...)``.
It belongs in the same transaction as the write it records.
"""

from __future__ import annotations

import json
from typing import Any

INSERT = "INSERT INTO audit_log (actor, action, entity, entity_id, detail) VALUES (%s, %s, %s, %s, %s::jsonb)"


def audit_entry(
    actor: str, action: str, entity: str, entity_id: str | None, detail: dict[str, Any] | None = None
) -> tuple[str, tuple]:
    text = json.dumps(detail or {}, ensure_ascii=False, default=str)
    return INSERT, (actor, action, entity, entity_id, text)


def audit_query(
    *, actor: str | None, entity: str | None, entity_id: str | None, since, until, limit: int
) -> tuple[str, list]:
    """The audit log filtered by user, record and time, newest first."""
    parts, params = ["TRUE"], []
    for column, value in (("actor", actor), ("entity", entity), ("entity_id", entity_id)):
        if value:
            parts.append(f"{column} = %s")
            params.append(value)
    if since:
        parts.append("at >= %s")
        params.append(since)
    if until:
        parts.append("at < %s::date + 1")
        params.append(until)
    statement = (
        "SELECT id, at, actor, action, entity, entity_id, detail FROM audit_log WHERE "
        + " AND ".join(parts)
        + " ORDER BY at DESC, id DESC LIMIT %s"
    )
    return statement, [*params, limit]
