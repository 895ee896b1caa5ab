"""Earth-centred (EPSG:4978) coordinates and local East-North-Up frames for 3D Tiles.

``to_ecef`` is the one place where a surveyed point with a height becomes a Cesium position: the
pinned datum step (EPSG:6960) acts on the point at its height, the height being either a normal
height (Hòn Dấu; the geoid of ``crs.heights`` is applied at the WGS 84 position) or a WGS 84
ellipsoidal height, whatever CRS the horizontal position is in (see ``crs.datum3d``).

ENU matrices: 3D Tiles root transforms map a local East-North-Up frame (metres) to ECEF. Note the
pitfall this avoids: subtracting a VN-2000 origin (E0, N0, H0) does *not* give ENU — grid north is
rotated by the meridian convergence (−0.12° at Vũng Tàu, 0.2 m at 100 m); transform every vertex.
"""

from __future__ import annotations

import numpy as np

from .datum3d import HeightKind, check_kind, geodetic_to_ecef, transform_3d
from .transform import ZoneLike
from .zones import as_zone

ECEF = 4978


def _check_heights(heights: str) -> None:
    if heights is None:
        raise ValueError("heights must be 'normal' or 'ellipsoidal', got None")
    check_kind(heights)


def to_ecef(
    x: object, y: object, z: object, *, src: ZoneLike, heights: HeightKind
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, z) in ``src`` -> ECEF X, Y, Z (EPSG:4978, metres).

    heights='normal': z is a normal height H (VN-2000 practice, Hòn Dấu); h = H + N(geoid).
    heights='ellipsoidal': z is a WGS 84 ellipsoidal height (a GNSS receiver's).
    """
    _check_heights(heights)
    zone = as_zone(src)
    if zone.kind == "geocentric" and heights != "ellipsoidal":
        raise ValueError("ECEF input carries no normal height; use heights='ellipsoidal'")
    X, Y, Z = transform_3d(x, y, z, src=zone, dst=ECEF, heights=heights)
    return X, Y, Z


def from_ecef(
    X: object, Y: object, Z: object, *, dst: ZoneLike, heights: HeightKind
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF X, Y, Z -> (x, y, z) in ``dst``, z as a normal or a WGS 84 ellipsoidal height."""
    _check_heights(heights)
    zone = as_zone(dst)
    if zone.kind == "geocentric":
        return to_ecef(X, Y, Z, src=zone, heights=heights)
    x, y, z = transform_3d(X, Y, Z, src=ECEF, dst=zone, out_heights=heights)
    return x, y, z


def _enu_axes(lon: float, lat: float) -> np.ndarray:
    """3x3 matrix whose columns are the East, North, Up unit vectors in ECEF at (lon, lat)."""
    lam, phi = np.radians(float(lon)), np.radians(float(lat))
    sl, cl, sp, cp = np.sin(lam), np.cos(lam), np.sin(phi), np.cos(phi)
    return np.array([[-sl, -sp * cl, cp * cl], [cl, -sp * sl, cp * sl], [0.0, cp, sp]])


def enu_to_ecef_matrix(lon: float, lat: float, h: float) -> np.ndarray:
    """4x4 matrix taking local ENU (metres) at WGS 84 (lon, lat, ellipsoidal h) to ECEF.

    Up is the ellipsoid normal. For a 3D Tiles ``transform`` (column-major) use
    ``m.flatten(order="F").tolist()``.
    """
    origin = geodetic_to_ecef(lon, lat, h)
    m = np.eye(4)
    m[:3, :3] = _enu_axes(lon, lat)
    m[:3, 3] = [float(c) for c in origin]
    return m


def ecef_to_enu(
    X: object, Y: object, Z: object, lon: float, lat: float, h: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF points -> local East, North, Up (metres) at WGS 84 origin (lon, lat, ellipsoidal h)."""
    axes = _enu_axes(lon, lat)
    ox, oy, oz = (float(c) for c in geodetic_to_ecef(lon, lat, h))
    # Differences first: subtracting ~6e6 m coordinates before rotating keeps mm precision.
    dx = np.asarray(X, dtype=np.float64) - ox
    dy = np.asarray(Y, dtype=np.float64) - oy
    dz = np.asarray(Z, dtype=np.float64) - oz
    e = axes[0, 0] * dx + axes[1, 0] * dy + axes[2, 0] * dz
    n = axes[0, 1] * dx + axes[1, 1] * dy + axes[2, 1] * dz
    u = axes[0, 2] * dx + axes[1, 2] * dy + axes[2, 2] * dz
    return e, n, u


def enu_to_ecef(
    e: object, n: object, u: object, lon: float, lat: float, h: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local East, North, Up (metres) at WGS 84 origin -> ECEF X, Y, Z."""
    axes = _enu_axes(lon, lat)
    ox, oy, oz = (float(c) for c in geodetic_to_ecef(lon, lat, h))
    e_a, n_a, u_a = (np.asarray(v, dtype=np.float64) for v in (e, n, u))
    X = ox + axes[0, 0] * e_a + axes[0, 1] * n_a + axes[0, 2] * u_a
    Y = oy + axes[1, 0] * e_a + axes[1, 1] * n_a + axes[1, 2] * u_a
    Z = oz + axes[2, 0] * e_a + axes[2, 1] * n_a + axes[2, 2] * u_a
    return X, Y, Z
