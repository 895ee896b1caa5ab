"""Vectorised coordinate transformation between the supported CRSs.

* Always x = lon/easting, y = lat/northing (like pyproj's ``always_xy=True``), whatever the
  official axis order of the CRS.
* VN-2000 ↔ WGS 84 always goes through EPSG:6960 (see ``crs.pipeline``); never pyproj's default.
  WGS 84 -> VN-2000 equals PROJ's EPSG:6960 operation; VN-2000 -> WGS 84 is its exact inverse
  (PROJ's own reverse differs by < 0.1 mm in BR-VT, up to 1.4 mm elsewhere, and does not round-trip).
* Horizontal transforms are 2D: ``z`` is returned unchanged. Heights are converted explicitly with
  ``crs.heights`` / ``crs.ecef``. When one side is geocentric (EPSG:4978), ``z`` is required and is
  the WGS 84 *ellipsoidal* height on the other side; the VN-2000 horizontal position is converted
  in 2D first, so ``5899 -> 4978`` equals ``5899 -> 4979`` followed by ``4979 -> 4978``.
  (Applying the 3D Helmert at the point's own height instead moves it by about
  |horizontal shift| · h / R ≈ 230 m · h / 6 371 km: measured 1.8 mm at h = 50 m and 18 mm at
  500 m in BR-VT — below the decimetre uncertainty of EGM96 as a stand-in for the Hòn Dấu geoid.)
* pyproj Transformers are not thread-safe, so each thread gets its own cached instances.
"""

from __future__ import annotations

import threading

import numpy as np
from pyproj import Transformer

from .pipeline import GEODETIC_TO_ECEF, PINNED_NAME, pipeline_2d
from .zones import Zone, as_zone

ZoneLike = Zone | int | str
_local = threading.local()


def _cached(key: str) -> Transformer:
    """Per-thread Transformer for a pipeline definition (pyproj objects must not be shared)."""
    cache: dict[str, Transformer] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    transformer = cache.get(key)
    if transformer is None:
        transformer = cache[key] = Transformer.from_pipeline(key)
    return transformer


def pipeline_definition(src: ZoneLike, dst: ZoneLike) -> str | None:
    """The PROJ pipeline used for horizontal src -> dst (None for the identity)."""
    return pipeline_2d(_horizontal(as_zone(src)), _horizontal(as_zone(dst)))


def pinned_transformer(src: ZoneLike, dst: ZoneLike) -> Transformer:
    """This thread's pyproj Transformer for horizontal src -> dst (x=lon/easting in and out; a z
    given to it is returned unchanged).

    For callers that must hand a Transformer to another library; prefer ``transform``. Use it in
    the forward direction only (ask for dst -> src instead of ``direction="INVERSE"``: the
    VN-2000 -> WGS 84 pipeline contains a refinement step that is not meant to be run backwards).
    Do not share it between threads.
    """
    definition = pipeline_definition(src, dst)
    if definition is None:
        definition = "+proj=noop"
    return _cached(definition)


def _horizontal(zone: Zone) -> Zone:
    # ECEF is reached through geodetic WGS 84; its horizontal stand-in is EPSG:4326.
    return as_zone(4326) if zone.kind == "geocentric" else zone


def _array(v: object) -> np.ndarray:
    # No copy when the caller already passes float64 arrays (the 1M-point case).
    return np.asarray(v, dtype=np.float64)


def _horizontal_transform(x: np.ndarray, y: np.ndarray, src: Zone, dst: Zone) -> tuple[np.ndarray, np.ndarray]:
    definition = pipeline_2d(src, dst)
    if definition is None:
        return np.array(x, dtype=np.float64, copy=True), np.array(y, dtype=np.float64, copy=True)
    xo, yo = _cached(definition).transform(x, y)
    return np.asarray(xo, dtype=np.float64), np.asarray(yo, dtype=np.float64)


def geodetic_to_ecef(lon: object, lat: object, h: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS 84 (lon, lat degrees, ellipsoidal h metres) -> ECEF X, Y, Z (EPSG:4978)."""
    X, Y, Z = _cached(GEODETIC_TO_ECEF).transform(_array(lon), _array(lat), _array(h))
    return np.asarray(X), np.asarray(Y), np.asarray(Z)


def ecef_to_geodetic(X: object, Y: object, Z: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF X, Y, Z (EPSG:4978) -> WGS 84 lon, lat (degrees), ellipsoidal h (metres)."""
    lon, lat, h = _cached(GEODETIC_TO_ECEF).transform(_array(X), _array(Y), _array(Z), direction="INVERSE")
    return np.asarray(lon), np.asarray(lat), np.asarray(h)


def transform(x: object, y: object, z: object = None, *, src: ZoneLike, dst: ZoneLike) -> tuple[np.ndarray, ...]:
    """Transform coordinates from ``src`` to ``dst`` (Zone, EPSG int or CRS text).

    Input and output in x=lon/easting, y=lat/northing order; scalars or numpy arrays
    (broadcast shape kept). Returns ``(x, y)`` or ``(x, y, z)`` if z was given.
    Points PROJ cannot transform come back as ``inf``.
    """
    s, d = as_zone(src), as_zone(dst)
    xa, ya = _array(x), _array(y)
    if xa.shape != ya.shape:
        xa, ya = np.broadcast_arrays(xa, ya)
    if s.kind != "geocentric" and d.kind != "geocentric":
        xo, yo = _horizontal_transform(xa, ya, s, d)
        if z is None:
            return xo, yo
        return xo, yo, np.array(np.broadcast_to(_array(z), xo.shape), dtype=np.float64, copy=True)
    if z is None:
        raise ValueError(
            f"{s.srs} -> {d.srs} involves ECEF (EPSG:4978): z is required "
            "(ECEF Z, or WGS 84 ellipsoidal height on the other side)"
        )
    za = np.broadcast_to(_array(z), xa.shape)
    if s.kind == "geocentric":
        xa, ya, za = ecef_to_geodetic(xa, ya, za)
        s = as_zone(4326)
    if d.kind == "geocentric":
        lon, lat = _horizontal_transform(xa, ya, s, as_zone(4326))
        return geodetic_to_ecef(lon, lat, za)
    xo, yo = _horizontal_transform(xa, ya, s, d)
    return xo, yo, np.array(za, dtype=np.float64, copy=True)


def to_wgs84(x: object, y: object, src: ZoneLike) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) in ``src`` -> WGS 84 (lon, lat) degrees (EPSG:4326 in lon/lat order)."""
    lon, lat = transform(x, y, src=src, dst=4326)
    return lon, lat


def from_wgs84(lon: object, lat: object, dst: ZoneLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 (lon, lat) degrees -> (x, y) in ``dst`` (x = easting/lon)."""
    x, y = transform(lon, lat, src=4326, dst=dst)
    return x, y


__all__ = [
    "transform",
    "to_wgs84",
    "from_wgs84",
    "pinned_transformer",
    "pipeline_definition",
    "geodetic_to_ecef",
    "ecef_to_geodetic",
    "PINNED_NAME",
]
