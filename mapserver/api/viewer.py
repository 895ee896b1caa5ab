"""The CesiumJS viewer and the server-rendered relic pages.

Routes
* ``GET /``                          the 3D map (viewer/index.html rendered by jinja2), ``no-cache``
* ``GET /cesium/{version}/{path}``   Cesium's prebuilt build from viewer/node_modules, immutable
* ``GET /viewer/{build}/{path}``     the viewer's own ES modules and CSS (viewer/src), immutable;
                                     ``build`` is a hash of their content, so a new release gets
                                     new URLs and long caching stays safe
* ``GET /api/sites/{id}/position``   the relic's position in WGS 84 and VN-2000 / TM-3 (EPSG:5899)
* ``GET /sites``, ``GET /sites/{id}`` indexable HTML pages (Vietnamese first, English second)

Static files are compressed by the app's GZip middleware. Nothing here talks to the internet:
the page loads only same-origin assets (NaturalEarthII imagery ships inside the cesium package).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from psycopg_pool import AsyncConnectionPool
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.staticfiles import StaticFiles

from ..db import connection
from ..errors import NotFound
from ..queries import sites as site_sql
from ..settings import PROJECT_ROOT, Settings
from .deps import get_pool, get_settings

log = logging.getLogger("heritage.viewer")
router = APIRouter(tags=["viewer"])

VIEWER_DIR = PROJECT_ROOT / "viewer"
APP_DIR = VIEWER_DIR / "src"
CESIUM_PACKAGE = VIEWER_DIR / "node_modules" / "cesium"
CESIUM_BUILD = CESIUM_PACKAGE / "Build" / "Cesium"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# One year: the URLs carry a version, so a changed file never reuses a cached URL.
IMMUTABLE = "public, max-age=31536000, immutable"
# Pages and unversioned URLs: always revalidate (an ETag/Last-Modified makes that a cheap 304).
REVALIDATE = "no-cache"
PAGE_CACHE = "public, max-age=300"  # server-rendered relic pages: data changes rarely
PROVINCIAL_ZONE = 5899  # VN-2000 / TM-3 107-45, Bà Rịa–Vũng Tàu

# The page loads only same-origin scripts: an injected <script> or inline handler would not run.
# 'unsafe-eval' because Cesium's widgets use knockout (new Function for bindings), and
# 'wasm-unsafe-eval' for its WebAssembly decoders (Draco, KTX2). Tilesets (3D Tiles) may come from
# a CDN/object store, hence http(s) in connect-src. Cesium starts its workers from blob: URLs
# (worker-src) which importScripts() further blob: URLs (script-src).
CSP = ("default-src 'self'; script-src 'self' blob: 'unsafe-eval' 'wasm-unsafe-eval' {hashes}; "
       "style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self' data: blob: http: https:; "
       "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; "
       "form-action 'self'")
PAGE_CSP = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'")


# -- static assets ----------------------------------------------------------------------------------

class _Assets:
    """A directory served with Starlette's StaticFiles (path-traversal checks, ETag/Last-Modified,
    304s) plus our Cache-Control. Looked up per request, so a missing `npm ci` is a 404, not a
    start-up failure."""

    def __init__(self, directory: Path):
        self._static = StaticFiles(directory=directory, check_dir=False)
        self._directory = directory

    async def respond(self, request: Request, path: str, cache_control: str) -> Response:
        if not self._directory.is_dir():
            raise HTTPException(404, "Not found")
        response = await self._static.get_response(path, request.scope)
        response.headers["Cache-Control"] = cache_control
        return response


_cesium_assets = _Assets(CESIUM_BUILD)
_app_assets = _Assets(APP_DIR)


def cesium_version() -> str | None:
    try:
        return json.loads((CESIUM_PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def _app_signature() -> tuple:
    if not APP_DIR.is_dir():
        return ()
    return tuple(sorted((str(p.relative_to(APP_DIR)), p.stat().st_mtime_ns, p.stat().st_size)
                        for p in APP_DIR.rglob("*") if p.is_file()))


@lru_cache(maxsize=8)
def _hash_files(signature: tuple) -> str:
    digest = hashlib.sha256()
    for name, _, _ in signature:
        digest.update(name.encode())
        digest.update((APP_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


def app_build() -> str:
    """Content hash of viewer/src: identical on every app server of a deployment (no mtimes in it),
    recomputed only when a file's mtime/size changes."""
    return _hash_files(_app_signature())


@router.api_route("/cesium/{version}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def cesium_asset(request: Request, version: str, path: str) -> Response:
    if version != cesium_version():
        # Another release's URL: we cannot serve its files, and must not cache ours under it.
        raise HTTPException(404, "Not found")
    return await _cesium_assets.respond(request, path, IMMUTABLE)


@router.api_route("/viewer/{build}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def viewer_asset(request: Request, build: str, path: str) -> Response:
    # A page from before a deploy may still ask for its old build: serve the current files, but
    # never pin them under that stale URL.
    return await _app_assets.respond(request, path, IMMUTABLE if build == app_build() else REVALIDATE)


# -- templates ----------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader([str(VIEWER_DIR), str(TEMPLATES_DIR)]),
                      autoescape=select_autoescape(["html"]), auto_reload=True)
    env.filters["vn_date"] = _vn_date
    return env


def _render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)


def _vn_date(value: str | None) -> str:
    """ISO date → dd/mm/yyyy, the way Vietnamese documents write it."""
    if not value:
        return ""
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def _scans_api_available(request: Request) -> bool:
    """True once some router serves GET /api/sites/{id}/scans. The viewer asks for scans only then,
    so a missing endpoint does not litter the browser console with 404s. Asked through the routes'
    own matching, which works whatever the router nesting."""
    scope = {"type": "http", "method": "GET", "path": "/api/sites/probe/scans", "root_path": "",
             "path_params": {}, "query_string": b"", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request) -> Response:
    version = cesium_version()
    if version is None:
        body = ("<!doctype html><meta charset=utf-8><title>Viewer not installed</title>"
                "<p>Trình xem 3D chưa được cài đặt / The 3D viewer is not installed: "
                "run <code>npm ci</code> in <code>viewer/</code> (scripts/setup.sh does it).</p>")
        return HTMLResponse(body, status_code=503, headers={"Cache-Control": "no-store"})
    cesium_base = f"/cesium/{version}/"
    # The one inline script: Cesium reads CESIUM_BASE_URL when it first resolves an asset.
    boot = f"window.CESIUM_BASE_URL = {json.dumps(cesium_base)};"
    config = {"cesiumBase": cesium_base, "scansApi": _scans_api_available(request),
              "positionApi": True}
    modules = sorted(p.name for p in APP_DIR.glob("*.js")) if APP_DIR.is_dir() else []
    html = _render("index.html", cesium_base=cesium_base, app_base=f"/viewer/{app_build()}/",
                   boot_script=boot, config=config, modules=modules)
    digest = base64.b64encode(hashlib.sha256(boot.encode()).digest()).decode()
    return HTMLResponse(html, headers={
        "Cache-Control": REVALIDATE,
        "Content-Security-Policy": CSP.format(hashes=f"'sha256-{digest}'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    })


# -- positions ------------------------------------------------------------------------------------------

def vn2000(lon: float, lat: float) -> dict[str, Any] | None:
    """WGS 84 → VN-2000 / TM-3 107-45 through crs/ (pinned EPSG:6960); None when crs/ is absent
    or cannot transform (the page then shows "—")."""
    try:
        from crs.transform import transform
    except ImportError:
        return None
    try:
        easting, northing = transform(lon, lat, src=4326, dst=PROVINCIAL_ZONE)
        easting, northing = float(easting), float(northing)
    except Exception:  # crs/ raises its own errors (missing grids, unsupported zone …)
        log.warning("VN-2000 conversion failed for %s,%s", lon, lat, exc_info=True)
        return None
    if not (math.isfinite(easting) and math.isfinite(northing)):
        return None
    return {"epsg": PROVINCIAL_ZONE, "name": "VN-2000 / TM-3 107-45",
            "e": round(easting, 3), "n": round(northing, 3)}


def position_of(feature: dict[str, Any]) -> dict[str, Any]:
    props = feature.get("properties") or {}
    geometry = feature.get("geometry")
    out: dict[str, Any] = {
        "id": feature.get("id"),
        "location_status": props.get("location_status"),
        "source": props.get("location_source"),
        "accuracy_m": props.get("location_accuracy_m"),
        "wgs84": None,
        "vn2000": None,
    }
    if geometry and geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"][:2]
        out["wgs84"] = {"epsg": 4326, "lon": lon, "lat": lat}
        out["vn2000"] = vn2000(lon, lat)
    return out


async def _site(pool: AsyncConnectionPool, site_id: str) -> dict[str, Any] | None:
    async with connection(pool) as conn:
        cur = await conn.execute(site_sql.detail_sql(), (site_id,))
        row = await cur.fetchone()
    return None if row is None else orjson.loads(row[0])


@router.get("/api/sites/{site_id}/position", tags=["sites"],
            summary="A relic's position in WGS 84 and VN-2000 / TM-3 107-45 (EPSG:5899)")
async def site_position(site_id: str,
                        pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> JSONResponse:
    feature = await _site(pool, site_id)
    if feature is None:
        raise NotFound(f"No published relic has the id '{site_id[:100]}'.")
    return JSONResponse(position_of(feature), headers={"Cache-Control": "public, max-age=60"})


# -- HTML pages -------------------------------------------------------------------------------------------

RANKS = {
    "special_national": ("Di tích quốc gia đặc biệt", "Special national relic"),
    "national": ("Di tích quốc gia", "National relic"),
    "provincial": ("Di tích cấp tỉnh", "Provincial relic"),
    "inventoried": ("Di tích trong danh mục kiểm kê", "Inventoried relic"),
}
CATEGORIES = {
    "historical": ("Lịch sử", "Historical"),
    "revolutionary_historical": ("Lịch sử cách mạng", "Revolutionary history"),
    "architectural_artistic": ("Kiến trúc nghệ thuật", "Architecture and art"),
    "archaeological": ("Khảo cổ", "Archaeological"),
    "scenic": ("Danh lam thắng cảnh", "Scenic landscape"),
    "other": ("Khác", "Other"),
}
LOCATION_STATUS = {
    "surveyed": ("Đã khảo sát", "Surveyed"),
    "sourced": ("Theo nguồn công bố", "From a published source"),
    "approximate": ("Gần đúng", "Approximate"),
    "unknown": ("Chưa khảo sát vị trí", "Location not yet surveyed"),
}


def _links(sources: str | None) -> list[str]:
    """http(s) URLs from the free-text sources field; anything else is shown as text only."""
    return [s for s in re.split(r"\s*;\s*|\s+", sources or "") if re.match(r"^https?://\S+$", s)]


def _description(props: dict[str, Any]) -> str:
    rank = RANKS.get(props.get("rank"), ("", ""))[0]
    parts = [props.get("name_vi") or "", rank]
    districts = ", ".join(d.get("name_vi", "") for d in props.get("districts") or [])
    if props.get("address_vi"):
        parts.append(props["address_vi"])
    elif districts:
        parts.append(districts)
    parts.append("Bà Rịa–Vũng Tàu")
    return " · ".join(p for p in parts if p)[:300]


def _canonical(request: Request, settings: Settings, site_id: str) -> str:
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    return f"{base}/sites/{site_id}"


@router.get("/sites/{site_id}", response_class=HTMLResponse, include_in_schema=False)
async def site_page(request: Request, site_id: str,
                    pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
                    settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    feature = await _site(pool, site_id)
    if feature is None:
        html = _render("site_not_found.html", site_id=site_id[:100])
        return HTMLResponse(html, status_code=404, headers={"Cache-Control": REVALIDATE,
                                                            "Content-Security-Policy": PAGE_CSP})
    props = feature["properties"]
    position = position_of(feature)
    structured: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "LandmarksOrHistoricalBuildings",
        "name": props.get("name_vi"), "identifier": props.get("id"),
        "description": _description(props),
    }
    if props.get("name_en"):
        structured["alternateName"] = props["name_en"]
    if props.get("address_vi"):
        structured["address"] = props["address_vi"]
    if position["wgs84"]:
        structured["geo"] = {"@type": "GeoCoordinates", "longitude": position["wgs84"]["lon"],
                             "latitude": position["wgs84"]["lat"]}
    html = _render(
        "site.html", site=props, position=position, description=_description(props),
        rank=RANKS.get(props.get("rank"), (props.get("rank"), props.get("rank"))),
        category=CATEGORIES.get(props.get("category")),
        status=LOCATION_STATUS.get(props.get("location_status"), ("", "")),
        links=_links(props.get("sources")), canonical=_canonical(request, settings, props["id"]),
        structured=structured)
    return HTMLResponse(html, headers={"Cache-Control": PAGE_CACHE, "Content-Security-Policy": PAGE_CSP,
                                       "X-Content-Type-Options": "nosniff"})


@router.get("/sites", response_class=HTMLResponse, include_in_schema=False)
async def sites_page(pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> Response:
    """Every published relic as plain links: for search engines and for browsers without WebGL."""
    async with connection(pool) as conn:
        cur = await conn.execute(
            "SELECT id, name_vi, name_en, rank, geom IS NOT NULL FROM sites "
            "WHERE publication_status = 'published' ORDER BY "
            "array_position(ARRAY['special_national','national','provincial','inventoried'], rank), "
            "name_vi")
        rows = await cur.fetchall()
    groups = [(RANKS[rank], [r for r in rows if r[3] == rank]) for rank in RANKS]
    html = _render("sites.html", groups=[g for g in groups if g[1]], total=len(rows))
    return HTMLResponse(html, headers={"Cache-Control": PAGE_CACHE, "Content-Security-Policy": PAGE_CSP,
                                       "X-Content-Type-Options": "nosniff"})
