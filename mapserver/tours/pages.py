"""``GET /tours/{id}``: the public tour viewer (Photo Sphere Viewer with its markers and virtual-tour
plugins, served from npm; Vietnamese first with English). Without JavaScript the page is the list
of rooms, each a linked picture with its ways on and the records its hotspots open.

The page's one inline script is its import map (allowed by its hash): it maps ``three`` to Photo
Sphere Viewer's own copy, so the page has a single three."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..db import connection
from ..errors import NotFound
from ..guide.narration.tours import narration_urls
from ..media_viewers.vendor import installed, vendor_url
from ..web.deps import AppSettings, Pool
from ..web.pages import PAGE_CACHE, REVALIDATE, html_page
from ..web.security import media_csp
from . import service
from .kind import TOUR

router = APIRouter(include_in_schema=False)
LIBRARIES = ("psv-core", "psv-markers", "psv-virtual-tour", "psv-three")


def import_map() -> str:
    return json.dumps(
        {
            "imports": {
                "three": vendor_url("psv-three", "three.module.min.js"),
                "@photo-sphere-viewer/core": vendor_url("psv-core", "index.module.js"),
                "@photo-sphere-viewer/markers-plugin": vendor_url("psv-markers", "index.module.js"),
                "@photo-sphere-viewer/virtual-tour-plugin": vendor_url("psv-virtual-tour", "index.module.js"),
            }
        },
        separators=(",", ":"),
    )


def viewer_assets() -> dict[str, Any]:
    """What a page with Photo Sphere Viewer loads: its style sheets, the import map and its CSP."""
    imports = import_map()
    digest = base64.b64encode(hashlib.sha256(imports.encode()).digest()).decode()
    return {
        "stylesheets": [vendor_url(lib, "index.css") for lib in ("psv-core", "psv-markers", "psv-virtual-tour")],
        "import_map": imports,
        "csp": media_csp([digest]),
        "installed": installed(*LIBRARIES),
    }


def bilingual(vi: str | None, en: str | None) -> str:
    return " / ".join(p for p in (vi, en) if p)


@router.get("/tours", include_in_schema=False)
async def tours_index() -> Response:
    # The published tours are listed where every kind is browsed.
    return RedirectResponse("/browse?type=tour", status_code=308)


@router.get("/tours/{tour_id}", response_class=HTMLResponse)
async def tour_page(tour_id: str, request: Request, pool: Pool, settings: AppSettings) -> Response:
    # Published tours only (the page is cached for everyone); staff check drafts in the editor.
    try:
        if TOUR.parse_id(tour_id) is None:
            raise NotFound("unknown id")
        tour = await service.get_tour(pool, tour_id, user=None)
    except NotFound:
        return html_page(
            request, "record_not_found.html", status_code=404, cache=REVALIDATE, kind=TOUR, record_id=tour_id[:100]
        )
    # the spoken introduction and stops (guide.narration.tours), offered only where there is audio
    async with connection(pool) as conn:
        spoken = await narration_urls(conn, tour_id)
    tour["narration"] = spoken.get(None)
    for node in tour["nodes"]:
        node["narration"] = spoken.get(node["id"])
    assets = viewer_assets()
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    description = bilingual(tour.get("description_vi"), tour.get("description_en"))[:300]
    return html_page(
        request,
        "tour.html",
        csp=assets["csp"],
        cache=PAGE_CACHE,
        tour=tour,
        rooms={n["id"]: n for n in tour["nodes"]},
        assets=assets,
        description=description or bilingual(tour["title_vi"], tour.get("title_en")),
        canonical=f"{base}{TOUR.page_url(tour_id)}",
        structured={
            "@context": "https://schema.org",
            "@type": "VirtualLocation",
            "name": tour["title_vi"],
            "identifier": tour_id,
            "description": description,
        },
    )
