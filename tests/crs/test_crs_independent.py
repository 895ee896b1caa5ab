"""crs.transform against an independent implementation (pygeodesy: Helmert, ECEF, exact TM).

The reference chain for a WGS 84 point (lon, lat) at h = 0 (our 2D convention, see crs.pipeline):
WGS 84 geodetic -> ECEF (Karney) -> exact inverse of the EPSG:6960 Helmert -> VN-2000 geodetic
-> exact Transverse Mercator (pygeodesy ExactTransverseMercator, WGS 84 ellipsoid).

Sign convention: EPSG:6960 is published in the *coordinate-frame* convention (method 9607).
pygeodesy's ``Transform`` computes x' = s1·x − rz·y + ry·z + tx, i.e. the *position-vector*
convention (method 9606), so the three rotations are negated when handed to it. The tests below
also pin the convention to published numbers (not only to agreement between implementations).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pygeodesy.datums import Datums, Transform
from pygeodesy.ecef import EcefKarney
from pygeodesy.etm import ExactTransverseMercator

from crs import geoid_undulation, to_ecef, transform, zone_for_epsg
from crs.zones import Zone

# EPSG:6960, VN-2000 -> WGS 84, coordinate frame: tx ty tz [m], rx ry rz ["], ds [ppm].
CF = dict(
    tx=-191.90441429, ty=-39.30318279, tz=-111.45032835, rx=-0.00928836, ry=0.01975479, rz=-0.00427372, s=0.252906278
)


def _pygeodesy_helmert(flip_rotations: bool = True) -> Transform:
    sign = -1.0 if flip_rotations else 1.0  # coordinate frame -> position vector
    return Transform(
        name="",
        tx=CF["tx"],
        ty=CF["ty"],
        tz=CF["tz"],
        s=CF["s"],
        sx=sign * CF["rx"],
        sy=sign * CF["ry"],
        sz=sign * CF["rz"],
    )


HELMERT = _pygeodesy_helmert()
ECEF = EcefKarney(Datums.WGS84.ellipsoid)


def _wgs84_to_vn2000_geodetic(
    lon: float, lat: float, helmert: Transform = HELMERT, h: float = 0.0
) -> tuple[float, float]:
    """Exact inverse of pygeodesy's forward Helmert by fixed-point iteration (contraction ~1e-6),
    for a WGS 84 point at ellipsoidal height h (0: the 2D convention)."""
    w = ECEF.forward(lat, lon, h)
    target = np.array([w.x, w.y, w.z])
    v = target.copy()
    for _ in range(6):
        f = helmert.transform(*v)
        v = v + (target - np.array([f.x, f.y, f.z]))
    r = ECEF.reverse(*v)
    return r.lon, r.lat


def _tm(zone: Zone, lon: float, lat: float) -> tuple[float, float]:
    etm = ExactTransverseMercator(datum=Datums.WGS84, lon0=zone.central_meridian, k0=zone.scale_factor)
    f = etm.forward(lat, lon)
    return f.easting + zone.false_easting, f.northing + zone.false_northing


def _points() -> list[tuple[int, float, float]]:
    """(zone, lon, lat) in WGS 84: a BR-VT grid on both sides of 107.11°E, Côn Đảo, and points
    across Vietnam in their provincial/regular zones."""
    pts = [
        (5899, float(lon), float(lat)) for lon in np.linspace(106.95, 107.60, 7) for lat in np.linspace(10.30, 10.85, 5)
    ]
    pts += [(5899, 106.606, 8.684), (5899, 106.55, 8.75), (5899, 106.70, 8.60)]  # Côn Đảo
    pts += [
        (9210, 106.70, 10.78),
        (9210, 106.66, 20.86),
        (5897, 105.85, 21.03),
        (5897, 105.78, 10.03),
        (9208, 103.97, 22.49),
        (9205, 103.02, 21.39),
        (9206, 103.91, 21.33),
        (9207, 104.75, 9.18),
        (9209, 105.60, 21.40),
        (9211, 105.34, 20.81),
        (9212, 106.89, 11.54),
        (9213, 105.84, 21.59),
        (9214, 107.59, 16.46),
        (9215, 106.76, 21.85),
        (9216, 108.00, 14.35),
        (5898, 108.80, 15.12),
        (9217, 109.19, 12.24),
        (9218, 108.05, 12.67),
        (5899, 107.73, 20.95),
        (5899, 108.22, 16.05),
        (5899, 108.44, 11.94),
        (3405, 105.50, 15.00),
        (3405, 102.50, 22.00),
        (3406, 109.00, 13.00),
        (5896, 102.50, 21.00),
    ]
    return pts


POINTS = _points()


def test_enough_points_on_both_sides_of_107_11() -> None:
    assert len(POINTS) >= 50
    brvt = [p for p in POINTS if p[0] == 5899 and p[2] < 11]
    assert sum(lon < 107.11 for _, lon, _ in brvt) >= 10 and sum(lon > 107.11 for _, lon, _ in brvt) >= 10


def test_reference_chain_reproduces_published_check_value() -> None:
    # Pins the sign convention independently of PROJ: 426902.367 / 1144200.498 (notes, EPSG:6960).
    zone = zone_for_epsg(5899)
    e, n = _tm(zone, *_wgs84_to_vn2000_geodetic(107.0843, 10.3460))
    assert e == pytest.approx(426902.367, abs=0.001) and n == pytest.approx(1144200.498, abs=0.001)
    # Using the published (coordinate-frame) signs as if they were position-vector is 0.5 m off.
    e_bad, n_bad = _tm(zone, *_wgs84_to_vn2000_geodetic(107.0843, 10.3460, _pygeodesy_helmert(False)))
    assert math.hypot(e_bad - e, n_bad - n) > 0.4


def test_reference_chain_reproduces_decision_252_pair() -> None:
    # VN-2000 10°20′46″N 107°03′00″E <-> WGS 84 10°20′43″N 107°03′07″E (each rounded to 1″).
    lon_v, lat_v = _wgs84_to_vn2000_geodetic(107 + 3 / 60 + 7 / 3600, 10 + 20 / 60 + 43 / 3600)
    assert abs(lon_v - (107 + 3 / 60)) * 3600 <= 1.0
    assert abs(lat_v - (10 + 20 / 60 + 46 / 3600)) * 3600 <= 1.0


# Required: <= 1 mm. Measured: ~0.0001 mm, so assert 0.01 mm (would catch e.g. PROJ's own
# VN-2000 -> WGS 84 height convention, up to 1.4 mm away, or a TM series truncation).
TOL = 1e-5


@pytest.mark.parametrize("code, lon, lat", POINTS)
def test_agrees_with_pygeodesy(code: int, lon: float, lat: float) -> None:
    zone = zone_for_epsg(code)
    lon_v, lat_v = _wgs84_to_vn2000_geodetic(lon, lat)
    e_ref, n_ref = _tm(zone, lon_v, lat_v)
    e, n = transform(lon, lat, src=4326, dst=code)
    assert math.hypot(float(e) - e_ref, float(n) - n_ref) <= TOL
    # Reverse direction from the reference projected coordinates back to WGS 84.
    lon_w, lat_w = transform(e_ref, n_ref, src=code, dst=4326)
    d = math.hypot((float(lon_w) - lon) * 111_320 * math.cos(math.radians(lat)), (float(lat_w) - lat) * 110_574)
    assert d <= TOL
    # VN-2000 geographic (EPSG:4756) both ways.
    glon, glat = transform(lon, lat, src=4326, dst=4756)
    d = math.hypot((float(glon) - lon_v) * 111_320 * math.cos(math.radians(lat)), (float(glat) - lat_v) * 110_574)
    assert d <= TOL


# ---- heights in the datum step ------------------------------------------------------------------
# With a height, the Helmert acts on the point's own geocentric position (PROJ with 3 coordinates).
# Reference: WGS 84 (lon, lat, h) -> ECEF (Karney) -> exact inverse Helmert -> VN-2000 geodetic ->
# exact TM. Normal heights use the geoid grid at the WGS 84 position (H = h - N); the grid is data,
# the Helmert and the height bookkeeping are what is checked.


HEIGHTS = (0.0, 62.0, 500.0, 1500.0, 2000.0)
HEIGHT_POINTS = [
    (5899, lon, lat, h)
    for lon, lat in ((107.0843, 10.346), (107.02, 10.42), (107.10, 10.60), (107.12, 10.35), (107.40, 10.55))
    for h in HEIGHTS
] + [(5899, 106.606, 8.684, 600.0), (5897, 105.85, 21.03, 1200.0), (9208, 103.97, 22.49, 2000.0)]


def test_height_points_cover_both_sides_of_107_11() -> None:
    west = {lon for code, lon, _, h in HEIGHT_POINTS if lon < 107.11 and h >= 1500}
    east = {lon for code, lon, _, h in HEIGHT_POINTS if lon > 107.11 and h >= 1500}
    assert len(west) >= 3 and len(east) >= 2


@pytest.mark.parametrize("code, lon, lat, h", HEIGHT_POINTS)
def test_heights_in_the_datum_step_agree_with_pygeodesy(code: int, lon: float, lat: float, h: float) -> None:
    zone = zone_for_epsg(code)
    e_ref, n_ref = _tm(zone, *_wgs84_to_vn2000_geodetic(lon, lat, h=h))
    # GNSS ellipsoidal height in, both directions; the height itself is kept.
    e, n, z = transform(lon, lat, h, src=4326, dst=code, heights="ellipsoidal", out_heights="ellipsoidal")
    assert math.hypot(float(e) - e_ref, float(n) - n_ref) <= TOL and float(z) == h
    lon_w, lat_w, h_w = transform(e_ref, n_ref, h, src=code, dst=4326, heights="ellipsoidal")
    assert _ground_metres(lon, lat, float(lon_w), float(lat_w)) <= TOL and abs(float(h_w) - h) <= TOL
    # The same point with its normal height H = h - N.
    H = h - float(geoid_undulation(lon, lat))
    e2, n2, H2 = transform(lon, lat, H, src=4326, dst=code, heights="normal")
    assert math.hypot(float(e2) - e_ref, float(n2) - n_ref) <= TOL and float(H2) == H
    lon3, lat3, h3 = transform(e_ref, n_ref, H, src=code, dst=4326, out_heights="ellipsoidal")  # VN-2000: normal
    assert _ground_metres(lon, lat, float(lon3), float(lat3)) <= TOL and abs(float(h3) - h) <= TOL
    # ECEF of the surveyed point (E, N, H) is the reference point's.
    X, Y, Zc = to_ecef(e_ref, n_ref, H, src=code, heights="normal")
    w = ECEF.forward(lat, lon, h)
    assert math.dist((float(X), float(Y), float(Zc)), (w.x, w.y, w.z)) <= TOL
    # And the height matters: the height-0 datum step is off by ~3.5e-5 of the height.
    e0, n0 = transform(lon, lat, src=4326, dst=code)
    assert math.hypot(float(e0) - e_ref, float(n0) - n_ref) == pytest.approx(3.5e-5 * h, rel=0.1, abs=2e-4)


def _ground_metres(lon: float, lat: float, lon2: float, lat2: float) -> float:
    return math.hypot((lon2 - lon) * 111_320 * math.cos(math.radians(lat)), (lat2 - lat) * 110_574)
