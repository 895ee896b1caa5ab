"""Who is asking: the user behind a bearer token or session cookie, and role checks as FastAPI
dependencies. Writes need at least ``surveyor``: anonymous → 401, too low a role → 403.

Every cookie-authenticated unsafe request (POST, PUT, PATCH, DELETE) passes ``check_csrf`` here,
the one CSRF check of the app (staff forms, survey uploads, JSON writes, sign-out): a foreign
Origin is refused, and the request must carry the session's CSRF token (accounts.csrf) as the
``X-CSRF-Token`` header or the ``csrf_token`` form field. Bearer-token requests need no token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..errors import Forbidden, Unauthorized
from .csrf import CSRF_FIELD, CSRF_HEADER, matches, session_csrf_token
from .service import SESSION_COOKIE, User, user_from_token

__all__ = ["CurrentUser", "User", "check_csrf", "csrf_token", "current_user", "require_role"]

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def check_origin(request: Request) -> None:
    """A browser says where a request comes from; another site's pages may not write here."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        raise Forbidden("Cross-site request refused.")


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a request carries: the header, else the form field (forms are parsed once
    and cached by the request, so the route reads the same form afterwards)."""
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given is None and content_type in FORM_TYPES:
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    return given


async def check_csrf(request: Request, session_token: str) -> None:
    check_origin(request)
    if not matches(await submitted_csrf(request), session_csrf_token(session_token)):
        raise Forbidden("The form has expired or did not come from this site (CSRF token); reload the page.")


def csrf_token(request: Request) -> str:
    """The token the pages of a signed-in browser put into their forms ('' without a session)."""
    session = request.cookies.get(SESSION_COOKIE)
    return session_csrf_token(session) if session else ""


async def current_user(request: Request) -> User | None:
    """The user behind `Authorization: Bearer …` or the session cookie, else None (public)."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token and request.method not in SAFE_METHODS:
            await check_csrf(request, token)
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
