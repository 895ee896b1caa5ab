"""Open data over HTTP: ``/catalog`` (DCAT as JSON-LD, Turtle for ``Accept: text/turtle`` or
``?f=ttl``, an HTML page for browsers) and ``/opendata/{dataset}/{file}``, the bulk files."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..errors import InvalidParameter, NotFound
from ..params import single
from ..web.deps import AppSettings, Pool
from ..web.negotiation import prefers_html
from ..web.pages import html_page
from . import bulk, catalog
from .datasets import DATASETS, find

router = APIRouter(tags=["open data"])
JSON_LD = "application/ld+json"
TURTLE = "text/turtle; charset=utf-8"
FORMATS = ("jsonld", "ttl", "html")
# Downloads change on publication: short caching, always revalidated by ETag.
DOWNLOAD_CACHE = "public, max-age=60, must-revalidate"


def _base(request: Request, settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


def _format(request: Request) -> str:
    f = single(request.query_params, "f")
    if f is not None:
        if f not in FORMATS:
            raise InvalidParameter(f"f must be one of {', '.join(FORMATS)}", parameter="f")
        return f
    accept = request.headers.get("accept", "")
    if "text/turtle" in accept:
        return "ttl"
    return "html" if prefers_html(request) else "jsonld"


@router.get(
    "/catalog",
    summary="DCAT catalogue of the open datasets (JSON-LD; Turtle with Accept: text/turtle)",
    response_class=Response,
    responses={200: {"content": {JSON_LD: {}, "text/turtle": {}, "text/html": {}}}},
)
async def catalog_route(request: Request, pool: Pool, settings: AppSettings) -> Response:
    fmt = _format(request)
    base = _base(request, settings)
    datasets = [(d, await bulk.version(pool, d)) for d in DATASETS]
    document = catalog.catalog_document(base, datasets)
    headers = {"Cache-Control": "no-cache", "Vary": "Accept"}
    if fmt == "ttl":
        return Response(catalog.to_turtle(document), media_type=TURTLE, headers=headers)
    if fmt == "html":
        rows = [(d, v, [(x, catalog.download_url(base, d, x.file_name)) for x in d.distributions]) for d, v in datasets]
        return html_page(request, "catalog.html", datasets=rows, headers={"Vary": "Accept"})
    return Response(orjson.dumps(document), media_type=JSON_LD, headers=headers)


@router.get(
    "/opendata/{dataset_id}/{file_name}",
    summary="A bulk file of an open dataset, built from the published data",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}, "text/csv": {}, "application/geopackage+sqlite3": {}}}},
)
async def download(dataset_id: str, file_name: str, request: Request, pool: Pool) -> Response:
    dataset = find(dataset_id)
    d = dataset.distribution(file_name) if dataset else None
    if d is None:
        raise NotFound(f"There is no open data file '{dataset_id[:60]}/{file_name[:60]}'.")
    tag, body = await bulk.current_file(pool, request.app.state.store, dataset, d)
    etag = f'"{dataset.id}-{tag}-{d.file_name}"'
    headers = {
        "ETag": etag,
        "Cache-Control": DOWNLOAD_CACHE,
        "Access-Control-Allow-Origin": "*",
        "Content-Disposition": f'attachment; filename="{dataset.id}-{d.file_name}"',
    }
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(status_code=304, headers=headers)
    media = d.media_type + ("; charset=utf-8" if d.format == "csv" else "")
    return Response(body, media_type=media, headers=headers)
