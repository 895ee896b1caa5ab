"""Sign-in and sign-out pages (browser sessions) and the admin's list of users."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..web.deps import Pool
from ..web.pages import NO_STORE, html_page
from .deps import User, require_role
from .service import SESSION_COOKIE, SESSION_HOURS, list_users, login

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["users"])
DEFAULT_AFTER_LOGIN = "/survey"


def safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our sign-in page.
    return target if target and target.startswith("/") and not target.startswith("//") else DEFAULT_AFTER_LOGIN


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return html_page(request, "login.html", cache=NO_STORE, next=safe_next(next), failed=False)


@router.post("/login")
async def login_submit(
    request: Request,
    pool: Pool,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    token = await login(pool, name, password)
    if token is None:
        return html_page(request, "login.html", status_code=401, cache=NO_STORE, next=safe_next(next), failed=True)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@api_router.get("/users", summary="Users and roles (admin)")
async def users(admin: Annotated[User, Depends(require_role("admin"))], pool: Pool) -> JSONResponse:
    return JSONResponse({"users": json.loads(await list_users(pool))})
