"""JSON documents of OGC API Features: landing page, conformance, collections, queryables, feature
schemas, and the assembly of features and feature collections from database rows.

Plain functions of (base URL, collection, values): no web framework here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import numpy as np
import orjson
import shapely

from crs import Zone

from ..geo import crsref
from .collections import Collection

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
XML = "application/xml"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
REL_CONFORMANCE = "http://www.opengis.net/def/rel/ogc/1.0/conformance"
REL_DATA = "http://www.opengis.net/def/rel/ogc/1.0/data"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
]

TITLE = "Bản đồ di sản Bà Rịa–Vũng Tàu · OGC API Features"
DESCRIPTION = (
    "Di tích, khu vực bảo vệ và di sản phi vật thể của tỉnh Bà Rịa–Vũng Tàu (cũ) theo chuẩn "
    "OGC API Features. Relics, protection zones and intangible heritage of the former "
    "Bà Rịa–Vũng Tàu province through OGC API Features (Parts 1–3), with VN-2000 output."
)


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def with_query(url: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{url}?{query}" if query else url


def landing(base: str) -> dict:
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            link(with_query(base, f="json"), "self", JSON, "This document"),
            link(with_query(base, f="html"), "alternate", HTML, "This document as HTML"),
            link(f"{base}/api", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            link(with_query(f"{base}/api", f="html"), "service-doc", HTML, "The API documentation"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "Feature collections"),
        ],
    }


def conformance(base: str) -> dict:
    return {
        "conformsTo": CONFORMANCE,
        "links": [
            link(f"{base}/conformance", "self", JSON),
            link(with_query(f"{base}/conformance", f="html"), "alternate", HTML),
        ],
    }


def extent(row: tuple | None) -> dict:
    """The extent member from (xmin, ymin, xmax, ymax, tmin, tmax); members without data are left
    out rather than invented."""
    out: dict[str, Any] = {}
    if row and row[0] is not None:
        out["spatial"] = {"bbox": [[round(v, 8) for v in row[:4]]], "crs": crsref.CRS84_URI}
    if row and (row[4] is not None or row[5] is not None):
        out["temporal"] = {
            "interval": [[_rfc3339(row[4]), _rfc3339(row[5])]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return out


def _rfc3339(text: str | None) -> str | None:
    if text is None:
        return None
    if len(text) == 10:  # a date: the start of that day in UTC
        return f"{text}T00:00:00Z"
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def collection(base: str, c: Collection, extent_row: tuple | None) -> dict:
    url = f"{base}/collections/{c.id}"
    doc: dict[str, Any] = {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "keywords": list(c.keywords),
        "itemType": "feature",
        "crs": crsref.supported_uris(),
        "storageCrs": crsref.CRS84_URI,
        "links": [
            link(url, "self", JSON, "This collection"),
            link(with_query(url, f="html"), "alternate", HTML, "This collection as HTML"),
            link(f"{url}/items", "items", GEOJSON, "Features as GeoJSON"),
            link(with_query(f"{url}/items", f="html"), "items", HTML, "Features as HTML"),
            link(f"{url}/queryables", REL_QUERYABLES, SCHEMA, "Queryables (filter properties)"),
            link(f"{url}/schema", "describedby", SCHEMA, "Schema of the features"),
            # GDAL's OAPIF driver (3.6) only looks for the camel-case spelling, and takes a layer's
            # geometry type only from an XML schema (ogc.gml_schema), which it prefers to JSON.
            link(f"{url}/schema", "describedBy", SCHEMA, "Schema of the features"),
            link(f"{url}/schema.xsd", "describedBy", XML, "GML application schema of the features"),
        ],
    }
    ext = extent(extent_row)
    if ext:
        doc["extent"] = ext
    return doc


def collections(base: str, items: Iterable[tuple[Collection, tuple | None]]) -> dict:
    return {
        "links": [
            link(f"{base}/collections", "self", JSON, "This document"),
            link(with_query(f"{base}/collections", f="html"), "alternate", HTML, "This document as HTML"),
        ],
        "crs": crsref.supported_uris(),
        "collections": [collection(base, c, row) for c, row in items],
    }


def queryables(base: str, c: Collection, enums: dict[str, list[str]] | None = None) -> dict:
    """``enums``: the values of the properties whose enum is data (``Property.enum_sql``)."""
    props = {p.name: p.schema((enums or {}).get(p.name)) for p in c.properties}
    props["geometry"] = {"title": "Geometry", "format": c.geometry_format, "x-ogc-role": "primary-geometry"}
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{c.id}/queryables",
        "type": "object",
        "title": c.title,
        "properties": props,
        "additionalProperties": False,
    }


def feature_schema(base: str, c: Collection) -> dict:
    """A JSON Schema of one feature (GDAL's OAPIF driver reads it to type the layer's fields)."""
    id_schema = {"type": c.id_type}
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{c.id}/schema",
        "title": c.title,
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": id_schema,
            "geometry": {"format": c.geometry_format},
            "properties": {"type": "object", "properties": {p.name: p.schema() for p in c.output_properties}},
        },
    }


# -- features -----------------------------------------------------------------------------------------


def feature_texts(rows: list[tuple[str, Any]], zone: Zone, mode: str) -> list[str]:
    """Feature JSON texts from (head text, geometry) rows. In "wkb" mode all the page's vertices
    are converted to ``zone`` in one vectorised call through crs/."""
    if mode == "wkb":
        wkb = np.empty(len(rows), dtype=object)
        wkb[:] = [row[1] for row in rows]
        geoms = crsref.geometries_to(shapely.from_wkb(wkb), zone)
        geometries = shapely.to_geojson(geoms)
    else:
        geometries = [row[1] for row in rows]
    # The head is a JSON object; the geometry member is inserted right after its brace.
    return ['{"geometry":' + (g if g is not None else "null") + "," + row[0][1:] for row, g in zip(rows, geometries)]


def feature_collection(features: list[str], *, matched: int, links: list[dict], timestamp: str) -> str:
    head = orjson.dumps(
        {"numberMatched": matched, "numberReturned": len(features), "timeStamp": timestamp, "links": links}
    ).decode()
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]," + head[1:]


def feature_with_links(feature: str, links: list[dict]) -> str:
    return feature[:-1] + ',"links":' + orjson.dumps(links).decode() + "}"


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
