"""What makes the portal an installable web app: ``/manifest.webmanifest`` and the service worker
at ``/sw.js`` (served from the root so its scope is the whole site; the file is static/portal/sw.js).
The icons are small PNGs drawn once with Pillow and kept in static/portal/."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static" / "portal"

MANIFEST = {
    "name": "Di sản Bà Rịa–Vũng Tàu",
    "short_name": "Di sản BR-VT",
    "description": "Bản đồ, di tích, lễ hội và học liệu di sản Bà Rịa–Vũng Tàu · Heritage of Bà Rịa–Vũng Tàu",
    "lang": "vi",
    "dir": "ltr",
    "start_url": "/portal",
    "scope": "/",
    "display": "standalone",
    "background_color": "#f6f7f9",
    "theme_color": "#0b5cad",
    "icons": [
        {"src": "/static/portal/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "/static/portal/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    ],
}


@router.get("/manifest.webmanifest")
async def manifest() -> Response:
    return JSONResponse(
        MANIFEST, media_type="application/manifest+json", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/sw.js")
async def service_worker() -> Response:
    # no-cache: browsers check for a new worker on every visit (they cap worker caching at 24 h anyway)
    return Response(
        (STATIC / "sw.js").read_bytes(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
