"""Partner keys: issued to another provincial system for the open API, sent as ``X-API-Key``.

A key only identifies the partner (it reads what the public reads, no more); it buys a rate limit
of its own and usage counts staff can show. Only a SHA-256 of the key is kept; the key is shown once.
Counting is in PostgreSQL, so every app worker and server shares one limit per key."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import psycopg
from psycopg_pool import AsyncConnectionPool

from ..accounts.service import token_hash
from ..records.audit import audit_entry
from . import queries

KEY_HEADER = "x-api-key"
KEY_PREFIX = "hpk_"
NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{1,99}")  # as the table checks it (migration 0014)
DEFAULT_PER_MINUTE = 600


class PartnerError(ValueError):
    pass


@dataclass(frozen=True)
class Verdict:
    key_id: int
    per_minute: int
    used: int  # requests of this minute, this one included
    reset_seconds: float

    @property
    def allowed(self) -> bool:
        return self.used <= self.per_minute

    @property
    def remaining(self) -> int:
        return max(0, self.per_minute - self.used)


def issue(conn: psycopg.Connection, name: str, contact: str | None, per_minute: int, actor: str) -> str:
    """A new key for a partner; the returned key is never stored nor shown again."""
    if not NAME_RULE.fullmatch(name):
        raise PartnerError("A partner name is 2–100 letters, digits, spaces, dots, dashes or underscores.")
    if not 1 <= per_minute <= 100_000:
        raise PartnerError("The rate limit is 1–100000 requests per minute.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with conn.transaction():
        try:
            (key_id,) = conn.execute(queries.INSERT, (name, contact, token_hash(key), per_minute, actor)).fetchone()
        except psycopg.errors.UniqueViolation:
            raise PartnerError(f"There is already a partner named '{name}'.") from None
        conn.execute(*audit_entry(actor, "issue", "partner_key", str(key_id), {"name": name, "per_minute": per_minute}))
    return key


def revoke(conn: psycopg.Connection, name: str, actor: str) -> None:
    with conn.transaction():
        row = conn.execute(queries.REVOKE, (name,)).fetchone()
        if row is None:
            raise PartnerError(f"There is no live key of a partner named '{name}'.")
        conn.execute(*audit_entry(actor, "revoke", "partner_key", str(row[0]), {"name": name}))


def usage(conn: psycopg.Connection) -> list[dict]:
    columns = ("id", "name", "contact", "per_minute", "created_at", "revoked_at", "last_used_at")
    columns += ("today", "last_30_days", "refused_30_days")
    return [dict(zip(columns, row)) for row in conn.execute(queries.LIST).fetchall()]


async def usage_async(pool: AsyncConnectionPool) -> list[dict]:
    async with pool.connection() as conn:
        cursor = await conn.execute(queries.LIST)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row)) for row in await cursor.fetchall()]


async def count_request(pool: AsyncConnectionPool, key: str) -> Verdict | None:
    """Count one request of ``key``; None when the key is unknown or revoked."""
    async with pool.connection() as conn:
        row = await (await conn.execute(queries.COUNT_MINUTE, {"hash": token_hash(key)})).fetchone()
        if row is None:
            return None
        verdict = Verdict(row[0], row[1], row[2], float(row[3]))
        served = int(verdict.allowed)
        await conn.execute(queries.COUNT_DAY, {"id": verdict.key_id, "served": served, "refused": 1 - served})
        if verdict.used == 1:
            await conn.execute(queries.TOUCH, {"id": verdict.key_id})
            await conn.execute(queries.PRUNE_MINUTES, {"id": verdict.key_id})
    return verdict
