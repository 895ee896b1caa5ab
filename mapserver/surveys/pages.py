"""The surveyors' upload page (GNSS points and laser scans); its scripts are same-origin files and send
the session's CSRF token (a meta element of the page) as the X-CSRF-Token header."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..accounts.deps import CurrentUser, csrf_token
from ..db import connection
from ..sites import queries as site_queries
from ..web.deps import Pool
from ..web.pages import NO_STORE, html_page
from ..web.security import APP_PAGE_CSP

router = APIRouter(include_in_schema=False)


@router.get("/survey", response_class=HTMLResponse)
async def survey_page(request: Request, pool: Pool, user: CurrentUser) -> Response:
    if user is None or not user.has_role("surveyor"):
        return RedirectResponse(f"/login?next={quote('/survey')}", status_code=303)
    async with connection(pool) as conn:
        sites = await (await conn.execute(site_queries.ALL_NAMES)).fetchall()
    return html_page(
        request,
        "survey.html",
        csp=APP_PAGE_CSP,
        cache=NO_STORE,
        user=user,
        sites=sites,
        csrf_token=csrf_token(request),
    )
