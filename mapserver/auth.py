"""Accounts and roles: argon2 password hashes, hashed bearer/session tokens, role checks.

Roles are ordered: surveyor < editor < admin; anonymous users are the public (read published).
Writes require at least `surveyor`: anonymous → 401, too low a role → 403.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool

from .db import connection
from .errors import ProblemError

ROLES = ("surveyor", "editor", "admin")
SESSION_COOKIE = "heritage_session"
SESSION_HOURS = 12
_hasher = PasswordHasher()


class Unauthorized(ProblemError):
    status = 401
    title = "Unauthorized"


class Forbidden(ProblemError):
    status = 403
    title = "Forbidden"


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "hrt_" + secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    if len(password) < 10:
        raise ValueError("passwords need at least 10 characters")
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
        user_id = conn.execute(
            "INSERT INTO users (name, role, password_hash) VALUES (%s, %s, %s) RETURNING id",
            (name, role, password_hash)).fetchone()[0]
        conn.execute("INSERT INTO api_tokens (user_id, token_hash, kind, label) VALUES (%s, %s, 'api', 'cli')",
                     (user_id, token_hash(token)))
        conn.execute("INSERT INTO audit_log (actor, action, entity, entity_id, detail) "
                     "VALUES ('cli', 'create', 'user', %s, jsonb_build_object('role', %s::text))",
                     (name, role))
    return user_id, token


USER_BY_TOKEN = """
UPDATE api_tokens t SET last_used_at = now()
FROM users u
WHERE t.token_hash = %s AND u.id = t.user_id AND NOT u.disabled
  AND (t.expires_at IS NULL OR t.expires_at > now())
RETURNING u.id, u.name, u.role
"""


async def user_from_token(pool: AsyncConnectionPool, token: str) -> User | None:
    async with connection(pool) as conn:
        cur = await conn.execute(USER_BY_TOKEN, (token_hash(token),))
        row = await cur.fetchone()
    return User(*row) if row else None


async def login(pool: AsyncConnectionPool, name: str, password: str) -> str | None:
    """Check a password and open a browser session; returns the session token or None."""
    async with connection(pool) as conn:
        cur = await conn.execute("SELECT id, password_hash FROM users WHERE name = %s AND NOT disabled",
                                 (name,))
        row = await cur.fetchone()
        if row is None or not verify_password(row[1], password):
            return None
        token = new_token()
        await conn.execute(
            "INSERT INTO api_tokens (user_id, token_hash, kind, expires_at) "
            "VALUES (%s, %s, 'session', now() + make_interval(hours => %s))",
            (row[0], token_hash(token), SESSION_HOURS))
    return token


async def current_user(request: Request) -> User | None:
    """The user behind `Authorization: Bearer …` or the session cookie, else None (public)."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token and request.method not in ("GET", "HEAD", "OPTIONS"):
            # Cookie-authenticated writes must come from our own pages (CSRF).
            origin = request.headers.get("origin")
            if origin and origin.rstrip("/") != str(request.base_url).rstrip("/"):
                raise Forbidden("Cross-site request refused.")
    if not token:
        return None
    user = await user_from_token(request.app.state.pool, token)
    if user is None:
        raise Unauthorized("The token or session is invalid or has expired.")
    return user


def require_role(role: str):
    async def dependency(user: Annotated[User | None, Depends(current_user)]) -> User:
        if user is None:
            raise Unauthorized("Sign in or send an API token (Authorization: Bearer …).")
        if not user.has_role(role):
            raise Forbidden(f"This needs the '{role}' role.")
        return user
    return dependency
