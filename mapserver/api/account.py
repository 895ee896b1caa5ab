"""Browser pages for staff: sign-in/out and the survey upload page (jinja2, Vietnamese first)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from psycopg_pool import AsyncConnectionPool

from ..auth import SESSION_COOKIE, SESSION_HOURS, User, current_user, login
from ..db import connection
from .deps import get_pool

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
NO_STORE = {"Cache-Control": "no-store"}


def _page(name: str, status: int = 200, **context) -> HTMLResponse:
    return HTMLResponse(_env.get_template(name).render(**context), status_code=status, headers=NO_STORE)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our sign-in page.
    return target if target and target.startswith("/") and not target.startswith("//") else "/survey"


@router.get("/login", response_class=HTMLResponse)
async def login_form(next: str | None = None) -> HTMLResponse:
    return _page("login.html", next=_safe_next(next), failed=False)


@router.post("/login")
async def login_submit(request: Request, pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
                       name: Annotated[str, Form()], password: Annotated[str, Form()],
                       next: Annotated[str | None, Form()] = None) -> Response:
    token = await login(pool, name, password)
    if token is None:
        return _page("login.html", status=401, next=_safe_next(next), failed=True)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/survey", response_class=HTMLResponse)
async def survey_page(request: Request, pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
                      user: Annotated[User | None, Depends(current_user)]) -> Response:
    if user is None or not user.has_role("surveyor"):
        return RedirectResponse(f"/login?next={quote('/survey')}", status_code=303)
    async with connection(pool) as conn:
        cur = await conn.execute("SELECT id, name_vi FROM sites ORDER BY name_vi")
        sites = await cur.fetchall()
    return _page("survey.html", user=user, sites=sites)
