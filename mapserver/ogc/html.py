"""HTML views of the OGC documents (templates/ogc_*.html, extending base.html).

Values from the data are inserted by jinja2 with autoescaping, as text, never as markup.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
# Same-origin only, no scripts at all on these pages.
CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'none'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
)


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _geometry_summary(geometry: dict | None) -> str:
    if not geometry:
        return "chưa khảo sát · not surveyed"
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Point" and isinstance(coords, list):
        return "POINT (" + " ".join(f"{c:g}" if isinstance(c, float) else str(c) for c in coords) + ")"
    return str(geometry.get("type"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=select_autoescape(["html"]), auto_reload=False
    )
    env.filters["value"] = _value
    env.filters["geometry_summary"] = _geometry_summary
    return env


def render(
    template: str, *, base: str, title: str, crumbs: list[tuple[str, str]] | None = None, **context: Any
) -> str:
    trail = [("OGC API", f"{base}?f=html")] + (crumbs or [])
    return environment().get_template(template).render(base=base, page_title=title, crumbs=trail, **context)
