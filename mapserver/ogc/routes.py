"""OGC API Features under /ogc: the HTTP layer (routing, content negotiation, access, headers).

The OGC logic is in the other modules of ``mapserver.ogc`` (plain functions); this module and
``items`` only wire requests to it.

Routes (GET and HEAD; JSON by default, HTML with ``f=html`` or ``Accept: text/html``):
``/ogc``, ``/ogc/conformance``, ``/ogc/api`` (OpenAPI 3.0), ``/ogc/collections``,
``/ogc/collections/{id}``, ``…/items``, ``…/items/{featureId}``, ``…/queryables``, ``…/schema``,
``…/schema.xsd``;
and ``POST …/items`` with the parameters of ``GET …/items`` in a form or JSON body (a CQL2 filter
of up to 200,000 characters does not fit in a URL: servers refuse request lines over ~64 KiB).
The ``survey_points`` collection exists only for signed-in users (surveyor role and above); for
anyone else it answers 404 like an unknown collection.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

import crs

from ..accounts.deps import CurrentUser
from ..web.deps import AppSettings, Pool
from ..web.negotiation import wants_html
from . import collections as registry
from . import documents, gml_schema, openapi, views
from .collections import Collection
from .documents import OPENAPI, SCHEMA
from .web import (
    base_url,
    extents,
    find_collection,
    json_response,
    ogc_html,
    queryable_enums,
    role_of,
    vary,
    visible_collections,
)

router = APIRouter(prefix="/ogc", tags=["OGC API Features"])
OptionalUser = CurrentUser


def route(path: str, **options: Any):
    """GET (described in /openapi.json) and HEAD (hidden: one operation id per path)."""

    def register(endpoint):
        router.api_route(path, methods=["HEAD"], include_in_schema=False)(endpoint)
        return router.api_route(path, methods=["GET"], **options)(endpoint)

    return register


DOC = "See the OGC API definition at /ogc/api for parameters."
PROVINCIAL_ZONE = 5899  # VN-2000 / TM-3 107-45


# -- landing, conformance, API ----------------------------------------------------------------------------


@route("", summary="Landing page", description=DOC)
@route("/", include_in_schema=False)
async def landing(request: Request, settings: AppSettings) -> Response:
    base = base_url(request, settings)
    doc = documents.landing(base)
    if wants_html(request):
        return ogc_html(
            views.render(
                request,
                "ogc_landing.html",
                base=base,
                title="OGC API Features",
                doc=doc,
                links=doc["links"],
                vn2000_uri=crs.zone_for_epsg(PROVINCIAL_ZONE).uri,
                # For clients that cannot ask for crs=: the pinned operation, to reproject themselves.
                vn2000_pipeline=crs.pipeline_definition("OGC:CRS84", PROVINCIAL_ZONE),
            )
        )
    return json_response(doc)


@route("/conformance", summary="Conformance classes", description=DOC)
async def conformance(request: Request, settings: AppSettings) -> Response:
    base = base_url(request, settings)
    doc = documents.conformance(base)
    if wants_html(request):
        return ogc_html(
            views.render(
                request,
                "ogc_conformance.html",
                base=base,
                title="Conformance",
                doc=doc,
                crumbs=[("Conformance", f"{base}/conformance?f=html")],
            )
        )
    return json_response(doc)


@route("/api", summary="OpenAPI 3.0 definition of /ogc", description=DOC)
async def api_definition(request: Request, settings: AppSettings, user: OptionalUser) -> Response:
    base = base_url(request, settings)
    doc = openapi.document(
        base,
        registry.visible(role_of(user)),
        default_limit=settings.default_page_size,
        max_limit=settings.max_page_size,
    )
    if wants_html(request):
        return ogc_html(
            views.render(
                request, "ogc_api.html", base=base, title="API", doc=doc, crumbs=[("API", f"{base}/api?f=html")]
            ),
            headers=vary(user is not None),
        )
    return json_response(doc, OPENAPI, headers=vary(user is not None))


# -- collections ------------------------------------------------------------------------------------------


@route("/collections", summary="Feature collections", description=DOC)
async def list_collections(request: Request, settings: AppSettings, pool: Pool, user: OptionalUser) -> Response:
    base = base_url(request, settings)
    html_wanted = wants_html(request)
    cols = visible_collections(user)
    ext = await extents(request, pool, cols)
    doc = documents.collections(base, [(c, ext[c.id]) for c in cols])
    headers = vary(user is not None)
    if html_wanted:
        return ogc_html(
            views.render(
                request,
                "ogc_collections.html",
                base=base,
                title="Collections",
                doc=doc,
                links=doc["links"],
                crumbs=[("Collections", f"{base}/collections?f=html")],
            ),
            headers,
        )
    return json_response(doc, headers=headers)


@route("/collections/{collection_id}", summary="One feature collection", description=DOC)
async def describe_collection(
    collection_id: str, request: Request, settings: AppSettings, pool: Pool, user: OptionalUser
) -> Response:
    base = base_url(request, settings)
    c = find_collection(collection_id, user)
    html_wanted = wants_html(request)
    ext = await extents(request, pool, [c])
    doc = documents.collection(base, c, ext[c.id])
    headers = vary(c.role is not None)
    if html_wanted:
        return ogc_html(
            views.render(
                request,
                "ogc_collection.html",
                base=base,
                title=c.title,
                doc=doc,
                links=doc["links"],
                crumbs=crumbs(base, c),
            ),
            headers,
        )
    return json_response(doc, headers=headers)


def crumbs(base: str, c: Collection, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        ("Collections", f"{base}/collections?f=html"),
        (c.id, f"{base}/collections/{c.id}?f=html"),
        *extra,
    ]


@route(
    "/collections/{collection_id}/queryables",
    summary="Queryables of a collection (JSON Schema)",
    description=DOC,
)
async def queryables(
    collection_id: str, request: Request, settings: AppSettings, user: OptionalUser, pool: Pool
) -> Response:
    base = base_url(request, settings)
    c = find_collection(collection_id, user)
    doc = documents.queryables(base, c, await queryable_enums(pool, c))
    headers = vary(c.role is not None)
    if wants_html(request):
        return ogc_html(
            views.render(
                request,
                "ogc_queryables.html",
                base=base,
                title="Queryables",
                doc=doc,
                collection=c,
                crumbs=crumbs(base, c, ("queryables", doc["$id"])),
            ),
            headers,
        )
    return json_response(doc, SCHEMA, headers=headers)


@route(
    "/collections/{collection_id}/schema.xsd",
    summary="GML application schema (XML Schema) of the features of a collection",
    description=DOC,
)
async def feature_xml_schema(collection_id: str, user: OptionalUser) -> Response:
    c = find_collection(collection_id, user)
    return Response(gml_schema.schema(c), media_type=gml_schema.XML, headers=vary(c.role is not None))


@route(
    "/collections/{collection_id}/schema",
    summary="JSON Schema of the features of a collection",
    description=DOC,
)
async def feature_schema(collection_id: str, request: Request, settings: AppSettings, user: OptionalUser) -> Response:
    c = find_collection(collection_id, user)
    return json_response(
        documents.feature_schema(base_url(request, settings), c), SCHEMA, headers=vary(c.role is not None)
    )
