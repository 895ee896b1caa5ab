"""Sign-in throttling, kept in PostgreSQL (table login_attempts) so that every app server shares it.

Two keys are counted for each sign-in: the account name (``account:<name>``, also for names that do
not exist, so a lockout tells nothing about which names do) and the client address
(``address:<ip>``). With the default settings:

* an account is locked after 5 failures, an address after 20, counted within 15 minutes;
* the lockout lasts 30 s and doubles with every further failure (30 s, 60 s, 2 min, … at most 1 h);
  failures are forgotten 15 minutes after the last failure or the end of the last lockout;
* while a key is locked every attempt is answered 429 with Retry-After, *without* checking the
  password, so the right password does not get through either;
* a successful sign-in forgets the account's failures (not the address's: one valid account must
  not lift the limit of an address that guesses others).

Each attempt is counted *before* the password is checked, in one short transaction holding the
key rows (sorted, so two sign-ins never deadlock), so that many concurrent guesses cannot all pass
the check before the first failure is written; a success then takes its own count back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

from ..settings import Settings
from . import queries

MAX_KEY_CHARS = 200


@dataclass(frozen=True)
class Policy:
    max_failures: int
    window: timedelta
    first_lockout: timedelta
    longest_lockout: timedelta

    def lockout(self, failures: int) -> timedelta | None:
        """How long ``failures`` failures lock the key: none below the limit, then doubling."""
        if failures < self.max_failures:
            return None
        doublings = min(failures - self.max_failures, 32)
        return min(self.first_lockout * (2**doublings), self.longest_lockout)


def policies(settings: Settings) -> tuple[Policy, Policy]:
    """(account policy, address policy) from the settings."""

    def policy(limit: int) -> Policy:
        return Policy(
            max_failures=limit,
            window=timedelta(seconds=settings.login_window_seconds),
            first_lockout=timedelta(seconds=settings.login_lockout_seconds),
            longest_lockout=timedelta(seconds=settings.login_lockout_max_seconds),
        )

    return policy(settings.login_max_failures), policy(settings.login_address_max_failures)


def account_key(name: str) -> str:
    return "account:" + name[:MAX_KEY_CHARS].replace("\x00", "?")  # PostgreSQL text holds no NUL


def address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")[:MAX_KEY_CHARS].replace("\x00", "?")


@dataclass
class Reservation:
    """An attempt counted up front: ``retry_after`` seconds when a key is locked (nothing counted),
    else what each key's lockout was before this attempt and what it became."""

    retry_after: int | None
    lockouts: dict[str, tuple[datetime | None, datetime | None]]


async def reserve(conn: psycopg.AsyncConnection, keys: dict[str, Policy]) -> Reservation:
    """Count one attempt on every key unless one of them is locked out."""
    rows = {}
    async with conn.transaction():
        for key in sorted(keys):
            await conn.execute(queries.LOGIN_ENSURE_ROW, (key,))
            rows[key] = await (await conn.execute(queries.LOGIN_LOCK_ROW, (key,))).fetchone()
        waits = [locked - now for _, _, locked, now in rows.values() if locked is not None and locked > now]
        if waits:
            return Reservation(max(1, math.ceil(max(waits).total_seconds())), {})
        lockouts = {}
        for key in sorted(keys):
            failures, last, locked, now = rows[key]
            policy = keys[key]
            since = locked or last
            if since is None or now - since > policy.window:
                failures = 0
            failures += 1
            lockout = policy.lockout(failures)
            until = now + lockout if lockout else None
            await conn.execute(queries.LOGIN_COUNT, (failures, now, until, (until or now) + policy.window, key))
            lockouts[key] = (locked, until)
    return Reservation(None, lockouts)


async def succeeded(conn: psycopg.AsyncConnection, reservation: Reservation, account: str) -> None:
    """The password was right: forget the account's failures, take the attempt back elsewhere."""
    async with conn.transaction():
        for key in sorted(reservation.lockouts):
            if key == account:
                await conn.execute(queries.LOGIN_FORGET, (key,))
            else:
                before, after = reservation.lockouts[key]
                await conn.execute(queries.LOGIN_TAKE_BACK, (after, before, key))


async def forget_stale(conn: psycopg.AsyncConnection) -> None:
    """Drop rows nobody needs any more (bounded, skipping rows another sign-in holds)."""
    await conn.execute(queries.LOGIN_FORGET_STALE)
