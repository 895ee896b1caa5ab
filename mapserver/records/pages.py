"""The public page of any kind of record (``Kind.page_path``): its public fields with their
Vietnamese and English labels, its description, its links both ways, and schema.org JSON-LD.
The portal (issue of its own) builds richer pages on the same data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..errors import NotFound
from ..festivals.routes import today_in_vietnam
from ..media_viewers.section import media_section
from ..portal import structured as portal_ld
from ..web.deps import AppSettings, Pool
from ..web.pages import PAGE_CACHE, REVALIDATE, display_value, html_page
from . import service
from .kinds import Kind
from .registry import all_kinds

# schema.org types per kind (search engines and link previews read them)
SCHEMA_TYPES = {
    "artefact": "VisualArtwork",
    "festival": "Event",
    "document": "CreativeWork",
    "craft_village": "Place",
    "artisan": "Person",
    "intangible": "CreativeWork",
}
SKIPPED = {"description_vi", "description_en", "name_vi", "name_en", "title_vi", "title_en", "dimensions"}


def _rows(kind: Kind, record: dict[str, Any]) -> list[tuple]:
    out = []
    for f in kind.public_fields:
        value = record.get(f.name)
        if f.name in SKIPPED or value in (None, "", [], {}):
            continue
        if f.type == "bool":
            value = "có · yes" if value else "không · no"
        out.append((f, display_value(value)))
    return out


def page_router(kind: Kind) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    path = kind.page_path.replace("{id}", "{record_id}")

    @router.get(path, response_class=HTMLResponse)
    async def record_page(record_id: str, request: Request, pool: Pool, settings: AppSettings) -> Response:
        rid = kind.parse_id(record_id)
        try:
            if rid is None:
                raise NotFound("unknown id")
            record = await service.get_record(pool, kind, rid, staff=False)
        except NotFound:
            return html_page(
                request,
                "record_not_found.html",
                status_code=404,
                cache=REVALIDATE,
                kind=kind,
                record_id=record_id[:100],
            )
        title = record.get(kind.title) or str(rid)
        title_en = record.get(kind.title_en) if kind.title_en else None
        description = " · ".join(p for p in (title, kind.label_vi, record.get("description_vi") or "") if p)[:300]
        base = (settings.public_url or str(request.base_url)).rstrip("/")
        structured = {
            "@context": "https://schema.org",
            "@type": SCHEMA_TYPES.get(kind.name, "Thing"),
            "name": title,
            "identifier": str(rid),
            "description": description,
        }
        if kind.name == "festival" and record.get("place_vi"):
            structured["location"] = {"@type": "Place", "name": record["place_vi"]}
        media = await media_section(pool, kind.name, rid)
        canonical = f"{base}{kind.page_url(rid)}"
        structured = portal_ld.enrich(
            kind.name, structured, record, today=today_in_vietnam(), url=canonical, media=media.items, base=base
        )
        return html_page(
            request,
            "record.html",
            cache=PAGE_CACHE,
            csp=media.csp,
            media=media,
            kind=kind,
            record=record,
            title=title,
            title_en=title_en,
            rows=_rows(kind, record),
            description=description,
            canonical=canonical,
            structured=structured,
            open_graph=portal_ld.open_graph(kind.name, title, description, canonical, structured.get("image")),
            kind_labels={k.name: f"{k.label_vi} · {k.label_en}" for k in all_kinds()},
        )

    return router


def all_page_routers() -> list[APIRouter]:
    """One page route per kind that has a page, except relics (sites.pages) and tours (tours.pages:
    the 360° viewer) and lessons (lessons.pages) which have their own."""
    return [page_router(k) for k in all_kinds() if k.page_path and k.name not in ("site", "tour", "lesson")]
