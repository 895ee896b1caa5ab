"""Planner tools: POST /api/planner/impact — relics and protection zones a project affects.

The footprint comes as JSON (``{"footprint": <GeoJSON geometry/feature/collection>, "buffer_m": 200,
"footprint_crs": "EPSG:5899"}``) or as an uploaded file (multipart: ``file`` GeoJSON, GeoPackage,
zipped Shapefile or DXF; ``buffer_m``; ``footprint_crs`` when the file does not declare it).
The answer (``?f=``): json (GeoJSON with a summary), csv (UTF-8 with BOM), gpkg (layers footprint,
relics, protection_zones) or html (a printable report); coordinates in ``?crs=`` (CRS84 default,
or any VN-2000 zone such as EPSG:5899), converted through crs/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import orjson
import shapely
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from psycopg_pool import AsyncConnectionPool
from shapely.geometry import mapping
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ..db import connection
from ..errors import InvalidParameter
from ..ogc import crsref, export, html, impact
from ..ogc.impact_map import impact_svg
from ..ogc.params import single
from ..ogc.vector_files import SUFFIXES, VectorFileError, read_vector_file
from .deps import get_pool
from .uploads import spool_upload

router = APIRouter(prefix="/api/planner", tags=["planner"])
Pool = Annotated[AsyncConnectionPool, Depends(get_pool)]
MAX_UPLOAD = 64 * 1024 * 1024
FORMATS = ("json", "csv", "gpkg", "html")


def _footprint_from_file(path: Path, crs_text: str | None) -> shapely.Geometry:
    try:
        vf = read_vector_file(path, crs_text)
    except VectorFileError as exc:
        raise InvalidParameter(str(exc), parameter="file") from None
    bad = [f"feature {f.number}: {p}" for f in vf.features for p in f.problems]
    if bad:
        raise InvalidParameter("; ".join(bad[:5]), parameter="file")
    geoms = [f.geometry for f in vf.features if f.geometry is not None]
    if not geoms:
        raise InvalidParameter("the file has no geometry", parameter="file")
    return impact.check_footprint(shapely.union_all(geoms) if len(geoms) > 1 else geoms[0])


async def _read_query(request: Request) -> impact.ImpactQuery:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidParameter("send the footprint as a file field", parameter="file")
        path = await spool_upload(upload, MAX_UPLOAD, SUFFIXES)
        try:
            crs_text = form.get("footprint_crs")
            footprint = await run_in_threadpool(
                _footprint_from_file, path, str(crs_text) if crs_text else None
            )
        finally:
            path.unlink(missing_ok=True)
        return impact.ImpactQuery(footprint, impact.parse_buffer(form.get("buffer_m", 0)))
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise InvalidParameter("the body must be JSON or a multipart upload", parameter="body") from None
    if not isinstance(body, dict):
        raise InvalidParameter("the body must be a JSON object", parameter="body")
    unknown = set(body) - {"footprint", "buffer_m", "footprint_crs"}
    if unknown:
        name = min(unknown)[:40]
        raise InvalidParameter(f"unknown field '{name}'", parameter=name)
    footprint = impact.footprint_from_geojson(body.get("footprint"), body.get("footprint_crs"))
    return impact.ImpactQuery(footprint, impact.parse_buffer(body.get("buffer_m", 0)))


def _in_crs(features: list[dict], zone) -> list[dict]:
    """Shapely WGS 84 geometries -> GeoJSON-like dicts in ``zone`` (one vectorised conversion)."""
    geoms = np.empty(len(features), dtype=object)
    geoms[:] = [f["geometry"] for f in features]
    converted = crsref.geometries_to(geoms, zone)
    return [
        {
            "type": "Feature",
            "id": f["id"],
            "geometry": mapping(g) if g is not None else None,
            "properties": f["properties"],
        }
        for f, g in zip(features, converted)
    ]


@router.post(
    "/impact",
    summary="Relics and protection zones a project footprint affects",
    response_class=Response,
    responses={
        200: {"content": {"application/geo+json": {}, "text/csv": {}, "text/html": {}, export.GPKG_TYPE: {}}}
    },
)
async def impact_report(request: Request, pool: Pool) -> Response:
    fmt = single(request.query_params, "f") or "json"
    if fmt not in FORMATS:
        raise InvalidParameter(f"f must be one of {', '.join(FORMATS)}", parameter="f")
    zone = crsref.parse_ogc_crs(single(request.query_params, "crs"), "crs")
    q = await _read_query(request)
    async with connection(pool) as conn:
        cur = await conn.execute(impact.IMPACT_SQL, {"footprint": q.footprint.wkb, "buffer": q.buffer_m})
        rows = await cur.fetchall()
        unlocated = await (await conn.execute(impact.UNLOCATED_SQL)).fetchall()
        outline = await (await conn.execute(
            "SELECT ST_AsBinary(geom) FROM admin_units WHERE level = 'province' AND geom IS NOT NULL "
            "ORDER BY id LIMIT 1")).fetchone()
    hits = impact.rows_to_features(rows)
    summary = impact.summary(hits, unlocated, q)
    features = _in_crs(hits, zone)
    footprint = _in_crs(
        [{"id": "footprint", "properties": {"buffer_m": q.buffer_m}, "geometry": q.footprint}], zone
    )[0]
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    attachment = {
        "Content-Disposition": f'attachment; filename="impact-{stamp}.{fmt}"',
        "Content-Crs": f"<{zone.uri}>",
    }
    columns = list(impact.COLUMNS)
    if fmt == "csv":
        return Response(
            export.to_csv(features, columns, zone), media_type=export.CSV_TYPE, headers=attachment
        )
    if fmt == "gpkg":
        relics = [f for f in features if f["properties"]["kind"] == "relic"]
        zones = [f for f in features if f["properties"]["kind"] != "relic"]
        layers = [
            ("footprint", [footprint], ["buffer_m"], "Unknown"),
            ("relics", relics, columns, "Point"),
            ("protection_zones", zones, columns, "MultiPolygon"),
        ]
        body = await run_in_threadpool(export.to_gpkg_layers, layers, zone)
        return Response(body, media_type=export.GPKG_TYPE, headers=attachment)
    if fmt == "html":
        page = html.render(
            "ogc_impact.html",
            base="/ogc",
            title="Báo cáo tác động · Impact report",
            crumbs=[],
            summary=summary,
            features=features,
            crs_uri=zone.uri,
            map_svg=impact_svg(q.footprint, q.buffer_m, hits,
                               shapely.from_wkb(outline[0]) if outline else None),
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            links=[],
        )
        return HTMLResponse(
            page, headers={"Content-Security-Policy": html.CSP, "X-Content-Type-Options": "nosniff"}
        )
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": features,
        "footprint": footprint,
        "summary": summary,
        "crs": zone.uri,
    }
    return Response(
        orjson.dumps(doc), media_type="application/geo+json", headers={"Content-Crs": f"<{zone.uri}>"}
    )
