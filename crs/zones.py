"""Registry of the coordinate reference systems the product supports.

Every entry is built from (and verified against) the EPSG database shipped with pyproj, so the
central meridians, scale factors and areas of use are EPSG's, not retyped by hand:

* WGS 84: EPSG:4326 (and its lon/lat twin OGC:CRS84), EPSG:4979 (3D), EPSG:4978 (ECEF);
* VN-2000 geographic EPSG:4756;
* every "VN-2000 / TM-3 …" projected CRS in the database (EPSG:5896–5899 and 9205–9218 with
  PROJ 9.5; new ones are picked up automatically) — the provincial 3° zones, k0 = 0.9999;
* the 6° zones EPSG:3405 (VN-2000 / UTM zone 48N) and EPSG:3406 (49N), k0 = 0.9996.

VN-2000 uses the WGS 84 *ellipsoid* but a different datum (origin Hà Nội, Decision 83/2000/QĐ-TTg);
the datum shift is handled by ``crs.transform`` (pinned to EPSG:6960).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from pyproj import CRS
from pyproj.database import query_crs_info

from .errors import UnsupportedCRS
from .provinces import canonical_province, province_central_meridian, provinces_for_meridian

Kind = Literal["geographic", "projected", "geocentric"]
Datum = Literal["WGS84", "VN2000"]

CRS84 = "OGC:CRS84"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TM3_PREFIX = "VN-2000 / TM-3"
# The zones the design names explicitly; discovery from the database must find at least these.
EXPECTED_TM3 = frozenset([5896, 5897, 5898, 5899, *range(9205, 9219)])
_FIXED = (4326, 4979, 4978, 4756, 3405, 3406)
_DATUMS = {
    "World Geodetic System 1984 ensemble": "WGS84",
    "World Geodetic System 1984": "WGS84",
    "Vietnam 2000": "VN2000",
}


@dataclass(frozen=True)
class Zone:
    """One supported CRS. Coordinates are always handled in x=lon/easting, y=lat/northing order;
    ``lat_first`` only records the *official* EPSG axis order (True for EPSG:4326/4979/4756)."""

    epsg: int
    name: str
    kind: Kind
    datum: Datum
    central_meridian: float | None
    lat_first: bool
    west: float
    south: float
    east: float
    north: float
    srs: str  # identifier for pyproj/OGC: "EPSG:5899" or "OGC:CRS84"
    scale_factor: float | None = None
    false_easting: float | None = None
    false_northing: float | None = None
    latitude_of_origin: float | None = None
    family: Literal["TM-3", "UTM"] | None = None
    provinces: tuple[str, ...] = field(default=())

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Area of use (west, south, east, north) in degrees, from the EPSG database."""
        return (self.west, self.south, self.east, self.north)

    @property
    def uri(self) -> str:
        """OGC http URI (as used by OGC API Features Part 2)."""
        if self.srs == CRS84:
            return CRS84_URI
        return f"http://www.opengis.net/def/crs/EPSG/0/{self.epsg}"

    @property
    def is_3d(self) -> bool:
        return self.epsg in (4979, 4978)

    def contains(self, lon: object, lat: object, margin: float = 0.0) -> np.ndarray:
        """Element-wise: is WGS 84/VN-2000 (lon, lat) inside the area of use (± margin degrees)?
        (The two datums differ by < 10″, far below any sensible margin.)"""
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
        return (
            (lon_a >= self.west - margin)
            & (lon_a <= self.east + margin)
            & (lat_a >= self.south - margin)
            & (lat_a <= self.north + margin)
        )

    def __str__(self) -> str:
        return f"{self.srs} ({self.name})"


def _param(crs: CRS, name: str) -> float:
    for p in crs.coordinate_operation.params:
        if p.name == name:
            return float(p.value)
    raise UnsupportedCRS(f"{crs.name}: projection parameter {name!r} missing")


def _build(srs: str, crs: CRS, epsg: int) -> Zone:
    datum = _DATUMS.get(crs.geodetic_crs.datum.name)
    if datum is None:
        raise UnsupportedCRS(
            f"{srs} ({crs.name}) is on datum {crs.geodetic_crs.datum.name!r}, neither WGS 84 nor VN-2000"
        )
    if crs.ellipsoid.name != "WGS 84":
        # Our explicit pipelines assume the WGS 84 ellipsoid for both datums.
        raise UnsupportedCRS(f"{srs}: ellipsoid {crs.ellipsoid.name!r} is not WGS 84")
    west, south, east, north = crs.area_of_use.bounds
    common = dict(
        epsg=epsg,
        name=crs.name,
        datum=datum,
        west=west,
        south=south,
        east=east,
        north=north,
        srs=srs,
        lat_first=crs.axis_info[0].direction == "north",
    )
    if crs.is_geocentric:
        return Zone(kind="geocentric", central_meridian=None, **common)
    if crs.is_geographic:
        return Zone(kind="geographic", central_meridian=None, **common)
    op = crs.coordinate_operation
    if not crs.is_projected or op.method_name != "Transverse Mercator":
        raise UnsupportedCRS(f"{srs} ({crs.name}) is not a Transverse Mercator projection")
    if any(a.unit_name != "metre" for a in crs.axis_info):
        raise UnsupportedCRS(f"{srs}: axes are not in metres")
    cm = _param(crs, "Longitude of natural origin")
    k0 = _param(crs, "Scale factor at natural origin")
    family = "TM-3" if crs.name.startswith(TM3_PREFIX) else "UTM" if "/ UTM zone" in crs.name else None
    if family == "TM-3" and k0 != 0.9999 or family == "UTM" and k0 != 0.9996:
        raise UnsupportedCRS(f"{srs} ({crs.name}): unexpected scale factor {k0}")
    return Zone(
        kind="projected",
        central_meridian=cm,
        scale_factor=k0,
        false_easting=_param(crs, "False easting"),
        false_northing=_param(crs, "False northing"),
        latitude_of_origin=_param(crs, "Latitude of natural origin"),
        family=family,
        provinces=provinces_for_meridian(cm) if family == "TM-3" else (),
        **common,
    )


@lru_cache(maxsize=1)
def _registry() -> dict[str, Zone]:
    """srs -> Zone, built once from pyproj's EPSG database (about 0.2 s)."""
    tm3 = {
        int(info.code)
        for info in query_crs_info(auth_name="EPSG")
        if info.name.startswith(TM3_PREFIX) and not info.deprecated
    }
    missing = EXPECTED_TM3 - tm3
    if missing:
        raise UnsupportedCRS(f"pyproj's EPSG database lacks VN-2000 TM-3 zones {sorted(missing)}; upgrade pyproj")
    zones: dict[str, Zone] = {}
    for code in sorted({*_FIXED, *tm3}):
        zone = _build(f"EPSG:{code}", CRS.from_epsg(code), code)
        if code in tm3 and (zone.datum != "VN2000" or zone.family != "TM-3"):
            raise UnsupportedCRS(f"EPSG:{code} ({zone.name}) is not a VN-2000 TM-3 zone")
        zones[zone.srs] = zone
    zones[CRS84] = _build(CRS84, CRS(CRS84), 4326)
    return zones


def all_zones() -> tuple[Zone, ...]:
    """Every supported CRS (EPSG order, CRS84 last)."""
    return tuple(_registry().values())


def zone_for_epsg(code: int | str) -> Zone:
    """Zone for an EPSG code (int or digit string); raises UnsupportedCRS otherwise."""
    try:
        number = int(str(code).strip())
    except ValueError:
        raise UnsupportedCRS(f"{code!r} is not an EPSG code (expected an integer such as 5899)") from None
    zone = _registry().get(f"EPSG:{number}")
    if zone is None:
        raise UnsupportedCRS(
            f"EPSG:{number} is not supported. Supported: WGS 84 (4326, 4979, 4978, OGC:CRS84), VN-2000 "
            "(4756), VN-2000 TM-3 zones (e.g. 5899 for Bà Rịa - Vũng Tàu) and UTM 48N/49N (3405/3406)."
        )
    return zone


def zone_for_province(name: str) -> Zone:
    """The VN-2000 TM-3 zone a province uses (Circular 973/2001/TT-TCĐC); diacritic/case-insensitive."""
    cm = province_central_meridian(name)
    if cm is None:
        raise UnsupportedCRS(
            f"unknown province {name!r}; use the pre-2025 province names, e.g. 'Bà Rịa - Vũng Tàu' or 'Ba Ria Vung Tau'"
        )
    for zone in _registry().values():
        if zone.family == "TM-3" and zone.central_meridian == cm:
            return zone
    raise UnsupportedCRS(f"no VN-2000 TM-3 zone with central meridian {cm}° for {canonical_province(name)}")


def tm3_zone_for_longitude(lon: float, *, provincial: bool = False) -> Zone:
    """VN-2000 TM-3 zone for a longitude (degrees).

    Default: the regular 3° zone (EPSG:5896 CM 102°, 5897 CM 105°, 5898 CM 108°, each ±1.5°; the
    boundary belongs to the eastern zone). ``provincial=True``: the TM-3 zone whose central
    meridian is nearest (a province's own zone is chosen with ``zone_for_province``).
    """
    lon = float(lon)
    tm3 = [z for z in _registry().values() if z.family == "TM-3"]
    if provincial:
        best = min(tm3, key=lambda z: (abs(lon - z.central_meridian), -z.central_meridian))
        if abs(lon - best.central_meridian) <= 1.5:
            return best
    else:
        regular = sorted((z for z in tm3 if re.search(r"zone \d+$", z.name)), key=lambda z: z.central_meridian)
        for zone in regular:
            if zone.central_meridian - 1.5 <= lon < zone.central_meridian + 1.5:
                return zone
        if regular and lon == regular[-1].central_meridian + 1.5:
            return regular[-1]
    raise UnsupportedCRS(f"no VN-2000 TM-3 zone covers longitude {lon}°")


_EPSG_PATTERNS = [
    re.compile(r"^(?:epsg\s*:{1,2}\s*)?(\d+)$", re.I),
    re.compile(r"^urn:ogc:def:crs:epsg:[^:]*:(\d+)$", re.I),
    re.compile(r"^https?://www\.opengis\.net/def/crs/epsg/[^/]+/(\d+)/?$", re.I),
]
_CRS84_PATTERN = re.compile(
    r"^(?:(?:ogc:)?crs:?84|urn:ogc:def:crs:ogc:[^:]*:crs84"
    r"|https?://www\.opengis\.net/def/crs/ogc/[^/]+/crs84/?)$",
    re.I,
)


def parse_crs(text: str | int) -> Zone:
    """Zone from "EPSG:5899", "5899", "urn:ogc:def:crs:EPSG::5899",
    "http://www.opengis.net/def/crs/EPSG/0/5899", "[EPSG:5899]" (safe CURIE) or a CRS84 form
    ("OGC:CRS84", "CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84", its http URI)."""
    if isinstance(text, int):
        return zone_for_epsg(text)
    value = str(text).strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1].strip()
    if _CRS84_PATTERN.match(value):
        return _registry()[CRS84]
    for pattern in _EPSG_PATTERNS:
        m = pattern.match(value)
        if m:
            return zone_for_epsg(int(m.group(1)))
    raise UnsupportedCRS(
        f"cannot read a CRS from {text!r}; use e.g. 'EPSG:5899', "
        "'http://www.opengis.net/def/crs/EPSG/0/5899' or 'OGC:CRS84'"
    )


@lru_cache(maxsize=256)
def _as_zone_cached(value: int | str) -> Zone:
    return parse_crs(value)


def as_zone(value: Zone | int | str) -> Zone:
    """Normalise a Zone, EPSG int or CRS text to a Zone (cached: called on every transform)."""
    if isinstance(value, Zone):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise UnsupportedCRS(f"expected a Zone, EPSG code or CRS string, got {type(value).__name__}")
    return _as_zone_cached(value)
