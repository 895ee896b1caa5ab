"""Relics over HTTP: search (GET and POST), one record, its position in VN-2000, editing."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response

from ..accounts.deps import User, require_role
from ..errors import InvalidParameter, NotFound
from ..web.deps import AppSettings, Pool
from . import service
from .models import SitePatch
from .params import FILTER_DOC, SiteFilters, SiteQuery, site_filters, site_query_from
from .position import position_of

router = APIRouter(prefix="/api", tags=["sites"])
GEOJSON = "application/geo+json"
GEOJSON_RESPONSES = {200: {"content": {GEOJSON: {}}, "description": "GeoJSON FeatureCollection"}}


def _collection(features: bytes, returned: int, matched: int, links: list[dict[str, Any]]) -> Response:
    head = orjson.dumps({"numberMatched": matched, "numberReturned": returned, "links": links})
    # Splice the database-built feature bytes into the envelope instead of parsing and re-encoding them.
    body = b"".join((b'{"type":"FeatureCollection","features":[', features, b"],", head[1:]))
    return Response(body, media_type=GEOJSON)


def _page_links(request: Request, query: SiteQuery, matched: int) -> list[dict[str, Any]]:
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    if query.offset + query.limit < matched:
        links.append(
            {
                "rel": "next",
                "type": GEOJSON,
                "href": str(request.url.include_query_params(offset=query.offset + query.limit)),
            }
        )
    if query.offset > 0:
        links.append(
            {
                "rel": "prev",
                "type": GEOJSON,
                "href": str(request.url.include_query_params(offset=max(0, query.offset - query.limit))),
            }
        )
    return links


@router.get("/sites", summary="Search relics", response_class=Response, responses=GEOJSON_RESPONSES)
async def list_sites(request: Request, filters: Annotated[SiteFilters, Depends(site_filters)]) -> Response:
    # The busiest read of the API: settings and pool straight from the app state, because FastAPI
    # runs plain-function dependencies in its thread pool (a hop per dependency per request).
    settings, pool = request.app.state.settings, request.app.state.pool
    query = filters.query(default_limit=settings.default_page_size, max_limit=settings.max_page_size)
    features, returned, matched = await service.search(pool, query, request.app.state.page_cache)
    return _collection(features, returned, matched, _page_links(request, query, matched))


@router.post(
    "/sites/search",
    summary="Search relics with a JSON body (large polygons)",
    response_class=Response,
    responses=GEOJSON_RESPONSES,
)
async def search_sites(
    request: Request,
    settings: AppSettings,
    pool: Pool,
    body: Annotated[
        dict[str, Any],
        Body(
            description="Same names as the GET parameters; intersects is a GeoJSON geometry object",
            examples=[
                {
                    "intersects": {
                        "type": "Polygon",
                        "coordinates": [[[107, 10.3], [107.2, 10.3], [107.2, 10.5], [107, 10.3]]],
                    },
                    "rank": ["national"],
                    "limit": 100,
                }
            ],
        ),
    ],
) -> Response:
    unknown = set(body) - set(FILTER_DOC)
    if unknown:
        raise InvalidParameter(f"unknown field '{sorted(unknown)[0]}'", parameter=sorted(unknown)[0])
    query = site_query_from(body, default_limit=settings.default_page_size, max_limit=settings.max_page_size)
    features, returned, matched = await service.search(pool, query)
    links = []
    if query.offset + query.limit < matched:
        # As STAC API does for POST searches: the next page is the same body with a new offset.
        links.append(
            {
                "rel": "next",
                "type": GEOJSON,
                "href": str(request.url),
                "method": "POST",
                "body": {**body, "offset": query.offset + query.limit},
            }
        )
    return _collection(features, returned, matched, links)


@router.get(
    "/sites/{site_id}",
    summary="One relic with every field",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, 404: {"description": "Unknown relic"}},
)
async def get_site(site_id: str, pool: Pool) -> Response:
    return Response(orjson.dumps(await service.public_feature_with_links(pool, site_id)), media_type=GEOJSON)


@router.get("/sites/{site_id}/position", summary="A relic's position in WGS 84 and VN-2000 / TM-3 107-45 (EPSG:5899)")
async def site_position(site_id: str, pool: Pool) -> JSONResponse:
    feature = await service.public_feature(pool, site_id)
    if feature is None:
        raise NotFound(f"No published relic has the id '{site_id[:100]}'.")
    return JSONResponse(position_of(feature), headers={"Cache-Control": "public, max-age=60"})


@router.patch("/sites/{site_id}", summary="Edit a relic's record (editor)", response_class=Response)
async def edit_site(
    site_id: str, patch: SitePatch, editor: Annotated[User, Depends(require_role("editor"))], pool: Pool
) -> Response:
    changes = {name: getattr(patch, name) for name in service.EDITABLE if name in patch.model_fields_set}
    feature = await service.edit(
        pool,
        site_id,
        changes=changes,
        position=patch.position.as_move() if patch.position else None,
        actor=editor.actor,
        request_json=patch.model_dump(mode="json", exclude_unset=True),
    )
    return Response(feature, media_type=GEOJSON)
