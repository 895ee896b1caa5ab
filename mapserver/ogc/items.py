"""OGC API Features items: pages of features (GeoJSON, HTML, CSV and GeoPackage downloads) and
single features, in any offered CRS. Registered on the router of ``ogc.routes``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
import psycopg
from fastapi import Request
from fastapi.responses import Response
from psycopg_pool import AsyncConnectionPool
from starlette.datastructures import QueryParams

from ..db import connection
from ..errors import InvalidParameter, NotFound
from ..geo import crsref, exports
from ..params import flag, single
from ..web.deps import AppSettings, Pool
from ..web.negotiation import DOWNLOAD_FORMATS, PAGE_FORMATS, prefers_html, wants_html
from . import documents, query, views
from .collections import Collection
from .documents import GEOJSON, HTML, JSON, SCHEMA
from .openapi import POST_BODY
from .params import ITEM_PARAMETERS, body_parameters, check_known, parse_items_query, parse_properties
from .routes import DOC, OptionalUser, crumbs, route, router
from .web import base_url, find_collection, ogc_html, page_pairs, page_url, vary

MAX_FEATURE_ID = 200

# -- features ------------------------------------------------------------------------------------------------


async def _fetch(pool: AsyncConnectionPool, *statements: tuple[Any, dict]) -> list[list[tuple]]:
    """Run statements on one connection; a value the database cannot evaluate is a 400.

    Parallel workers are turned off for these statements: pages and counts are small
    index-driven selections, and starting a worker cost more than it saved (count over a 0.5°
    box among 1M relics: 11 ms → 7.5 ms median, and much shorter tails on 2 cores)."""
    results = []
    async with connection(pool) as conn:
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                for statement, params in statements:
                    cur = await conn.execute(statement, params)
                    results.append(await cur.fetchall())
        except psycopg.errors.DataError:
            raise InvalidParameter(
                "a value in the query cannot be evaluated (out of range or malformed)", parameter="filter"
            ) from None
    return results


def _headers(zone, c: Collection, links: list[dict] | None = None) -> dict[str, str]:
    headers = {"Content-Crs": crsref.content_crs_header(zone), **vary(c.role is not None)}
    if links:
        # RFC 8288 Link header (some clients read links from there); hrefs are percent-encoded.
        headers["Link"] = ", ".join(f'<{k["href"]}>; rel="{k["rel"]}"; type="{k["type"]}"' for k in links)
    return headers


@route("/collections/{collection_id}/items", summary="Features of a collection", description=DOC)
async def items(
    collection_id: str, request: Request, settings: AppSettings, pool: Pool, user: OptionalUser
) -> Response:
    return await _items(collection_id, request, request.query_params, settings, pool, user, post=False)


@router.post(
    "/collections/{collection_id}/items",
    summary="Features of a collection, the parameters in the body (filters too long for a URL)",
    description=DOC + " The body is a form or a JSON object with the parameters of GET …/items.",
    openapi_extra={"requestBody": POST_BODY},
)
async def items_by_post(
    collection_id: str, request: Request, settings: AppSettings, pool: Pool, user: OptionalUser
) -> Response:
    c = find_collection(collection_id, user)
    params = body_parameters(request.headers.get("content-type", ""), await request.body(), request.query_params)
    return await _items(c.id, request, params, settings, pool, user, post=True)


def _format(request: Request, params: QueryParams) -> str:
    """``f`` from the URL or the body (json, html, csv, gpkg), else content negotiation."""
    f = single(params, "f")
    allowed = PAGE_FORMATS + DOWNLOAD_FORMATS
    if f is None:
        return "html" if prefers_html(request) else "json"
    if f not in allowed:
        raise InvalidParameter(f"f must be one of {', '.join(allowed)}", parameter="f")
    return "json" if f == "geojson" else f


def _page_link(base: str, c: Collection, params: QueryParams, post: bool, rel: str, type_: str, title: str, **changes):
    """A link to this page or a sibling. After a POST the link repeats the POST (as STAC API
    searches do): the same URL, ``method`` and the ``body`` with the changed parameters."""
    if not post:
        return documents.link(page_url(base, c, params, **changes), rel, type_, title)
    return {
        **documents.link(f"{base}/collections/{c.id}/items", rel, type_, title),
        "method": "POST",
        "body": dict(page_pairs(params, **changes)),
    }


async def _items(
    collection_id: str, request: Request, params: QueryParams, settings, pool, user, *, post: bool
) -> Response:
    base = base_url(request, settings)
    c = find_collection(collection_id, user)
    fmt = _format(request, params)
    html_wanted = fmt == "html"
    q = parse_items_query(params, c, default_limit=settings.default_page_size, max_limit=settings.max_page_size)
    mode = "none" if q.skip_geometry else "geojson" if crsref.is_crs84(q.crs) else "wkb"
    rows, count = await _fetch(pool, query.page_sql(c, q, mode), query.count_sql(c, q))
    matched = count[0][0]
    features = documents.feature_texts(rows, q.crs, mode)

    self_type = HTML if html_wanted else GEOJSON
    # HTML pages link with plain URLs (a browser follows links with GET).
    link_post = post and not html_wanted

    def page_link(rel: str, type_: str, title: str, **changes) -> dict:
        return _page_link(base, c, params, link_post, rel, type_, title, **changes)

    links = [
        page_link("self", self_type, "This page"),
        page_link(
            "alternate",
            GEOJSON if html_wanted else HTML,
            "This page as " + ("GeoJSON" if html_wanted else "HTML"),
            f="html" if not html_wanted else "json",
        ),
    ]
    for fmt_name, media in (("csv", exports.CSV_TYPE), ("gpkg", exports.GPKG_TYPE)):
        links.append(page_link("alternate", media, f"This page as {fmt_name.upper()}", f=fmt_name))
    if q.offset + len(features) < matched:
        links.append(page_link("next", self_type, "Next page", offset=q.offset + q.limit, limit=q.limit))
    if q.offset > 0:
        links.append(page_link("prev", self_type, "Previous page", offset=max(0, q.offset - q.limit), limit=q.limit))
    links.append(documents.link(f"{base}/collections/{c.id}", "collection", JSON, "The collection"))
    queryables_link = documents.link(f"{base}/collections/{c.id}/queryables", documents.REL_QUERYABLES, SCHEMA)
    # A Link header cannot say "POST this body": after a POST it carries the queryables only.
    header_links = [queryables_link] if post else [links[0], links[1], queryables_link]
    body = documents.feature_collection(features, matched=matched, links=links, timestamp=documents.now_rfc3339())
    headers = _headers(q.crs, c, header_links)
    if fmt in ("csv", "gpkg"):
        return download(c, q, features, fmt, headers)
    if html_wanted:
        parsed = orjson.loads(body)
        columns = q.properties if q.properties is not None else [p.name for p in c.output_properties]
        crs_query = "" if crsref.is_crs84(q.crs) else "&" + urlencode({"crs": q.crs.uri})
        return ogc_html(
            views.render(
                request,
                "ogc_items.html",
                base=base,
                title=c.title,
                collection=c,
                features=parsed["features"],
                matched=matched,
                columns=columns,
                crs_uri=q.crs.uri,
                crs_query=crs_query,
                next=next((k["href"] for k in links if k["rel"] == "next"), None),
                prev=next((k["href"] for k in links if k["rel"] == "prev"), None),
                links=links,
                crumbs=crumbs(base, c, ("items", f"{base}/collections/{c.id}/items?f=html")),
            ),
            headers,
        )
    return Response(body, media_type=GEOJSON, headers=headers)


def _feature_key(c: Collection, feature_id: str) -> list[tuple[str, str | int]]:
    """The key of a feature id, or a 404 for an id no feature can have: with a NUL character, over
    MAX_FEATURE_ID characters, or digits Python reads as numbers but ids never hold ('³', '٣')."""
    key = None
    if "\x00" not in feature_id and len(feature_id) <= MAX_FEATURE_ID:
        try:
            key = c.key(feature_id)
        except ValueError:
            key = None
    if key is None:
        raise NotFound(f"There is no feature '{feature_id[:60]}' in {c.id}.", parameter="featureId")
    return key


def download(c: Collection, q, features: list[str], fmt: str, headers: dict) -> Response:
    """The page as a CSV (UTF-8 BOM) or GeoPackage file, in the requested CRS."""
    parsed = orjson.loads("[" + ",".join(features) + "]")
    columns = q.properties if q.properties is not None else [p.name for p in c.output_properties]
    suffix = "" if crsref.is_crs84(q.crs) else f"-epsg{q.crs.epsg}"
    if fmt == "csv":
        body, media = exports.to_csv(parsed, columns, q.crs), exports.CSV_TYPE
    else:
        body, media = exports.to_gpkg(parsed, columns, q.crs, c.id, c.geometry_type), exports.GPKG_TYPE
    headers = {**headers, "Content-Disposition": f'attachment; filename="{c.id}{suffix}.{fmt}"'}
    return Response(body, media_type=media, headers=headers)


@route("/collections/{collection_id}/items/{feature_id}", summary="One feature", description=DOC)
async def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    settings: AppSettings,
    pool: Pool,
    user: OptionalUser,
) -> Response:
    base = base_url(request, settings)
    c = find_collection(collection_id, user)
    html_wanted = wants_html(request)
    check_known(request.query_params, ITEM_PARAMETERS, None)
    zone = crsref.parse_crs_param(single(request.query_params, "crs"), "crs")
    names = parse_properties(single(request.query_params, "properties"), c)
    skip = bool(flag(single(request.query_params, "skipGeometry"), "skipGeometry"))
    key = _feature_key(c, feature_id)
    mode = "none" if skip else "geojson" if crsref.is_crs84(zone) else "wkb"
    (rows,) = await _fetch(pool, query.item_sql(c, key, names, mode))
    if not rows:
        raise NotFound(f"There is no feature '{feature_id[:60]}' in {c.id}.")
    url = f"{base}/collections/{c.id}/items/{feature_id}"
    extra = {"crs": zone.uri} if not crsref.is_crs84(zone) else {}
    links = [
        documents.link(str(request.url), "self", HTML if html_wanted else GEOJSON, "This feature"),
        documents.link(
            documents.with_query(url, f="json" if html_wanted else "html", **extra),
            "alternate",
            GEOJSON if html_wanted else HTML,
            "This feature in another format",
        ),
        documents.link(f"{base}/collections/{c.id}", "collection", JSON, "The collection"),
    ]
    feature = documents.feature_with_links(documents.feature_texts(rows, zone, mode)[0], links)
    headers = _headers(zone, c)
    if html_wanted:
        titles = {p.name: p.title for p in c.properties}
        return ogc_html(
            views.render(
                request,
                "ogc_item.html",
                base=base,
                title=c.title,
                collection=c,
                feature=orjson.loads(feature),
                crs_uri=zone.uri,
                titles=titles,
                links=links,
                crumbs=crumbs(
                    base,
                    c,
                    ("items", f"{base}/collections/{c.id}/items?f=html"),
                    (feature_id[:60], url + "?f=html"),
                ),
            ),
            headers,
        )
    return Response(feature, media_type=GEOJSON, headers=headers)
