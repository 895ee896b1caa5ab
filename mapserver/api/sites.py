"""Relic search and records: /api/sites (GET and POST search), /api/sites/{id}."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from psycopg_pool import AsyncConnectionPool

from ..db import connection
from ..errors import InvalidParameter, NotFound
from ..params import SiteQuery, site_query_from
from ..queries import sites as site_sql
from ..settings import Settings
from .deps import get_pool, get_settings

router = APIRouter(prefix="/api", tags=["sites"])
GEOJSON = "application/geo+json"

FILTER_DOC = {
    "bbox": "minLon,minLat,maxLon,maxLat (WGS 84 degrees)",
    "intersects": "GeoJSON or WKT Polygon/MultiPolygon (lon/lat); POST /api/sites/search for big ones",
    "near": "lon,lat of a centre; needs radius",
    "radius": "metres on the ellipsoid around near",
    "rank": "comma list of special_national, national, provincial, inventoried",
    "category": "comma list of historical, revolutionary_historical, architectural_artistic, "
                "archaeological, scenic, other",
    "district": "administrative unit id or name, with or without diacritics (e.g. vung-tau, Vũng Tàu)",
    "q": "words in the name, case and diacritics ignored (bach dinh finds Bạch Dinh)",
    "located": "true: only relics with a position; false: only those not yet surveyed",
    "limit": "page size (1..max_page_size, default 100)",
    "offset": "number of features to skip",
}


async def _search(pool: AsyncConnectionPool, query: SiteQuery) -> tuple[str, int, int]:
    page_statement, page_params = site_sql.page_sql(query)
    count_statement, count_params = site_sql.count_sql(query)
    async with connection(pool) as conn:
        cur = await conn.execute(count_statement, count_params)
        matched = (await cur.fetchone())[0]
        cur = await conn.execute(page_statement, page_params)
        returned, features = await cur.fetchone()
    return features, returned, matched


def _collection(features: str, returned: int, matched: int, links: list[dict[str, Any]]) -> Response:
    head = orjson.dumps({"numberMatched": matched, "numberReturned": returned, "links": links}).decode()
    # Splice the database-built feature text into the envelope instead of parsing and re-encoding it.
    body = '{"type":"FeatureCollection","features":[' + features + "]," + head[1:]
    return Response(body, media_type=GEOJSON)


def _page_links(request: Request, query: SiteQuery, matched: int) -> list[dict[str, Any]]:
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    if query.offset + query.limit < matched:
        links.append({"rel": "next", "type": GEOJSON,
                      "href": str(request.url.include_query_params(offset=query.offset + query.limit))})
    if query.offset > 0:
        links.append({"rel": "prev", "type": GEOJSON,
                      "href": str(request.url.include_query_params(offset=max(0, query.offset - query.limit)))})
    return links


@router.get("/sites", summary="Search relics", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}, "description": "GeoJSON FeatureCollection"}})
async def list_sites(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
    bbox: Annotated[str | None, Query(description=FILTER_DOC["bbox"])] = None,
    intersects: Annotated[str | None, Query(description=FILTER_DOC["intersects"])] = None,
    near: Annotated[str | None, Query(description=FILTER_DOC["near"])] = None,
    radius: Annotated[str | None, Query(description=FILTER_DOC["radius"])] = None,
    rank: Annotated[str | None, Query(description=FILTER_DOC["rank"])] = None,
    category: Annotated[str | None, Query(description=FILTER_DOC["category"])] = None,
    district: Annotated[str | None, Query(description=FILTER_DOC["district"])] = None,
    q: Annotated[str | None, Query(description=FILTER_DOC["q"])] = None,
    located: Annotated[str | None, Query(description=FILTER_DOC["located"])] = None,
    limit: Annotated[str | None, Query(description=FILTER_DOC["limit"])] = None,
    offset: Annotated[str | None, Query(description=FILTER_DOC["offset"])] = None,
) -> Response:
    values = {"bbox": bbox, "intersects": intersects, "near": near, "radius": radius, "rank": rank,
              "category": category, "district": district, "q": q, "located": located,
              "limit": limit, "offset": offset}
    query = site_query_from(values, default_limit=settings.default_page_size,
                            max_limit=settings.max_page_size)
    features, returned, matched = await _search(pool, query)
    return _collection(features, returned, matched, _page_links(request, query, matched))


@router.post("/sites/search", summary="Search relics with a JSON body (large polygons)",
             response_class=Response,
             responses={200: {"content": {GEOJSON: {}}, "description": "GeoJSON FeatureCollection"}})
async def search_sites(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    pool: Annotated[AsyncConnectionPool, Depends(get_pool)],
    body: Annotated[dict[str, Any], Body(
        description="Same names as the GET parameters; intersects is a GeoJSON geometry object",
        examples=[{"intersects": {"type": "Polygon", "coordinates": [[[107, 10.3], [107.2, 10.3],
                                                                    [107.2, 10.5], [107, 10.3]]]},
                   "rank": ["national"], "limit": 100}])],
) -> Response:
    unknown = set(body) - set(FILTER_DOC)
    if unknown:
        raise InvalidParameter(f"unknown field '{sorted(unknown)[0]}'", parameter=sorted(unknown)[0])
    query = site_query_from(body, default_limit=settings.default_page_size, max_limit=settings.max_page_size)
    features, returned, matched = await _search(pool, query)
    links = []
    if query.offset + query.limit < matched:
        # As STAC API does for POST searches: the next page is the same body with a new offset.
        links.append({"rel": "next", "type": GEOJSON, "href": str(request.url), "method": "POST",
                      "body": {**body, "offset": query.offset + query.limit}})
    return _collection(features, returned, matched, links)


@router.get("/sites/{site_id}", summary="One relic with every field", response_class=Response,
            responses={200: {"content": {GEOJSON: {}}}, 404: {"description": "Unknown relic"}})
async def get_site(site_id: str, pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> Response:
    async with connection(pool) as conn:
        cur = await conn.execute(site_sql.detail_sql(), (site_id,))
        row = await cur.fetchone()
    if row is None:
        raise NotFound(f"No published relic has the id '{site_id[:100]}'.")
    return Response(row[0], media_type=GEOJSON)
