"""The one Jinja environment (mapserver/templates and the viewer's index.html) and the HTML
response every page is sent with (security headers from web.security, a cache policy).

The environment is built per app (``app.state.pages``), not at import. Values from the data are
inserted with autoescaping, as text, never as markup.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..settings import PROJECT_ROOT
from .security import DOCUMENT_CSP, security_headers

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
VIEWER_TEMPLATES_DIR = PROJECT_ROOT / "viewer"

NO_STORE = "no-store"  # pages for a signed-in user
REVALIDATE = "no-cache"  # pages whose data changes at any time: always revalidated
PAGE_CACHE = "public, max-age=300"  # public record pages: data changes rarely


def vn_date(value: Any) -> str:
    """ISO date → dd/mm/yyyy, the way Vietnamese documents write it."""
    if not value:
        return ""
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def display_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(display_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def geometry_summary(geometry: dict | None) -> str:
    if not geometry:
        return "chưa khảo sát · not surveyed"
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Point" and isinstance(coords, list):
        return "POINT (" + " ".join(f"{c:g}" if isinstance(c, float) else str(c) for c in coords) + ")"
    return str(geometry.get("type"))


class Pages:
    def __init__(self, *, auto_reload: bool = True):
        # auto_reload: a changed template is picked up without a restart (cheap stat per render).
        self.env = Environment(
            loader=FileSystemLoader([str(TEMPLATES_DIR), str(VIEWER_TEMPLATES_DIR)]),
            autoescape=select_autoescape(["html"]),
            auto_reload=auto_reload,
        )
        self.env.filters["vn_date"] = vn_date
        self.env.filters["value"] = display_value
        self.env.filters["geometry_summary"] = geometry_summary

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)


def pages_of(request: Request) -> Pages:
    return request.app.state.pages


def html_page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    csp: str = DOCUMENT_CSP,
    cache: str = REVALIDATE,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    return html_response(
        pages_of(request).render(template, **context), status=status_code, csp=csp, cache=cache, headers=headers
    )


def html_response(
    text: str,
    *,
    status: int = 200,
    csp: str = DOCUMENT_CSP,
    cache: str | None = REVALIDATE,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    out = security_headers(csp)
    if cache is not None:
        out["Cache-Control"] = cache
    out.update(headers or {})
    return HTMLResponse(text, status_code=status, headers=out)
