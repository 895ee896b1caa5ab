"""Sign-in and sign-out pages (browser sessions) and the admin's list of users.

The sign-in form carries a pre-session CSRF token (double-submit cookie, accounts.csrf); sign-in
is throttled (accounts.throttle): while an account or address is locked out the answer is 429 with
Retry-After. Signing out deletes the session's token row, not only the cookie."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..web.deps import AppSettings, Pool
from ..web.pages import NO_STORE, html_page
from .csrf import LOGIN_CSRF_COOKIE, LOGIN_CSRF_SECONDS, matches, new_login_csrf, well_formed
from .deps import User, check_csrf, check_origin, require_role
from .service import SESSION_COOKIE, SESSION_HOURS, PasswordChecker, list_users, login, logout

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["users"])
DEFAULT_AFTER_LOGIN = "/survey"


def safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our sign-in page.
    return target if target and target.startswith("/") and not target.startswith("//") else DEFAULT_AFTER_LOGIN


def password_checker(request: Request) -> PasswordChecker:
    """The app's argon2 threads (``password_hash_threads``), made on first use, kept on app.state."""
    state = request.app.state
    checker = getattr(state, "password_checker", None)
    if checker is None:
        checker = state.password_checker = PasswordChecker(state.settings.password_hash_threads)
    return checker


def _login_page(
    request: Request, *, status: int = 200, next: str | None = None, problem: str | None = None, retry_after: int = 0
) -> HTMLResponse:
    """The form with a login CSRF token; the cookie keeps a well-formed earlier value (other tabs)."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not well_formed(token):
        token = new_login_csrf()
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    response = html_page(
        request,
        "login.html",
        status_code=status,
        cache=NO_STORE,
        headers=headers,
        next=safe_next(next),
        problem=problem,
        retry_after=retry_after,
        csrf_token=token,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_CSRF_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next=next)


@router.post("/login")
async def login_submit(
    request: Request,
    pool: Pool,
    settings: AppSettings,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str | None, Form()] = None,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    check_origin(request)
    if not matches(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_page(request, status=403, next=next, problem="expired")
    address = request.client.host if request.client else None
    result = await login(pool, settings, name, password, address=address, checker=password_checker(request))
    if result.retry_after is not None:
        return _login_page(request, status=429, next=next, problem="throttled", retry_after=result.retry_after)
    if result.token is None:
        return _login_page(request, status=401, next=next, problem="failed")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout_submit(request: Request, pool: Pool) -> Response:
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        await check_csrf(request, session)
        await logout(pool, session)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@api_router.get("/users", summary="Users and roles (admin)")
async def users(admin: Annotated[User, Depends(require_role("admin"))], pool: Pool) -> JSONResponse:
    return JSONResponse({"users": json.loads(await list_users(pool))})
