"""The project footprint of an impact request: JSON (``footprint``, ``buffer_m``,
``footprint_crs``) or a multipart upload of a vector file (GeoJSON, GeoPackage, zipped Shapefile,
DXF) with ``buffer_m`` and, when the file declares no CRS, ``footprint_crs``."""

from __future__ import annotations

from pathlib import Path

import orjson
import shapely
from fastapi import Request
from shapely.errors import ShapelyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ..errors import InvalidParameter
from ..importer.vector_files import SUFFIXES, read_vector_file
from ..web.uploads import spool_upload
from . import impact

JSON_FIELDS = {"footprint", "buffer_m", "footprint_crs"}


def footprint_from_file(path: Path, crs_text: str | None) -> shapely.Geometry:
    vf = read_vector_file(path, crs_text)
    bad = [f"feature {f.number}: {p}" for f in vf.features for p in f.problems]
    if bad:
        raise InvalidParameter("; ".join(bad[:5]), parameter="file")
    geoms = [f.geometry for f in vf.features if f.geometry is not None]
    if not geoms:
        raise InvalidParameter("the file has no geometry", parameter="file")
    try:
        footprint = shapely.union_all(geoms) if len(geoms) > 1 else geoms[0]
    except ShapelyError:  # GEOS cannot unite invalid parts (a self-crossing ring …)
        raise InvalidParameter("the file's geometries are not valid together", parameter="file") from None
    return impact.check_footprint(footprint)


async def read_impact_query(request: Request) -> impact.ImpactQuery:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidParameter("send the footprint as a file field", parameter="file")
        # The upload guard cut the body off at this limit already; the file itself is checked again.
        path = await spool_upload(upload, request.app.state.settings.planner_upload_max_bytes, SUFFIXES)
        try:
            crs_text = form.get("footprint_crs")
            footprint = await run_in_threadpool(footprint_from_file, path, str(crs_text) if crs_text else None)
        finally:
            path.unlink(missing_ok=True)
        return impact.ImpactQuery(footprint, impact.parse_buffer(form.get("buffer_m", 0)))
    # request.body() is bounded: BodyLimit caps JSON bodies at max_body_bytes on this route too.
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise InvalidParameter("the body must be JSON or a multipart upload", parameter="body") from None
    if not isinstance(body, dict):
        raise InvalidParameter("the body must be a JSON object", parameter="body")
    unknown = set(body) - JSON_FIELDS
    if unknown:
        name = min(unknown)[:40]
        raise InvalidParameter(f"unknown field '{name}'", parameter=name)
    footprint = impact.footprint_from_geojson(body.get("footprint"), body.get("footprint_crs"))
    return impact.ImpactQuery(footprint, impact.parse_buffer(body.get("buffer_m", 0)))
