"""The guide's pages: ``/guide`` (ask without JavaScript: a form, the answer rendered by the
server; guide.js answers in place where scripts may run) and ``/staff/guide`` (editors: what
visitors asked, and what the records could not answer)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..accounts.deps import CurrentUser, csrf_token
from ..db import connection
from ..records.registry import all_kinds
from ..web.pages import NO_STORE, html_page
from ..web.security import APP_PAGE_CSP
from . import queries
from .asking import MAX_QUESTION_CHARS, ask, runtime_of
from .throttle import take

router = APIRouter(include_in_schema=False)
STAFF_DAYS = 30


def _guide_page(request: Request, **context) -> HTMLResponse:
    return html_page(request, "guide_page.html", csp=APP_PAGE_CSP, cache=NO_STORE, **context)


@router.get("/guide", response_class=HTMLResponse)
async def guide_page(request: Request) -> Response:
    return _guide_page(request, question="", lang="vi", result=None)


@router.post("/guide", response_class=HTMLResponse)
async def guide_answer(
    request: Request, question: str = Form("", max_length=MAX_QUESTION_CHARS), lang: str = Form("vi")
) -> Response:
    lang = "en" if lang == "en" else "vi"
    question = question.strip()
    if not question:
        return _guide_page(request, question="", lang=lang, result=None)
    runtime = runtime_of(request.app)
    if take(runtime.buckets, request.client.host if request.client else "unknown") is not None:
        return _guide_page(request, question=question, lang=lang, result=None, busy=True, status_code=429)
    result = await ask(request.app.state.pool, runtime, question, lang)
    return _guide_page(request, question=question, lang=lang, result=result)


@router.get("/staff/guide", response_class=HTMLResponse)
async def staff_guide(request: Request, user: CurrentUser) -> Response:
    if user is None or not user.has_role("editor"):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    async with connection(request.app.state.pool) as conn:
        recent = await (await conn.execute(queries.RECENT_QUESTIONS, (200,))).fetchall()
        missing = await (await conn.execute(queries.MISSING, (STAFF_DAYS, 100))).fetchall()
        asked, answered = await (await conn.execute(queries.QUESTION_TOTALS, (STAFF_DAYS,))).fetchone()
    kinds = [k for k in all_kinds() if k.name != "site"]
    return html_page(
        request,
        "guide_staff.html",
        cache=NO_STORE,
        user=user,
        kinds=kinds,
        csrf_token=csrf_token(request),
        recent=recent,
        missing=missing,
        asked=asked,
        answered=answered,
        days=STAFF_DAYS,
    )
