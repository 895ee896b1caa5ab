"""The staff tour editor, ``/staff/tours/{id}/edit`` (contributors and editors): the tour's texts
and its rooms as one plain form — every number can be typed — which /static/tour_editor.js
enhances with a panorama viewer: a click in the picture writes the yaw and pitch of a link or
hotspot into its row. Saving goes through tours.service like ``PUT /api/tours/{id}`` (the same
checks); review decisions through records.service. The form carries the session's CSRF token,
checked by accounts.deps like every cookie write.

An id that has no tour yet opens an empty form that creates it (the panoramas are then uploaded
to ``tour:<id>`` and placed as rooms)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..accounts.deps import CurrentUser, csrf_token
from ..db import connection
from ..errors import NotFound, ProblemError
from ..records import service as records
from ..records.registry import all_kinds
from ..records.staff_pages import EDITABLE_KINDS
from ..records.workflow import ACTIONS
from ..vocabulary import LICENCE_TERMS
from ..web.deps import Pool
from ..web.pages import NO_STORE, html_page
from . import queries, service
from .graph import MAX_HOTSPOTS, MAX_LINKS, MAX_NODES
from .kind import TOUR
from .pages import viewer_assets

router = APIRouter(include_in_schema=False)
TEXTS = ("title_vi", "title_en", "description_vi", "description_en", "museum_id", "site_id")
NODE_TEXTS = ("id", "name_vi", "name_en", "caption_vi", "caption_en")
HOTSPOT_TEXTS = ("record", "label_vi", "label_en")


def _text(form: dict[str, Any], name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _angle(form: dict[str, Any], name: str) -> str | None:
    # Typed numbers may use a decimal comma (Vietnamese writing); the graph model reads the text.
    value = _text(form, name)
    return value.replace(",", ".") if value else None


def _rows(form: dict[str, Any], prefix: str, key: str, limit: int, texts: tuple[str, ...]) -> list[dict]:
    """The filled rows ``{prefix}-{j}-…`` of a table of the form; a row without ``key`` is left out."""
    out = []
    for j in range(limit + 1):
        if f"{prefix}-{j}-{key}" not in form:
            break
        if not _text(form, f"{prefix}-{j}-{key}"):
            continue
        row: dict[str, Any] = {name: _text(form, f"{prefix}-{j}-{name}") for name in texts}
        row.update(yaw=_angle(form, f"{prefix}-{j}-yaw"), pitch=_angle(form, f"{prefix}-{j}-pitch") or "0")
        out.append(row)
    return out


def parse_form(form: dict[str, Any]) -> dict[str, Any]:
    """The form as the body of PUT /api/tours/{id}: texts, start and rooms (blank rows dropped:
    emptying a room's id, a link's target or a hotspot's record removes it)."""
    data: dict[str, Any] = {name: _text(form, name) for name in TEXTS}
    data["is_sample"] = form.get("is_sample") == "on"
    data["start"] = _text(form, "start")
    nodes = []
    for i in range(MAX_NODES + 1):
        prefix = f"node-{i}"
        if f"{prefix}-id" not in form:
            break
        if not _text(form, f"{prefix}-id") and not _text(form, f"{prefix}-media_id"):
            continue
        node: dict[str, Any] = {name: _text(form, f"{prefix}-{name}") for name in NODE_TEXTS}
        node["media_id"] = _text(form, f"{prefix}-media_id")
        node["links"] = _rows(form, f"{prefix}-link", "to", MAX_LINKS, ("to",))
        node["hotspots"] = _rows(form, f"{prefix}-hotspot", "record", MAX_HOTSPOTS, HOTSPOT_TEXTS)
        nodes.append(node)
    data["nodes"] = nodes
    return data


def _login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


async def _page(request: Request, pool, user, tour_id: str, *, form_data: dict | None = None, error=None, status=200):
    try:
        tour = await service.get_tour(pool, tour_id, user=user)
    except NotFound:
        tour = None
    values = form_data or (
        {**{k: tour.get(k) for k in (*TEXTS, "is_sample")}, **tour["graph"]} if tour else {"nodes": [], "start": None}
    )
    async with connection(pool) as conn:
        museums = await (await conn.execute(queries.MUSEUMS)).fetchall()
        choices = await (
            await conn.execute(
                queries.HOTSPOT_CHOICES, {"museum": values.get("museum_id"), "site": values.get("site_id")}
            )
        ).fetchall()
    pictures = {str(p["id"]): p for p in (tour or {}).get("panoramas", [])}
    assets = viewer_assets()
    return html_page(
        request,
        "tour_editor.html",
        status_code=status,
        csp=assets["csp"],
        cache=NO_STORE,
        user=user,
        kinds=[k for k in all_kinds() if k.name in EDITABLE_KINDS],
        csrf_token=csrf_token(request),
        actions=tuple(ACTIONS),
        kind=TOUR,
        tour=tour,
        tour_id=tour_id,
        values=values,
        museums=museums,
        choices=choices,
        pictures=pictures,
        assets=assets,
        licences=[(t.code, t.vi, t.en) for t in LICENCE_TERMS],
        error=error,
    )


@router.get("/staff/tours/", response_class=HTMLResponse)
async def tours_page(request: Request, pool: Pool, user: CurrentUser, new: str | None = None) -> Response:
    """Every tour, with a way to start a new one. (The trailing slash keeps clear of the shared
    staff pages' /staff/{kind} route.)"""
    if user is None or not service.is_staff(user):
        return _login(request)
    if new:
        return RedirectResponse(f"/staff/tours/{quote(new.strip().lower())}/edit", status_code=303)
    items, _ = await records.list_records(
        pool, TOUR, staff=True, filters={}, q=None, statuses=None, limit=500, offset=0
    )
    return html_page(
        request,
        "tour_list.html",
        cache=NO_STORE,
        user=user,
        kinds=[k for k in all_kinds() if k.name in EDITABLE_KINDS],
        csrf_token=csrf_token(request),
        kind=TOUR,
        items=orjson.loads(items),
    )


@router.get("/staff/tours/{tour_id}/edit", response_class=HTMLResponse)
async def editor_page(tour_id: str, request: Request, pool: Pool, user: CurrentUser) -> Response:
    if user is None or not service.is_staff(user) or TOUR.parse_id(tour_id) is None:
        return _login(request)
    return await _page(request, pool, user, tour_id)


@router.post("/staff/tours/{tour_id}/edit")
async def save(tour_id: str, request: Request, pool: Pool, user: CurrentUser) -> Response:
    if user is None or not service.is_staff(user) or TOUR.parse_id(tour_id) is None:
        return _login(request)
    form = dict(await request.form())
    command = form.get("command")
    data = None
    try:
        if command in ACTIONS:
            await records.review(pool, TOUR, tour_id, command, user, _text(form, "reason"))
        else:
            data = parse_form(form)
            await service.save_tour(pool, tour_id, data, user)
    except ProblemError as exc:
        message = f"{exc.parameter}: {exc.detail}" if exc.parameter else exc.detail
        return await _page(request, pool, user, tour_id, form_data=data, error=message, status=exc.status)
    return RedirectResponse(f"/staff/tours/{tour_id}/edit", status_code=303)
