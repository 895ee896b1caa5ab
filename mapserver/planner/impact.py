"""Impact of a project footprint on heritage: every published relic and protection zone that the
footprint intersects or comes within a buffer (metres) of, with the distance.

Distances are geodesic metres on the WGS 84 ellipsoid (PostGIS geography), 0 when they touch.
Relics without a known position cannot be assessed: they are counted and listed, never placed.
The footprint arrives in WGS 84 or VN-2000 (converted through crs/, EPSG:6960).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from pyproj import Geod
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..errors import InvalidParameter
from ..geo import crsref
from ..geo.extent import VIETNAM
from ..params import finite_number

MAX_BUFFER_M = 50_000.0
MAX_VERTICES = 100_000

COLUMNS = ("kind", "object_id", "site_id", "name_vi", "rank", "zone", "intersects", "distance_m")


@dataclass
class ImpactQuery:
    footprint: BaseGeometry  # WGS 84
    buffer_m: float


def parse_buffer(value: Any) -> float:
    """Metres (a JSON number or form text in ASCII digits) between 0 and MAX_BUFFER_M."""
    try:
        metres = finite_number(value, "buffer_m")
    except InvalidParameter:
        raise InvalidParameter("buffer_m must be a number of metres", parameter="buffer_m") from None
    if not 0 <= metres <= MAX_BUFFER_M:
        raise InvalidParameter(f"buffer_m must be between 0 and {MAX_BUFFER_M:.0f}", parameter="buffer_m")
    return metres


def _geometry(value: Any, where: str) -> BaseGeometry | None:
    """A GeoJSON geometry object (None for a feature without one); anything else is a 400."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidParameter(f"{where}: a geometry must be a GeoJSON object", parameter="footprint")
    try:
        return shape(value)
    except (ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        raise InvalidParameter(f"{where}: not a valid GeoJSON geometry", parameter="footprint") from None


def _feature_geometry(feature: Any, where: str) -> BaseGeometry | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidParameter(f"{where} is not a GeoJSON Feature object", parameter="footprint")
    return _geometry(feature.get("geometry"), where)


def footprint_from_geojson(value: Any, crs_text: Any) -> BaseGeometry:
    """A GeoJSON geometry, Feature or FeatureCollection (their geometries united) in ``crs``.
    Every member is type-checked: ``features: [1, "x"]``, ``geometry: "POINT(1 2)"`` or
    ``properties: ["a"]`` are 400s naming the footprint, never a server error."""
    zone = crsref.parse_crs_param(crs_text, "footprint_crs")
    if not isinstance(value, dict):
        raise InvalidParameter("footprint must be a GeoJSON geometry or feature", parameter="footprint")
    kind = value.get("type")
    if kind == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list):
            raise InvalidParameter("a FeatureCollection needs a list of features", parameter="footprint")
        parts = [_feature_geometry(f, f"feature {i}") for i, f in enumerate(features, start=1)]
        parts = [p for p in parts if p is not None]
        try:
            geometry = shapely.union_all(parts) if parts else None
        except ShapelyError:  # GEOS cannot unite invalid parts (a self-crossing ring …)
            raise InvalidParameter("the features' geometries are not valid together", parameter="footprint") from None
    elif kind == "Feature":
        geometry = _feature_geometry(value, "the feature")
    else:
        geometry = _geometry(value, "footprint")
    if geometry is None or geometry.is_empty:
        raise InvalidParameter("footprint has no geometry", parameter="footprint")
    return check_footprint(crsref.geometry_to_wgs84(geometry, zone, "footprint"))


def check_footprint(geometry: BaseGeometry) -> BaseGeometry:
    if shapely.get_num_coordinates(geometry) > MAX_VERTICES:
        raise InvalidParameter(f"footprint has more than {MAX_VERTICES} vertices", parameter="footprint")
    if not geometry.is_valid:
        raise InvalidParameter(f"footprint is not valid ({shapely.is_valid_reason(geometry)})", parameter="footprint")
    if not VIETNAM.contains(geometry):
        raise InvalidParameter("footprint lies outside Vietnam (wrong CRS or swapped axes?)", parameter="footprint")
    return geometry


def rows_to_features(rows: list[tuple]) -> list[dict]:
    """Hits as GeoJSON-like dicts (geometry as shapely in WGS 84 until encoded)."""
    out = []
    for row in rows:
        props = dict(zip(COLUMNS, row[:8]))
        out.append(
            {
                "id": f"{props['kind']}:{props['object_id']}",
                "properties": props,
                "geometry": shapely.from_wkb(row[8]) if row[8] is not None else None,
            }
        )
    return out


def summary(features: list[dict], unlocated: list[tuple], q: ImpactQuery) -> dict:
    relics = {f["properties"]["site_id"] for f in features}
    return {
        "buffer_m": q.buffer_m,
        "footprint_area_m2": round(abs(Geod(ellps="WGS84").geometry_area_perimeter(q.footprint)[0]), 1),
        "relics_affected": len(relics),
        "relics_intersected": len({f["properties"]["site_id"] for f in features if f["properties"]["intersects"]}),
        "zones_affected": sum(1 for f in features if f["properties"]["kind"] == "protection_zone"),
        "relics_not_assessed": [{"id": r[0], "name_vi": r[1], "rank": r[2]} for r in unlocated],
        "note": "Distances are geodesic metres on the WGS 84 ellipsoid; relics without a surveyed "
        "position cannot be assessed and are listed in relics_not_assessed.",
    }
