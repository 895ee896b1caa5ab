"""The portal's pages: ``/portal`` (home), ``/browse`` (every kind of record, filters, search with
facets) and ``/near`` (relics by distance from a point). Server-rendered and complete without
JavaScript; the one same-origin script registers the offline service worker (see app_shell)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..params import finite_number, single, text, whole_number
from ..records.registry import all_kinds
from ..vocabulary import RANK_TERMS, RANKS, labels
from ..web.deps import AppSettings, Pool
from ..web.pages import PAGE_CACHE, REVALIDATE, html_page
from ..web.security import READER_CSP
from . import service

router = APIRouter(include_in_schema=False)
RANK_LABELS = labels(RANK_TERMS)
LINKS = (  # the portal's other doors
    ("/", "Bản đồ 3D", "3D map"),
    ("/sites", "Danh sách di tích", "All relics"),
    ("/lessons", "Học liệu số mở", "Learning library"),
    ("/browse?type=tour", "Tham quan 360°", "360° tours"),
    ("/guide", "Hướng dẫn viên ảo", "Virtual guide"),
    ("/catalog", "Dữ liệu mở", "Open data"),
)


def _base(request: Request, settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


def _kinds() -> list[Any]:
    return [k for k in all_kinds() if k.page_path]


def _year(params, name: str) -> int | None:
    value = single(params, name)
    if value in (None, ""):
        return None
    return whole_number(value, name, default=0, minimum=-10_000, maximum=2100)


def browse_filters(params) -> service.BrowseFilters:
    kind = single(params, "type") or None
    rank = single(params, "rank") or None
    return service.BrowseFilters(
        kind=kind if kind in {k.name for k in _kinds()} else None,
        q=(text(single(params, "q"), "q", max_length=200) or "").strip(),
        rank=rank if rank in RANKS else None,
        district=(text(single(params, "district"), "district", max_length=100) or None),
        museum=(text(single(params, "museum"), "museum", max_length=100) or None),
        year_from=_year(params, "from"),
        year_to=_year(params, "to"),
        page=whole_number(single(params, "page"), "page", default=1, minimum=1, maximum=1000),
    )


@router.get("/portal", response_class=HTMLResponse)
async def portal_home(request: Request, pool: Pool, settings: AppSettings) -> Response:
    base = _base(request, settings)
    return html_page(
        request,
        "portal.html",
        csp=READER_CSP,
        cache=PAGE_CACHE,
        canonical=f"{base}/portal",
        base=base,
        rank_labels=RANK_LABELS,
        links=LINKS,
        kinds=_kinds(),
        **await service.home(pool, base=base),
    )


@router.get("/browse", response_class=HTMLResponse)
async def browse_page(request: Request, pool: Pool, settings: AppSettings) -> Response:
    filters = browse_filters(request.query_params)
    result = await service.browse(pool, filters)
    units, museums = await service.units_and_museums(pool)
    kinds = _kinds()
    return html_page(
        request,
        "portal_browse.html",
        csp=READER_CSP,
        cache=REVALIDATE,
        canonical=f"{_base(request, settings)}/browse",
        f=filters,
        result=result,
        kinds=kinds,
        kind_labels={k.name: (k.label_vi, k.label_en) for k in kinds},
        rank_labels=RANK_LABELS,
        units=units,
        unit_names={u["id"]: u for u in units},
        museums=museums,
        pages=-(-result.matched // service.PAGE_SIZE),
        query=request.query_params,
    )


@router.get("/near", response_class=HTMLResponse)
async def near_page(request: Request, pool: Pool, settings: AppSettings) -> Response:
    params = request.query_params
    lat, lon = single(params, "lat"), single(params, "lon")
    point = None
    if lat not in (None, "") and lon not in (None, ""):
        point = (finite_number(lon, "lon"), finite_number(lat, "lat"))
        if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
            point = None
    relics = await service.nearest(pool, *point) if point else []
    return html_page(
        request,
        "portal_near.html",
        csp=READER_CSP,
        cache="no-store" if point else PAGE_CACHE,  # a position is personal: never in a shared cache
        canonical=f"{_base(request, settings)}/near",
        point=point,
        relics=relics,
        rank_labels=RANK_LABELS,
    )
