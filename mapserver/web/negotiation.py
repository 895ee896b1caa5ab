"""Content negotiation: ``f`` decides; otherwise HTML only when the client prefers it (browsers),
JSON for everyone else."""

from __future__ import annotations

from fastapi import Request

from ..errors import InvalidParameter
from ..params import single

PAGE_FORMATS = ("json", "geojson", "html")
DOWNLOAD_FORMATS = ("csv", "gpkg")


def output_format(request: Request, downloads: bool = False) -> str:
    """json or html (or, where downloads are offered, csv/gpkg); geojson is json."""
    f = single(request.query_params, "f")
    allowed = PAGE_FORMATS + DOWNLOAD_FORMATS if downloads else PAGE_FORMATS
    if f is not None:
        if f not in allowed:
            raise InvalidParameter(f"f must be one of {', '.join(allowed)}", parameter="f")
        return "json" if f == "geojson" else f
    return "html" if prefers_html(request) else "json"


def wants_html(request: Request) -> bool:
    return output_format(request) == "html"


def prefers_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    html_at = accept.find("text/html")
    if html_at < 0:
        return False
    json_at = min(
        (i for i in (accept.find("application/json"), accept.find("application/geo+json")) if i >= 0),
        default=-1,
    )
    return json_at < 0 or html_at < json_at
