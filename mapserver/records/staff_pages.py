"""Staff pages (server-rendered forms, Vietnamese first with English): the review queue, the list,
creation and editing of every kind of record, review decisions, versions with restore, and the
administrators' audit log. Writes go through records.service like the JSON API (same rules); every
form carries the session's CSRF token, checked by accounts.deps.current_user like any cookie write."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..accounts.deps import CurrentUser, csrf_token
from ..db import connection
from ..errors import ProblemError
from ..web.deps import AppSettings, Pool
from ..web.pages import NO_STORE, html_page
from . import forms, service
from .audit import audit_query
from .kinds import Kind
from .registry import all_kinds
from .review_queue import review_queue
from .workflow import ACTIONS

router = APIRouter(prefix="/staff", include_in_schema=False)
STAFF_ROLE = "surveyor"
EDITABLE_KINDS = ("artefact", "intangible", "festival", "artisan", "craft_village", "document", "lesson")


def _login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def _kind(path: str) -> Kind | None:
    kind = next((k for k in all_kinds() if k.path == path), None)
    return kind if kind is not None and kind.name in EDITABLE_KINDS else None


def _page(request: Request, template: str, user, status: int = 200, **context: Any) -> HTMLResponse:
    kinds = [k for k in all_kinds() if k.name in EDITABLE_KINDS]
    return html_page(
        request,
        template,
        status_code=status,
        cache=NO_STORE,
        user=user,
        kinds=kinds,
        actions=tuple(ACTIONS),
        csrf_token=csrf_token(request),
        **context,
    )


@router.get("", response_class=HTMLResponse)
async def home(request: Request, pool: Pool, user: CurrentUser) -> Response:
    if user is None or not user.has_role(STAFF_ROLE):
        return _login(request)
    queue = await review_queue(pool) if user.has_role("editor") else []
    return _page(request, "staff_home.html", user, queue=queue)


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    pool: Pool,
    user: CurrentUser,
    actor: str | None = None,
    entity: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    if user is None or not user.has_role("admin"):
        return _login(request)
    statement, params = audit_query(
        actor=actor or None, entity=entity or None, entity_id=None, since=since, until=until, limit=500
    )
    async with connection(pool) as conn:
        rows = await (await conn.execute(statement, params)).fetchall()
    query = {k: v for k, v in (("actor", actor), ("entity", entity), ("since", since), ("until", until)) if v}
    return _page(
        request,
        "staff_audit.html",
        user,
        rows=rows,
        query=query,
        csv_url="/api/audit?" + urlencode({**query, "f": "csv"}),
    )


@router.get("/{path}", response_class=HTMLResponse)
async def list_page(
    path: str,
    request: Request,
    pool: Pool,
    settings: AppSettings,
    user: CurrentUser,
    q: str | None = None,
    status: str | None = None,
) -> Response:
    kind = _kind(path)
    if user is None or not user.has_role(STAFF_ROLE):
        return _login(request)
    if kind is None:
        return _page(request, "staff_home.html", user, status=404, queue=[], missing=path[:60])
    statuses = [status] if status else None
    items, matched = await service.list_records(
        pool, kind, staff=True, filters={}, q=q or None, statuses=statuses, limit=200, offset=0
    )
    return _page(
        request,
        "staff_list.html",
        user,
        kind=kind,
        items=orjson.loads(items),
        matched=matched,
        q=q or "",
        status_filter=status or "",
    )


def _form_rows(kind: Kind, record: dict[str, Any] | None, *, raw: bool = False) -> list[tuple]:
    """(field, widget, shown text) per editable field; ``raw``: the values are a submitted form's text."""
    values = record or {}
    if raw:
        return [
            (f, forms.widget(f), (values.get(f.name) == "on") if f.type == "bool" else values.get(f.name) or "")
            for f in kind.editable
        ]
    return [(f, forms.widget(f), forms.shown(f, values.get(f.name))) for f in kind.editable]


async def _edit_page(request, pool, user, kind: Kind, record_id, *, error: str | None = None, status: int = 200):
    record = await service.get_record(pool, kind, record_id, staff=True)
    versions = await service.versions(pool, kind, record_id)
    return _page(
        request,
        "staff_edit.html",
        user,
        status=status,
        kind=kind,
        record=record,
        record_id=record_id,
        rows=_form_rows(kind, record),
        versions=versions,
        error=error,
    )


@router.get("/{path}/new", response_class=HTMLResponse)
async def new_page(path: str, request: Request, user: CurrentUser) -> Response:
    kind = _kind(path)
    if user is None or not user.has_role(STAFF_ROLE) or kind is None:
        return _login(request)
    return _page(
        request,
        "staff_edit.html",
        user,
        kind=kind,
        record=None,
        record_id=None,
        rows=_form_rows(kind, None),
        versions=[],
        error=None,
    )


@router.post("/{path}/new")
async def create(path: str, request: Request, pool: Pool, user: CurrentUser) -> Response:
    kind = _kind(path)
    if user is None or not user.has_role(STAFF_ROLE) or kind is None:
        return _login(request)
    form = dict(await request.form())
    try:
        record_id = await service.create(pool, kind, forms.parse(kind, form, with_id=True), user)
    except ProblemError as exc:
        return _page(
            request,
            "staff_edit.html",
            user,
            status=exc.status,
            kind=kind,
            record=None,
            record_id=None,
            rows=_form_rows(kind, form, raw=True),
            versions=[],
            error=_message(exc),
            given_id=form.get("id", ""),
        )
    return RedirectResponse(f"/staff/{kind.path}/{record_id}", status_code=303)


@router.get("/{path}/{record_id}", response_class=HTMLResponse)
async def edit_page(path: str, record_id: str, request: Request, pool: Pool, user: CurrentUser) -> Response:
    kind = _kind(path)
    rid = kind.parse_id(record_id) if kind else None
    if user is None or not user.has_role(STAFF_ROLE) or rid is None:
        return _login(request)
    return await _edit_page(request, pool, user, kind, rid)


@router.post("/{path}/{record_id}")
async def save(path: str, record_id: str, request: Request, pool: Pool, user: CurrentUser) -> Response:
    kind = _kind(path)
    rid = kind.parse_id(record_id) if kind else None
    if user is None or not user.has_role(STAFF_ROLE) or rid is None:
        return _login(request)
    form = dict(await request.form())
    try:
        command = form.get("command")
        if command in ACTIONS:
            await service.review(pool, kind, rid, command, user, form.get("reason") or None)
        elif command == "restore":
            await service.restore(pool, kind, rid, int(form.get("version") or 0), user)
        else:
            await service.update(pool, kind, rid, forms.parse(kind, form, with_id=False), user)
    except ProblemError as exc:
        return await _edit_page(request, pool, user, kind, rid, error=_message(exc), status=exc.status)
    return RedirectResponse(f"/staff/{kind.path}/{rid}", status_code=303)


def _message(exc: ProblemError) -> str:
    return f"{exc.parameter}: {exc.detail}" if exc.parameter else exc.detail
