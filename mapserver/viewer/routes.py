"""The CesiumJS viewer.

* ``GET /``                          the 3D map (viewer/index.html), ``no-cache``
* ``GET /cesium/{version}/{path}``   Cesium's prebuilt build from viewer/node_modules, immutable
* ``GET /viewer/{build}/{path}``     the viewer's own ES modules and CSS (viewer/src), immutable;
                                     ``build`` is a hash of their content, so a new release gets
                                     new URLs and long caching stays safe

Nothing here talks to the internet: the page loads only same-origin assets (NaturalEarthII imagery
ships inside the cesium package). Labels of ranks, categories and statuses come with the page's
config from mapserver.vocabulary.
"""

from __future__ import annotations

import base64
import hashlib
import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from ..vocabulary import as_json
from ..web.pages import REVALIDATE, html_response, pages_of
from ..web.security import viewer_csp
from .assets import ViewerAssets, cesium_version

router = APIRouter(tags=["viewer"], include_in_schema=False)
IMMUTABLE = "public, max-age=31536000, immutable"  # the URLs carry a version


def assets_of(request: Request) -> ViewerAssets:
    return request.app.state.viewer_assets


@router.api_route("/cesium/{version}/{path:path}", methods=["GET", "HEAD"])
async def cesium_asset(request: Request, version: str, path: str) -> Response:
    if version != cesium_version():
        # Another release's URL: we cannot serve its files, and must not cache ours under it.
        raise HTTPException(404, "Not found")
    return await assets_of(request).cesium.respond(request, path, IMMUTABLE)


@router.api_route("/viewer/{build}/{path:path}", methods=["GET", "HEAD"])
async def viewer_asset(request: Request, build: str, path: str) -> Response:
    # A page from before a deploy may still ask for its old build: serve the current files, but
    # never pin them under that stale URL.
    assets = assets_of(request)
    return await assets.app.respond(request, path, IMMUTABLE if build == assets.build() else REVALIDATE)


def _api_available(request: Request, path: str = "/api/sites/probe/scans") -> bool:
    """True once some router serves GET ``path`` (scans: /api/sites/{id}/scans; media: /api/media).
    The viewer asks for them only then, so a missing endpoint does not litter the browser console
    with 404s."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "path_params": {},
        "query_string": b"",
        "headers": [],
    }
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> Response:
    version = cesium_version()
    if version is None:
        body = (
            "<!doctype html><meta charset=utf-8><title>Viewer not installed</title>"
            "<p>Trình xem 3D chưa được cài đặt / The 3D viewer is not installed: "
            "run <code>npm ci</code> in <code>viewer/</code> (scripts/setup.sh does it).</p>"
        )
        return html_response(body, status=503, cache="no-store")
    assets = assets_of(request)
    cesium_base = f"/cesium/{version}/"
    # The one inline script: Cesium reads CESIUM_BASE_URL when it first resolves an asset.
    boot = f"window.CESIUM_BASE_URL = {json.dumps(cesium_base)};"
    config = {
        "cesiumBase": cesium_base,
        "scansApi": _api_available(request),
        "mediaApi": _api_available(request, "/api/media"),
        # terrain, imagery and basemap layers, and the per-district badges of relics not yet surveyed
        "terrainApi": _api_available(request, "/api/terrain"),
        "positionApi": True,
        "vocabulary": as_json(),
    }
    html = pages_of(request).render(
        "index.html",
        cesium_base=cesium_base,
        app_base=f"/viewer/{assets.build()}/",
        boot_script=boot,
        config=config,
        modules=assets.modules(),
    )
    digest = base64.b64encode(hashlib.sha256(boot.encode()).digest()).decode()
    return html_response(html, csp=viewer_csp([digest]), cache=REVALIDATE)
