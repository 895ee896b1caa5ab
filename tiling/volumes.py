"""Bounding-volume geometry for the 3D Tiles checks: boxes, spheres, regions.

Volumes are brought into one common frame (the tileset's world frame, i.e. ECEF once
all tile transforms are applied) and containment is tested on points sampled from the
child volume (box corners, sphere extremes, region corners and edge midpoints).
Regions are always geodetic (EPSG:4979, radians) and ignore tile transforms, as the
3D Tiles spec says.  The ellipsoid maths here is plain WGS 84 and involves no datum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)


def geodetic_to_ecef(lon_deg: np.ndarray | float, lat_deg: np.ndarray | float, h: np.ndarray | float) -> np.ndarray:
    """WGS 84 geodetic (degrees, metres) → ECEF (N, 3)."""
    lon = np.radians(np.atleast_1d(np.asarray(lon_deg, float)))
    lat = np.radians(np.atleast_1d(np.asarray(lat_deg, float)))
    h = np.atleast_1d(np.asarray(h, float))
    n = WGS84_A / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
    return np.stack(
        [
            (n + h) * np.cos(lat) * np.cos(lon),
            (n + h) * np.cos(lat) * np.sin(lon),
            (n * (1 - WGS84_E2) + h) * np.sin(lat),
        ],
        axis=-1,
    )


def ecef_to_geodetic(p: np.ndarray) -> np.ndarray:
    """ECEF (N, 3) → WGS 84 (lon°, lat°, h m) (N, 3); Bowring start + 3 Newton-like steps (< 1 µm)."""
    p = np.atleast_2d(np.asarray(p, float))
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    lon = np.arctan2(y, x)
    r = np.hypot(x, y)
    lat = np.arctan2(z, r * (1 - WGS84_E2))
    for _ in range(4):
        n = WGS84_A / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
        h = r / np.maximum(np.cos(lat), 1e-12) - n
        lat = np.arctan2(z, r * (1 - WGS84_E2 * n / (n + h)))
    n = WGS84_A / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
    h = np.where(np.abs(np.cos(lat)) > 1e-9, r / np.maximum(np.cos(lat), 1e-12) - n, np.abs(z) - n * (1 - WGS84_E2))
    return np.stack([np.degrees(lon), np.degrees(lat), h], axis=-1)


def enu_matrix(lon_deg: float, lat_deg: float, h: float) -> np.ndarray:
    """4×4 ENU→ECEF at a WGS 84 point (used by checks and tests; tiling itself uses crs)."""
    lo, la = math.radians(lon_deg), math.radians(lat_deg)
    e = [-math.sin(lo), math.cos(lo), 0.0]
    n = [-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)]
    u = [math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)]
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2] = e, n, u
    m[:3, 3] = geodetic_to_ecef(lon_deg, lat_deg, h)[0]
    return m


@dataclass
class Box:
    """Oriented box: centre and three half-axis vectors (columns of ``axes``)."""

    center: np.ndarray
    axes: np.ndarray  # (3, 3), column i = half-axis i

    def transformed(self, m: np.ndarray) -> Box:
        return Box(m[:3, :3] @ self.center + m[:3, 3], m[:3, :3] @ self.axes)

    def corners(self) -> np.ndarray:
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], float)
        return self.center + signs @ self.axes.T

    def size(self) -> float:
        return float(2 * np.linalg.norm(self.axes, axis=0).max())


@dataclass
class Sphere:
    center: np.ndarray
    radius: float

    def transformed(self, m: np.ndarray) -> Sphere:
        scale = float(np.linalg.norm(m[:3, :3], axis=0).max())
        return Sphere(m[:3, :3] @ self.center + m[:3, 3], self.radius * scale)

    def sample(self) -> np.ndarray:
        d = np.vstack([np.eye(3), -np.eye(3)]) * self.radius
        return self.center + d

    def size(self) -> float:
        return 2 * self.radius


@dataclass
class Region:
    """west, south, east, north (radians), min/max ellipsoidal height (m)."""

    west: float
    south: float
    east: float
    north: float
    hmin: float
    hmax: float

    def sample(self) -> np.ndarray:
        east = self.east if self.east >= self.west else self.east + 2 * math.pi
        lons = np.degrees(np.linspace(self.west, east, 5))
        lats = np.degrees(np.linspace(self.south, self.north, 5))
        lo, la, hh = np.meshgrid(lons, lats, [self.hmin, self.hmax], indexing="ij")
        return geodetic_to_ecef(lo.ravel(), la.ravel(), hh.ravel())

    def size(self) -> float:
        return float(np.ptp(self.sample(), axis=0).max())


Volume = Box | Sphere | Region


def parse_volume(bv: dict) -> Volume:
    """Build a volume from a 3D Tiles boundingVolume dict (already checked for shape)."""
    if "box" in bv:
        b = np.asarray(bv["box"], float)
        return Box(b[:3], b[3:].reshape(3, 3).T)
    if "sphere" in bv:
        s = np.asarray(bv["sphere"], float)
        return Sphere(s[:3], float(s[3]))
    r = [float(v) for v in bv["region"]]
    return Region(*r)


def to_world(v: Volume, m: np.ndarray) -> Volume:
    """Apply the accumulated tile transform (regions are already world/geodetic)."""
    return v if isinstance(v, Region) else v.transformed(m)


def _sample(v: Volume) -> np.ndarray:
    if isinstance(v, Box):
        return v.corners()
    return v.sample()


def outside_distance(parent: Volume, child: Volume) -> float:
    """How far (metres) the child volume reaches outside the parent; ≤ 0 when contained."""
    if isinstance(parent, Sphere) and isinstance(child, Sphere):
        return float(np.linalg.norm(child.center - parent.center) + child.radius - parent.radius)
    pts = _sample(child)
    if isinstance(parent, Sphere):
        return float((np.linalg.norm(pts - parent.center, axis=1) - parent.radius).max())
    if isinstance(parent, Box):
        return _box_excess(parent, pts)
    return _region_excess(parent, pts)


def _box_excess(box: Box, pts: np.ndarray) -> float:
    lengths = np.linalg.norm(box.axes, axis=0)
    d = pts - box.center
    # pseudo-inverse copes with flat boxes (a zero half-axis)
    coords = d @ np.linalg.pinv(box.axes).T
    off_plane = np.linalg.norm(d - coords @ box.axes.T, axis=1)
    excess = (np.abs(coords) - 1.0) * lengths
    return float(max(excess.max(), off_plane.max()))


def _region_excess(r: Region, pts: np.ndarray) -> float:
    g = ecef_to_geodetic(pts)
    lon, lat = np.radians(g[:, 0]), np.radians(g[:, 1])
    east = r.east if r.east >= r.west else r.east + 2 * math.pi
    lon = np.where(lon < r.west - 1e-9, lon + 2 * math.pi, lon)
    rad = WGS84_A  # radians → metres, good enough for a tolerance check
    ex = [
        (r.west - lon) * rad * np.cos(lat),
        (lon - east) * rad * np.cos(lat),
        (r.south - lat) * rad,
        (lat - r.north) * rad,
        r.hmin - g[:, 2],
        g[:, 2] - r.hmax,
    ]
    return float(np.max(ex))
