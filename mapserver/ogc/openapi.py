"""The OpenAPI 3.0 definition of /ogc (served at /ogc/api).

FastAPI's own document is OpenAPI 3.1 and describes the JSON API; OGC clients (GDAL, QGIS, the
OGC test suites) want 3.0 with the OGC parameter definitions, and with one path per collection
(``/collections/relics/items``) so that each collection's queryables appear as parameters.
"""

from __future__ import annotations

from typing import Any

from ..geo import crsref
from ..web.openapi_errors import PROBLEM_SCHEMA  # one problem schema for both documents
from .collections import Collection
from .documents import GEOJSON, HTML, JSON, OPENAPI, SCHEMA, XML
from .params import ACCEPTED_FILTER_LANGS, ITEMS_PARAMETERS, MAX_FILTER_CHARS, MAX_OFFSET

PROBLEM = "application/problem+json"
FORM = "application/x-www-form-urlencoded"
# The body of POST /ogc/collections/{id}/items in /openapi.json (the OGC document at /ogc/api has
# one per collection, with its queryables).
POST_BODY = {
    "required": True,
    "content": {
        FORM: {"schema": {"type": "object", "additionalProperties": {"type": "string"}}},
        "application/json": {"schema": {"type": "object"}},
    },
}


def _query(name: str, description: str, schema: dict, *, explode: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": explode,
    }


def parameters(default_limit: int = 100, max_limit: int = 10_000) -> dict[str, dict]:
    crs_schema = {
        "type": "string",
        "format": "uri",
        "enum": crsref.supported_uris(),
        "default": crsref.CRS84_URI,
    }
    return {
        "f": _query(
            "f",
            "Format of the response (default: content negotiation, then JSON).",
            {"type": "string", "enum": ["json", "html"]},
        ),
        "fItems": _query(
            "f",
            "Format: json (GeoJSON), html, or a download as csv (UTF-8 with BOM) or gpkg "
            "(GeoPackage), in the crs asked for.",
            {"type": "string", "enum": ["json", "html", "csv", "gpkg"]},
        ),
        "bbox": _query(
            "bbox",
            "minx,miny,maxx,maxy (or 6 numbers with heights) in bbox-crs axis order; "
            "features whose geometry intersects it.",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        ),
        "bbox-crs": _query("bbox-crs", "CRS of bbox (default CRS84; EPSG:4326 is latitude first).", crs_schema),
        "crs": _query(
            "crs",
            "CRS of the response geometries (VN-2000 zones are converted with the official EPSG:6960 parameters).",
            crs_schema,
        ),
        "datetime": _query(
            "datetime",
            "RFC 3339 instant or interval (.. for an open end) on the collection's temporal property.",
            {"type": "string"},
        ),
        "limit": _query(
            "limit",
            "Number of features per page (larger values are served as the maximum).",
            {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit},
        ),
        "offset": _query(
            "offset",
            "Number of features to skip (paging; use the next/prev links).",
            {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        ),
        "properties": _query(
            "properties",
            "Comma-separated properties to return (default: all).",
            {"type": "array", "items": {"type": "string"}},
        ),
        "sortby": _query(
            "sortby",
            "Comma-separated properties, each with an optional + or - (descending) prefix.",
            {"type": "array", "items": {"type": "string"}},
        ),
        "skipGeometry": _query("skipGeometry", "true: features without geometry.", {"type": "boolean"}),
        "filter": _query(
            "filter",
            "CQL2 filter (cql2-text or cql2-json) on the queryables; a filter too long for a URL "
            "(over a few kB) goes in the body of POST …/items.",
            {"type": "string", "maxLength": MAX_FILTER_CHARS},
        ),
        "filter-lang": _query(
            "filter-lang",
            "Language of filter. cql-text and cql-json, the names of the drafts before CQL2 (what GDAL's "
            "OAPIF driver sends), are read as cql2-text and cql2-json.",
            {"type": "string", "enum": list(ACCEPTED_FILTER_LANGS), "default": "cql2-text"},
        ),
        "filter-crs": _query("filter-crs", "CRS of geometry literals in filter (default CRS84).", crs_schema),
        "featureId": {
            "name": "featureId",
            "in": "path",
            "required": True,
            "description": "Feature id.",
            "schema": {"type": "string"},
        },
        "collectionId": {
            "name": "collectionId",
            "in": "path",
            "required": True,
            "description": "Collection id.",
            "schema": {"type": "string"},
        },
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _response(description: str, *types: str) -> dict:
    return {"description": description, "content": {t: {"schema": {"type": "object"}} for t in types}}


ERRORS = {
    400: "Invalid parameter (the problem's 'parameter' names it)",
    401: "The bearer token or session is invalid or has expired",
    404: "No such collection or feature",
    413: "The body is too large",
    415: "The body is neither a form nor JSON",
    503: "The database is not reachable right now (retry shortly)",
}
# What every operation can answer besides 200: a landing page or conformance declaration has no
# parameter but f, reads no user and touches no database; every other operation does.
STATIC_ERRORS = (400,)
READ_ERRORS = (400, 401, 503)


def _errors(*statuses: int) -> dict:
    body = {"content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/problem"}}}}
    return {str(status): {"description": ERRORS[status], **body} for status in sorted(statuses)}


def _get(summary: str, operation_id: str, tags: list[str], params: list[dict], ok: dict, errors=READ_ERRORS) -> dict:
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "tags": tags,
            "parameters": params,
            "responses": {"200": ok, **_errors(*errors)},
        }
    }


def _form_schema(c: Collection, params: dict[str, dict]) -> dict:
    """The parameters of …/items as the fields of a form or JSON body (lists as comma text)."""
    fields = {}
    for name in ITEMS_PARAMETERS:
        schema = params["fItems" if name == "f" else name]["schema"]
        fields[name] = {"type": "string"} if schema.get("type") == "array" else schema
    for p in c.properties:
        fields.setdefault(p.name, {"type": "string"})
    return {"type": "object", "properties": fields, "additionalProperties": False}


def _post_items(c: Collection, params: dict[str, dict], ok: dict) -> dict:
    form = _form_schema(c, params)
    filter_json = {"oneOf": [{"type": "string"}, {"type": "object"}]}
    as_json = {**form, "properties": {**form["properties"], "filter": filter_json}}
    return {
        "summary": f"Features of {c.id}, the parameters in the body",
        "description": "The parameters of GET as a form or a JSON object (filter may be the CQL2 JSON "
        "object): for filters too long for a URL (up to 200,000 characters). Paging links repeat the "
        "POST with method and body.",
        "operationId": f"items_{c.id}_post",
        "tags": [c.id],
        "requestBody": {"required": True, "content": {FORM: {"schema": form}, JSON: {"schema": as_json}}},
        "responses": {"200": ok, **_errors(*READ_ERRORS, 413, 415)},
    }


def _collection_paths(c: Collection, params: dict[str, dict]) -> dict[str, Any]:
    tags = [c.id]
    page = _response(
        "A page of features (numberMatched, next/prev links)",
        GEOJSON,
        HTML,
        "text/csv",
        "application/geopackage+sqlite3",
    )
    base = f"/collections/{c.id}"
    queryable_params = [
        _query(
            p.name,
            f"{p.title} (equality; queryable)",
            {"type": "string"} if p.type == "array" else {"type": p.type, **({"format": p.format} if p.format else {})},
        )
        for p in c.properties
    ]
    # The documented parameters are exactly those the server accepts ("f" has its own items variant).
    items_params = [_ref("fItems" if n == "f" else n) for n in ITEMS_PARAMETERS] + queryable_params
    return {
        base: _get(
            f"Metadata of {c.id}",
            f"describe_{c.id}",
            tags,
            [_ref("f")],
            _response("The collection", JSON, HTML),
        ),
        f"{base}/items": {
            **_get(f"Features of {c.id}", f"items_{c.id}", tags, items_params, page),
            "post": _post_items(c, params, page),
        },
        f"{base}/items/{{featureId}}": _get(
            f"One feature of {c.id}",
            f"item_{c.id}",
            tags,
            [_ref("featureId"), _ref("f"), _ref("crs"), _ref("properties"), _ref("skipGeometry")],
            _response("The feature", GEOJSON, HTML),
            errors=(*READ_ERRORS, 404),
        ),
        f"{base}/queryables": _get(
            f"Queryables of {c.id}",
            f"queryables_{c.id}",
            tags,
            [_ref("f")],
            _response("JSON Schema of the properties usable in filters", SCHEMA, HTML),
        ),
        f"{base}/schema": _get(
            f"Feature schema of {c.id}",
            f"schema_{c.id}",
            tags,
            [],
            _response("JSON Schema of a feature", SCHEMA),
        ),
        f"{base}/schema.xsd": _get(
            f"GML application schema of {c.id}",
            f"xml_schema_{c.id}",
            tags,
            [],
            {"description": "XML Schema of a feature", "content": {XML: {"schema": {"type": "string"}}}},
        ),
    }


def document(
    server_url: str, collections: list[Collection], *, default_limit: int = 100, max_limit: int = 10_000
) -> dict:
    common = ["server"]
    params = parameters(default_limit, max_limit)
    paths: dict[str, Any] = {
        "/": _get("Landing page", "landing", common, [_ref("f")], _response("Landing page", JSON, HTML), STATIC_ERRORS),
        "/conformance": _get(
            "Conformance classes",
            "conformance",
            common,
            [_ref("f")],
            _response("Conformance declaration", JSON, HTML),
            STATIC_ERRORS,
        ),
        "/api": _get(
            "This API definition",
            "api",
            common,
            [_ref("f")],
            _response("OpenAPI 3.0 definition", OPENAPI, HTML),
        ),
        "/collections": _get(
            "Feature collections",
            "collections",
            common,
            [_ref("f")],
            _response("The collections", JSON, HTML),
        ),
        "/collections/{collectionId}": _get(
            "A collection",
            "collection",
            common,
            [_ref("collectionId"), _ref("f")],
            _response("The collection", JSON, HTML),
            (*READ_ERRORS, 404),
        ),
    }
    for c in collections:
        paths.update(_collection_paths(c, params))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Bà Rịa–Vũng Tàu heritage map · OGC API Features",
            "version": "1.0.0",
            "description": "Relics, protection zones, intangible heritage places (and survey points "
            "for signed-in surveyors) with VN-2000 output (EPSG:5899 etc.).",
            "license": {"name": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": "server"}] + [{"name": c.id, "description": c.title} for c in collections],
        "paths": paths,
        "components": {
            "parameters": params,
            "schemas": {"problem": PROBLEM_SCHEMA},
        },
    }
