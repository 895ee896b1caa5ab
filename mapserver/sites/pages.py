"""Server-rendered relic pages: /sites (every published relic as links, for search engines and
browsers without WebGL) and /sites/{id} (the record, Vietnamese first, with schema.org JSON-LD)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..errors import NotFound
from ..media_viewers.section import media_section
from ..records.registry import all_kinds
from ..vocabulary import CATEGORY_TERMS, LOCATION_STATUS_TERMS, RANK_TERMS, RANKS, group_labels, labels
from ..web.deps import AppSettings, Pool
from ..web.pages import PAGE_CACHE, REVALIDATE, html_page
from . import service
from .position import position_of

router = APIRouter(include_in_schema=False)
RANK_LABELS = labels(RANK_TERMS)
CATEGORY_LABELS = labels(CATEGORY_TERMS)
STATUS_LABELS = labels(LOCATION_STATUS_TERMS)


def _links(sources: str | None) -> list[str]:
    """http(s) URLs from the free-text sources field; anything else is shown as text only."""
    return [s for s in re.split(r"\s*;\s*|\s+", sources or "") if re.match(r"^https?://\S+$", s)]


def _description(props: dict[str, Any]) -> str:
    rank = RANK_LABELS.get(props.get("rank"), ("", ""))[0]
    parts = [props.get("name_vi") or "", rank]
    districts = ", ".join(d.get("name_vi", "") for d in props.get("districts") or [])
    if props.get("address_vi"):
        parts.append(props["address_vi"])
    elif districts:
        parts.append(districts)
    parts.append("Bà Rịa–Vũng Tàu")
    return " · ".join(p for p in parts if p)[:300]


def _structured(props: dict[str, Any], position: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LandmarksOrHistoricalBuildings",
        "name": props.get("name_vi"),
        "identifier": props.get("id"),
        "description": _description(props),
    }
    if props.get("name_en"):
        out["alternateName"] = props["name_en"]
    if props.get("address_vi"):
        out["address"] = props["address_vi"]
    if position["wgs84"]:
        out["geo"] = {
            "@type": "GeoCoordinates",
            "longitude": position["wgs84"]["lon"],
            "latitude": position["wgs84"]["lat"],
        }
    return out


def canonical(request: Request, settings, path: str) -> str:
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    return f"{base}{path}"


@router.get("/sites/{site_id}", response_class=HTMLResponse)
async def site_page(request: Request, site_id: str, pool: Pool, settings: AppSettings) -> Response:
    try:
        feature = await service.public_feature_with_links(pool, site_id)
    except NotFound:
        feature = None
    if feature is None:
        return html_page(request, "site_not_found.html", status_code=404, cache=REVALIDATE, site_id=site_id[:100])
    props = feature["properties"]
    position = position_of(feature)
    media = await media_section(pool, "site", props["id"])
    return html_page(
        request,
        "site.html",
        cache=PAGE_CACHE,
        csp=media.csp,
        media=media,
        site=props,
        position=position,
        description=_description(props),
        rank=RANK_LABELS.get(props.get("rank"), (props.get("rank"), props.get("rank"))),
        category=CATEGORY_LABELS.get(props.get("category")),
        status=STATUS_LABELS.get(props.get("location_status"), ("", "")),
        links=_links(props.get("sources")),
        story_links=_links(props.get("story_sources")),
        kind_labels={k.name: f"{k.label_vi} · {k.label_en}" for k in all_kinds()},
        canonical=canonical(request, settings, f"/sites/{props['id']}"),
        structured=_structured(props, position),
    )


@router.get("/sites", response_class=HTMLResponse)
async def sites_page(request: Request, pool: Pool) -> Response:
    rows = await service.public_list(pool, RANKS)
    groups = [(group_labels(RANK_TERMS)[rank], [r for r in rows if r[3] == rank]) for rank in RANKS]
    return html_page(request, "sites.html", cache=PAGE_CACHE, groups=[g for g in groups if g[1]], total=len(rows))
