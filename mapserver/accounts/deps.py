"""Who is asking: the user behind a bearer token or session cookie, and role checks as FastAPI
dependencies. Writes need at least ``surveyor``: anonymous → 401, too low a role → 403."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..errors import Forbidden, Unauthorized
from .service import SESSION_COOKIE, User, user_from_token

__all__ = ["CurrentUser", "User", "current_user", "require_role"]

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


async def current_user(request: Request) -> User | None:
    """The user behind `Authorization: Bearer …` or the session cookie, else None (public)."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token and request.method not in SAFE_METHODS:
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


CurrentUser = Annotated[User | None, Depends(current_user)]


def require_role(role: str):
    async def dependency(user: CurrentUser) -> User:
        if user is None:
            raise Unauthorized("Sign in or send an API token (Authorization: Bearer …).")
        if not user.has_role(role):
            raise Forbidden(f"This needs the '{role}' role.")
        return user

    return dependency
