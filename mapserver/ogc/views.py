"""HTML views of the OGC documents (templates/ogc_*.html, extending ogc_base.html), rendered by the
app's one Jinja environment (web.pages) with a breadcrumb trail from the landing page."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from ..web.pages import pages_of


def render(
    request: Request,
    template: str,
    *,
    base: str,
    title: str,
    crumbs: list[tuple[str, str]] | None = None,
    **context: Any,
) -> str:
    trail = [("OGC API", f"{base}?f=html")] + (crumbs or [])
    return pages_of(request).render(template, base=base, page_title=title, crumbs=trail, **context)
