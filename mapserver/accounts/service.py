"""Accounts: argon2 password hashes, API and session tokens (stored hashed, all of them expiring),
creating users, signing in and out, and an administrator's commands (tokens, revoke, disable).
Roles are ordered (vocabulary.ROLES): surveyor < editor < admin; anonymous users are the public,
who read published records only.

Signing in never blocks the event loop: argon2 runs in a PasswordChecker's own threads, at most
``password_hash_threads`` checks at once (each already computes its 4 lanes in parallel), at a lower
CPU priority than the event loop on Linux, and no database connection is held meanwhile. An unknown
name (or a user without a password) is checked against a fixed dummy hash, so the answer takes as
long as for a real user and the timing does not tell which names exist."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import re
import secrets
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..records.audit import audit_entry
from ..settings import Settings
from ..vocabulary import ROLES
from . import queries, throttle

SESSION_COOKIE = "heritage_session"
SESSION_HOURS = 12
DEFAULT_API_TOKEN_DAYS = 365
MIN_PASSWORD_CHARS = 10
NAME_RULE = re.compile(r"[A-Za-z0-9._@-]{2,64}")  # as the users table checks it (migration 0002)
_hasher = PasswordHasher()  # stateless: parameters only


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def actor(self) -> str:
        """How the audit log and history name this user."""
        return f"user:{self.name}"

    @property
    def own_only(self) -> str | None:
        """Surveyors see only their own survey batches and unpublished scans: the actor those were
        uploaded as. None for editors and admins, who see everybody's."""
        return None if self.has_role("editor") else self.actor


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "hrt_" + secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"passwords need at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    # Same parameters as every real hash; its password is random and thrown away.
    return _hasher.hash(secrets.token_urlsafe(24))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """One argon2 verification whether or not there is a hash (then a dummy one, always False)."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


HASHING_NICENESS = 10


def _lower_priority() -> None:
    # Linux keeps a nice value per thread, and the threads argon2 starts for its lanes inherit it.
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
        except OSError:
            pass


class PasswordChecker:
    """argon2 verification off the event loop, in a few threads of its own (one per app)."""

    def __init__(self, threads: int):
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="argon2", initializer=_lower_priority)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(self._pool, verify_password, stored_hash, password)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class NewAccount:
    id: int
    token: str
    token_id: int
    expires_at: datetime


def create_account(
    conn: psycopg.Connection,
    name: str,
    role: str,
    password: str | None = None,
    *,
    token_days: int = DEFAULT_API_TOKEN_DAYS,
    actor: str = "cli",
) -> NewAccount:
    """Create a user and an API token for it (shown once, valid ``token_days`` days)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    password_hash = hash_password(password) if password else None
    token = new_token()
    with conn.transaction():
        user_id = conn.execute(queries.INSERT_USER, (name, role, password_hash)).fetchone()[0]
        token_id, expires_at = conn.execute(
            queries.INSERT_API_TOKEN, (user_id, token_hash(token), "cli", token_days)
        ).fetchone()
        conn.execute(
            *audit_entry(actor, "create", "user", name, {"role": role, "token_expires": expires_at.isoformat()})
        )
    return NewAccount(user_id, token, token_id, expires_at)


def create_user(conn: psycopg.Connection, name: str, role: str, password: str | None = None) -> tuple[int, str]:
    """Create a user and an API token for it; returns (user id, token shown once)."""
    account = create_account(conn, name, role, password)
    return account.id, account.token


async def user_from_token(pool: AsyncConnectionPool, token: str) -> User | None:
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.USER_BY_TOKEN, (token_hash(token),))).fetchone()
    return User(*row) if row else None


@dataclass(frozen=True)
class LoginResult:
    token: str | None = None  # the new session's token when the password was right
    retry_after: int | None = None  # seconds to wait when throttled (the password was not checked)


async def login(
    pool: AsyncConnectionPool,
    settings: Settings,
    name: str,
    password: str,
    *,
    address: str | None,
    checker: PasswordChecker,
) -> LoginResult:
    """Check a password (throttled per account and per address) and open a browser session."""
    account_policy, address_policy = throttle.policies(settings)
    account = throttle.account_key(name)
    keys = {account: account_policy, throttle.address_key(address): address_policy}
    async with connection(pool) as conn:
        reservation = await throttle.reserve(conn, keys)
        if reservation.retry_after is not None:
            return LoginResult(retry_after=reservation.retry_after)
        valid = NAME_RULE.fullmatch(name) is not None  # no user has another name (nor a NUL byte)
        row = await (await conn.execute(queries.PASSWORD_OF, (name,))).fetchone() if valid else None
    # No connection is held while argon2 works (~0.2 s of CPU and 64 MiB per check).
    right = await checker.verify(row[1] if row else None, password)
    async with connection(pool) as conn:
        if not right:
            await throttle.forget_stale(conn)
            return LoginResult()
        await throttle.succeeded(conn, reservation, account)
        token = new_token()
        await conn.execute(queries.INSERT_SESSION, (row[0], token_hash(token), SESSION_HOURS))
    return LoginResult(token=token)


async def logout(pool: AsyncConnectionPool, session_token: str) -> None:
    """End a browser session: its token row goes, the cookie is worth nothing afterwards."""
    async with connection(pool) as conn:
        await conn.execute(queries.DELETE_SESSION, (token_hash(session_token),))


async def list_users(pool: AsyncConnectionPool) -> str:
    async with connection(pool) as conn:
        return (await (await conn.execute(queries.LIST_USERS)).fetchone())[0]


# -- an administrator's commands (heritage users …) ----------------------------------------------------------
class UnknownUser(LookupError):
    pass


def _user_id(conn: psycopg.Connection, name: str) -> int:
    row = conn.execute(queries.USER_ID, (name,)).fetchone()
    if row is None:
        raise UnknownUser(f"no user named {name!r}")
    return row[0]


def tokens_of(conn: psycopg.Connection, name: str) -> list[tuple]:
    """(id, kind, label, created, last used, expires) of every token of the user, oldest first."""
    _user_id(conn, name)
    return conn.execute(queries.TOKENS_OF, (name,)).fetchall()


def revoke(conn: psycopg.Connection, name: str, token_id: int | None, actor: str) -> list[int]:
    """Delete one token of the user (``token_id``) or all of them; returns the ids deleted."""
    with conn.transaction():
        _user_id(conn, name)
        gone = [r[0] for r in conn.execute(queries.REVOKE, {"name": name, "token_id": token_id}).fetchall()]
        if gone:
            conn.execute(*audit_entry(actor, "revoke", "user", name, {"tokens": gone}))
    return gone


def set_disabled(conn: psycopg.Connection, name: str, disabled: bool, actor: str) -> None:
    """Disable (every request with the user's tokens is refused, sessions end) or enable again."""
    with conn.transaction():
        row = conn.execute(queries.SET_DISABLED, (disabled, name)).fetchone()
        if row is None:
            raise UnknownUser(f"no user named {name!r}")
        if disabled:
            conn.execute(queries.END_SESSIONS, (row[0],))
        conn.execute(*audit_entry(actor, "disable" if disabled else "enable", "user", name, {}))
