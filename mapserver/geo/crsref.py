"""CRS parameters (OGC API Features Part 2 and every other API) and the conversion of geometries
through ``crs/``.

Geometries are stored in WGS 84 (EPSG:4326, lon/lat). Output in another CRS and input (bbox,
filter literals) in another CRS are converted here with numpy arrays through ``crs.transform``,
which pins VN-2000 ↔ WGS 84 to EPSG:6960; PostGIS ST_Transform is never used for VN-2000.

Axis order follows the CRS definition, as Part 2 requires: CRS84 is lon/lat, EPSG:4326 and
EPSG:4756 are lat/lon, the projected zones are easting/northing.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

import crs
from crs import Zone

from ..errors import InvalidParameter

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# Decimals written per axis unit: 1e-8 degree and 1e-3 metre are both about a millimetre.
DEGREE_DECIMALS = 8
METRE_DECIMALS = 3
# Points added per bbox edge before projecting it to lon/lat: the edges of a projected box are
# curves in lon/lat, and 32 segments keep the error far below a metre for province-sized boxes.
BBOX_DENSIFY = 32
# Projected coordinates beyond this are outside every CRS served (and GEOS cannot densify a box of
# 1e288 metres): refused before they reach it.
MAX_PROJECTED_M = 1e9


@lru_cache(maxsize=1)
def supported_zones() -> tuple[Zone, ...]:
    """The CRSs served and accepted, CRS84 first (the default), then WGS 84 lat/lon, VN-2000
    geographic, every VN-2000 TM-3 zone and the VN-2000 UTM zones. 3D and geocentric CRSs are
    not offered: features are 2D."""
    zones = {z.srs: z for z in crs.all_zones()}
    first = [zones["OGC:CRS84"], zones["EPSG:4326"], zones["EPSG:4756"]]
    tm3 = sorted((z for z in zones.values() if z.family == "TM-3"), key=lambda z: z.epsg)
    utm = sorted((z for z in zones.values() if z.family == "UTM"), key=lambda z: z.epsg)
    return tuple(first + tm3 + utm)


def supported_uris() -> list[str]:
    return [z.uri for z in supported_zones()]


def crs84() -> Zone:
    return supported_zones()[0]


def is_crs84(zone: Zone) -> bool:
    return zone.srs == "OGC:CRS84"


def parse_crs_param(
    text: str | None, parameter: str, *, default: Zone | None = None, features_only: bool = True
) -> Zone:
    """The one parser of CRS parameters: an OGC URI, a safe CURIE or ``EPSG:n``; ``default``
    (CRS84 unless given) when absent. ``features_only`` limits it to the 2D CRSs that features
    are served in; otherwise any geographic or projected CRS of crs/ (survey points) is taken."""
    if text is None or (isinstance(text, str) and text.strip() == ""):
        return default or crs84()
    if not isinstance(text, str) or "\x00" in text or len(text) > 300:
        raise InvalidParameter(
            "must be a CRS URI (e.g. http://www.opengis.net/def/crs/EPSG/0/5899)", parameter=parameter
        )
    try:
        zone = crs.parse_crs(text.strip())
    except (crs.UnsupportedCRS, ValueError):
        raise InvalidParameter(
            f"unsupported CRS '{text[:80]}'; see the collection's 'crs' list", parameter=parameter
        ) from None
    if features_only and zone not in supported_zones():
        raise InvalidParameter(f"CRS {zone.uri} is not offered for features (2D CRSs only)", parameter=parameter)
    if zone.kind == "geocentric":
        raise InvalidParameter("choose a geographic or projected CRS", parameter=parameter)
    return zone


def content_crs_header(zone: Zone) -> str:
    return f"<{zone.uri}>"


def decimals(zone: Zone) -> int:
    return METRE_DECIMALS if zone.kind == "projected" else DEGREE_DECIMALS


# -- coordinates ------------------------------------------------------------------------------------


def from_wgs84_xy(lon: np.ndarray, lat: np.ndarray, zone: Zone) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 lon/lat -> coordinates in ``zone``'s own axis order."""
    if is_crs84(zone) or zone.epsg == 4326:
        x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    else:
        x, y = crs.transform(lon, lat, src=4326, dst=zone)
    return (y, x) if zone.lat_first else (x, y)


def to_wgs84_xy(a: np.ndarray, b: np.ndarray, zone: Zone) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in ``zone``'s own axis order -> WGS 84 lon/lat."""
    x, y = (b, a) if zone.lat_first else (a, b)
    if is_crs84(zone) or zone.epsg == 4326:
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return crs.transform(x, y, src=zone, dst=4326)


def geometries_to(geoms: np.ndarray, zone: Zone) -> np.ndarray:
    """Shapely geometries in WGS 84 lon/lat (None allowed) -> the same in ``zone`` (axis order of
    the CRS), every vertex of the page converted in one vectorised call and rounded to ~1 mm."""
    coords = shapely.get_coordinates(geoms)
    if coords.size:
        a, b = from_wgs84_xy(coords[:, 0], coords[:, 1], zone)
        coords = np.round(np.column_stack([a, b]), decimals(zone))
        geoms = shapely.set_coordinates(geoms.copy(), coords)
    return geoms


def geometry_to_wgs84(geometry: BaseGeometry, zone: Zone, parameter: str) -> BaseGeometry:
    """A geometry given in ``zone`` -> WGS 84 lon/lat, checked to be finite and on the Earth."""
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all():
        raise InvalidParameter("coordinates must be finite numbers", parameter=parameter)
    lon, lat = to_wgs84_xy(coords[:, 0], coords[:, 1], zone)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise InvalidParameter(f"coordinates cannot be converted from {zone.uri}", parameter=parameter)
    if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
        hint = " (EPSG:4326 is latitude first)" if zone.epsg == 4326 and not is_crs84(zone) else ""
        raise InvalidParameter(f"coordinates are outside the range of longitude/latitude{hint}", parameter=parameter)
    return shapely.set_coordinates(geometry, np.column_stack([lon, lat]))


def bbox_to_wgs84(values: list[float], zone: Zone, parameter: str = "bbox") -> BaseGeometry:
    """A bbox (4 or 6 numbers, axis order of ``zone``) -> a lon/lat polygon (or a multipolygon when
    a CRS84 box crosses the antimeridian). Heights of a 6-number box are ignored (2D data)."""
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    a0, b0, a1, b1 = values
    if zone.kind == "geographic":
        lon0, lat0, lon1, lat1 = (b0, a0, b1, a1) if zone.lat_first else (a0, b0, a1, b1)
        if not (-180 <= lon0 <= 180 and -180 <= lon1 <= 180 and -90 <= lat0 <= 90 and -90 <= lat1 <= 90):
            order = "minLat,minLon,maxLat,maxLon" if zone.lat_first else "minLon,minLat,maxLon,maxLat"
            raise InvalidParameter(f"bbox must be {order} in degrees", parameter=parameter)
        if lat0 > lat1:
            raise InvalidParameter("bbox minimum latitude is greater than its maximum", parameter=parameter)
        if zone.datum != "WGS84":
            # VN-2000 geographic degrees differ from WGS 84 ones by a few arc-seconds: shift them.
            if lon0 > lon1:
                raise InvalidParameter("bbox minimum longitude is greater than its maximum", parameter=parameter)
            return geometry_to_wgs84(shapely.box(a0, b0, a1, b1), zone, parameter)
        if lon0 > lon1:  # crosses the antimeridian: two boxes
            return shapely.MultiPolygon([shapely.box(lon0, lat0, 180, lat1), shapely.box(-180, lat0, lon1, lat1)])
        return shapely.box(lon0, lat0, lon1, lat1)
    if a0 > a1 or b0 > b1:
        raise InvalidParameter("bbox minimum is greater than its maximum", parameter=parameter)
    if not max(abs(a0), abs(b0), abs(a1), abs(b1)) <= MAX_PROJECTED_M:
        raise InvalidParameter(f"bbox coordinates must be within ±{MAX_PROJECTED_M:.0e} metres", parameter=parameter)
    return geometry_to_wgs84(_densified_box(a0, b0, a1, b1), zone, parameter)


def _densified_box(a0: float, b0: float, a1: float, b1: float) -> BaseGeometry:
    """The box with BBOX_DENSIFY points per edge; a box without area is the point or segment it is
    (GEOS cannot segmentize a collapsed ring)."""
    width, height = a1 - a0, b1 - b0
    if width == 0 and height == 0:
        return shapely.Point(a0, b0)
    shape = shapely.LineString([(a0, b0), (a1, b1)]) if width == 0 or height == 0 else shapely.box(a0, b0, a1, b1)
    try:
        return shapely.segmentize(shape, max_segment_length=max(width, height) / BBOX_DENSIFY)
    except shapely.errors.GEOSException:  # a span of a few denormal metres: nothing to densify
        return shape
