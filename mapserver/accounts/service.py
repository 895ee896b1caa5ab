"""Accounts: argon2 password hashes, API and session tokens (stored hashed), creating users and
signing in. Roles are ordered (vocabulary.ROLES): surveyor < editor < admin; anonymous users are
the public, who read published records only."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..records.audit import audit_entry
from ..vocabulary import ROLES
from . import queries

SESSION_COOKIE = "heritage_session"
SESSION_HOURS = 12
MIN_PASSWORD_CHARS = 10
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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "hrt_" + secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"passwords need at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(conn: psycopg.Connection, name: str, role: str, password: str | None = None) -> tuple[int, str]:
    """Create a user and an API token for it; returns (user id, token shown once)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    password_hash = hash_password(password) if password else None
    token = new_token()
    with conn.transaction():
        user_id = conn.execute(queries.INSERT_USER, (name, role, password_hash)).fetchone()[0]
        conn.execute(queries.INSERT_API_TOKEN, (user_id, token_hash(token)))
        conn.execute(*audit_entry("cli", "create", "user", name, {"role": role}))
    return user_id, token


async def user_from_token(pool: AsyncConnectionPool, token: str) -> User | None:
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.USER_BY_TOKEN, (token_hash(token),))).fetchone()
    return User(*row) if row else None


async def login(pool: AsyncConnectionPool, name: str, password: str) -> str | None:
    """Check a password and open a browser session; returns the session token or None."""
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.PASSWORD_OF, (name,))).fetchone()
        if row is None or not verify_password(row[1], password):
            return None
        token = new_token()
        await conn.execute(queries.INSERT_SESSION, (row[0], token_hash(token), SESSION_HOURS))
    return token


async def list_users(pool: AsyncConnectionPool) -> str:
    async with connection(pool) as conn:
        return (await (await conn.execute(queries.LIST_USERS)).fetchone())[0]
