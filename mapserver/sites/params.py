"""The relic search query (SiteQuery) and its parsers: bbox, polygon, radius, rank, category, …

Every failure raises InvalidParameter naming the parameter, so a client gets a 400 it can act on.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

import shapely
from fastapi import Query
from shapely import wkt
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..errors import InvalidParameter
from ..params import choices, finite_number, flag, text, whole_number
from ..vocabulary import CATEGORIES, RANKS

MAX_POLYGON_VERTICES = 100_000
MAX_RADIUS_M = 1_000_000.0


def parse_bbox(value: str | list | None) -> tuple[float, float, float, float] | None:
    if value is None or value == "":
        return None
    parts = _listed(value, "bbox")
    if len(parts) != 4:
        raise InvalidParameter("bbox must be minLon,minLat,maxLon,maxLat (4 numbers)", parameter="bbox")
    min_lon, min_lat, max_lon, max_lat = (finite_number(p, "bbox") for p in parts)
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise InvalidParameter("bbox must be in degrees (lon -180..180, lat -90..90)", parameter="bbox")
    if min_lon > max_lon or min_lat > max_lat:
        raise InvalidParameter("bbox minimum is greater than its maximum", parameter="bbox")
    return min_lon, min_lat, max_lon, max_lat


def parse_polygon(value: str | dict[str, Any] | None, parameter: str = "intersects") -> BaseGeometry | None:
    """A GeoJSON (text or object) or WKT Polygon/MultiPolygon in lon/lat degrees."""
    if value is None or value == "":
        return None
    if not isinstance(value, (str, dict)):
        raise InvalidParameter("must be a GeoJSON or WKT Polygon/MultiPolygon", parameter=parameter)
    try:
        if isinstance(value, dict):
            geometry = shape(value)
        elif value.lstrip().startswith("{"):
            geometry = shape(json.loads(value))
        else:
            geometry = wkt.loads(value)
    except Exception:  # shapely/json raise many types for malformed input
        raise InvalidParameter("must be a GeoJSON or WKT Polygon/MultiPolygon", parameter=parameter) from None
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise InvalidParameter(f"must be a Polygon or MultiPolygon, got {geometry.geom_type}", parameter=parameter)
    if shapely.get_num_coordinates(geometry) > MAX_POLYGON_VERTICES:
        raise InvalidParameter(f"has more than {MAX_POLYGON_VERTICES} vertices", parameter=parameter)
    min_x, min_y, max_x, max_y = geometry.bounds
    if not (-180 <= min_x and max_x <= 180 and -90 <= min_y and max_y <= 90):
        raise InvalidParameter("coordinates must be lon/lat degrees", parameter=parameter)
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        raise InvalidParameter(f"is not a valid polygon ({reason})", parameter=parameter)
    return geometry


def parse_near(near: str | None, radius: str | float | None) -> tuple[float, float, float] | None:
    if (near in (None, "")) and radius in (None, ""):
        return None
    if near in (None, ""):
        raise InvalidParameter("radius needs near=lon,lat", parameter="near")
    parts = _listed(near, "near")
    if len(parts) != 2:
        raise InvalidParameter("near must be lon,lat", parameter="near")
    lon, lat = (finite_number(p, "near") for p in parts)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidParameter("near must be lon,lat in degrees", parameter="near")
    if radius in (None, ""):
        raise InvalidParameter("near needs radius (metres)", parameter="radius")
    metres = finite_number(radius, "radius")
    if not 0 < metres <= MAX_RADIUS_M:
        raise InvalidParameter(f"radius must be between 0 and {MAX_RADIUS_M:.0f} metres", parameter="radius")
    return lon, lat, metres


@dataclass
class SiteQuery:
    """A relic search: every filter optional, all of them combined with AND."""

    bbox: tuple[float, float, float, float] | None = None
    intersects: BaseGeometry | None = None
    near: tuple[float, float, float] | None = None
    ranks: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    district: str | None = None
    text: str | None = None
    located: bool | None = None
    limit: int = 100
    offset: int = 0

    @property
    def spatial(self) -> bool:
        return self.bbox is not None or self.intersects is not None or self.near is not None


def _listed(value: Any, parameter: str) -> list[Any]:
    """Numbers given as "a,b,…" text or as a JSON list (of numbers or texts)."""
    if isinstance(value, str):
        return value.split(",")
    if isinstance(value, list) and all(isinstance(v, (int, float, str)) and not isinstance(v, bool) for v in value):
        return value
    raise InvalidParameter("must be comma-separated numbers or a list of numbers", parameter=parameter)


def site_query_from(values: dict[str, Any], *, default_limit: int, max_limit: int) -> SiteQuery:
    """Build a SiteQuery from query-string values or a JSON body with the same names; a value of
    the wrong JSON type (an object for a rank, a number for q) is a 400 naming its field."""
    words = text(values.get("q"), "q", max_length=200)
    district = text(values.get("district"), "district", max_length=200)
    bbox = values.get("bbox")
    return SiteQuery(
        bbox=parse_bbox(bbox),
        intersects=parse_polygon(values.get("intersects")),
        near=parse_near(values.get("near"), values.get("radius")),
        ranks=choices(values.get("rank"), RANKS, "rank"),
        categories=choices(values.get("category"), CATEGORIES, "category"),
        district=district.strip() or None if district is not None else None,
        text=words.strip() or None if words is not None else None,
        located=flag(values.get("located"), "located"),
        limit=whole_number(values.get("limit"), "limit", default=default_limit, minimum=1, maximum=max_limit),
        offset=whole_number(values.get("offset"), "offset", default=0, minimum=0, maximum=10_000_000),
    )


FILTER_DOC = {
    "bbox": "minLon,minLat,maxLon,maxLat (WGS 84 degrees)",
    "intersects": "GeoJSON or WKT Polygon/MultiPolygon (lon/lat); POST /api/sites/search for big ones",
    "near": "lon,lat of a centre; needs radius",
    "radius": "metres on the ellipsoid around near",
    "rank": "comma list of " + ", ".join(RANKS),
    "category": "comma list of " + ", ".join(CATEGORIES),
    "district": "administrative unit id or name, with or without diacritics (e.g. vung-tau, Vũng Tàu)",
    "q": "words in the name, case and diacritics ignored (bach dinh finds Bạch Dinh)",
    "located": "true: only relics with a position; false: only those not yet surveyed",
    "limit": "page size (1..max_page_size, default 100)",
    "offset": "number of features to skip",
}


def _described(name: str):
    return Query(description=FILTER_DOC[name])


@dataclass
class SiteFilters:
    """The query-string form of a relic search, as one FastAPI dependency (the way titiler groups
    parameters): every value arrives as text and is checked by ``site_query_from``."""

    bbox: Annotated[str | None, _described("bbox")] = None
    intersects: Annotated[str | None, _described("intersects")] = None
    near: Annotated[str | None, _described("near")] = None
    radius: Annotated[str | None, _described("radius")] = None
    rank: Annotated[str | None, _described("rank")] = None
    category: Annotated[str | None, _described("category")] = None
    district: Annotated[str | None, _described("district")] = None
    q: Annotated[str | None, _described("q")] = None
    located: Annotated[str | None, _described("located")] = None
    limit: Annotated[str | None, _described("limit")] = None
    offset: Annotated[str | None, _described("offset")] = None

    def query(self, *, default_limit: int, max_limit: int) -> SiteQuery:
        return site_query_from(asdict(self), default_limit=default_limit, max_limit=max_limit)


def _built_on_the_event_loop(cls: type) -> Callable[..., Any]:
    """An ``async`` dependency with the same query parameters as the dataclass ``cls``: FastAPI
    calls a class (or any plain function) dependency in its thread pool, a hop that costs more
    than parsing eleven query parameters."""

    async def build(**values: Any) -> Any:
        return cls(**values)

    build.__signature__ = inspect.signature(cls)  # type: ignore[attr-defined]
    return build


# The dependency routes use: ``filters: Annotated[SiteFilters, Depends(site_filters)]``.
site_filters = _built_on_the_event_loop(SiteFilters)
