"""POST /api/planner/impact — relics and protection zones a project footprint affects.

The footprint comes as JSON or as an uploaded vector file (planner.footprint). The answer
(``?f=``): json (GeoJSON with a summary), csv (UTF-8 with BOM), gpkg (layers footprint, relics,
protection_zones) or html (a printable report with a map); coordinates in ``?crs=`` (CRS84 default,
or any VN-2000 zone such as EPSG:5899), converted through crs/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..geo import crsref, exports
from ..ogc import views
from ..params import one_of, single
from ..web.deps import Pool
from ..web.pages import html_response
from . import impact, service
from .footprint import read_impact_query
from .impact_map import impact_svg

router = APIRouter(prefix="/api/planner", tags=["planner"])
FORMATS = ("json", "csv", "gpkg", "html")


@router.post(
    "/impact",
    summary="Relics and protection zones a project footprint affects",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}, "text/csv": {}, "text/html": {}, exports.GPKG_TYPE: {}}}},
)
async def impact_report(request: Request, pool: Pool) -> Response:
    fmt = one_of(single(request.query_params, "f"), FORMATS, "f", "json")
    zone = crsref.parse_crs_param(single(request.query_params, "crs"), "crs")
    q = await read_impact_query(request)
    result = await service.assess(pool, q, zone)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    attachment = {"Content-Disposition": f'attachment; filename="impact-{stamp}.{fmt}"', "Content-Crs": f"<{zone.uri}>"}
    columns = list(impact.COLUMNS)
    if fmt == "csv":
        return Response(exports.to_csv(result.features, columns, zone), media_type=exports.CSV_TYPE, headers=attachment)
    if fmt == "gpkg":
        relics = [f for f in result.features if f["properties"]["kind"] == "relic"]
        zones = [f for f in result.features if f["properties"]["kind"] != "relic"]
        layers = [
            ("footprint", [result.footprint], ["buffer_m"], "Unknown"),
            ("relics", relics, columns, "Point"),
            ("protection_zones", zones, columns, "MultiPolygon"),
        ]
        body = await run_in_threadpool(exports.to_gpkg_layers, layers, zone)
        return Response(body, media_type=exports.GPKG_TYPE, headers=attachment)
    if fmt == "html":
        page = views.render(
            request,
            "ogc_impact.html",
            base="/ogc",
            title="Báo cáo tác động · Impact report",
            crumbs=[],
            summary=result.summary,
            features=result.features,
            crs_uri=zone.uri,
            map_svg=impact_svg(q.footprint, q.buffer_m, result.hits, result.province),
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            links=[],
        )
        return html_response(page, cache=None)
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": result.features,
        "footprint": result.footprint,
        "summary": result.summary,
        "crs": zone.uri,
    }
    return Response(orjson.dumps(doc), media_type="application/geo+json", headers={"Content-Crs": f"<{zone.uri}>"})
