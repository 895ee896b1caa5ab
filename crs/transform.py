"""Vectorised coordinate transformation between the supported CRSs.

* Always x = lon/easting, y = lat/northing (like pyproj's ``always_xy=True``), whatever the
  official axis order of the CRS.
* VN-2000 ↔ WGS 84 always goes through EPSG:6960 (see ``crs.pipeline``); never pyproj's default.
  Without a height, WGS 84 -> VN-2000 equals PROJ's 2D EPSG:6960 operation and VN-2000 -> WGS 84
  is its exact inverse (PROJ's own reverse differs by < 0.1 mm in BR-VT, up to 1.4 mm elsewhere,
  and does not round-trip).
* With a height (``z``), the Helmert uses it, as PROJ does with three coordinates, and z is
  converted explicitly: ``heights`` says what z is on input, ``out_heights`` what it should be on
  output — "normal" (Hòn Dấu) or "ellipsoidal" (above the datum's ellipsoid). VN-2000 heights are
  normal unless told otherwise; a WGS 84 height must be said whenever it matters; ECEF is
  ellipsoidal. See ``crs.datum3d``.
* pyproj Transformers are not thread-safe, so each thread gets its own cached instances.
"""

from __future__ import annotations

import numpy as np
from pyproj import Transformer

from ._cache import as_float, cached, run
from .datum3d import ecef_to_geodetic, geodetic_to_ecef, transform_3d
from .pipeline import PINNED_NAME, pipeline_2d
from .zones import Zone, as_zone

ZoneLike = Zone | int | str


def _horizontal(zone: Zone) -> Zone:
    # ECEF is reached through geodetic WGS 84; its horizontal stand-in is EPSG:4326.
    return as_zone(4326) if zone.kind == "geocentric" else zone


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
    return cached(definition)


def transform(
    x: object,
    y: object,
    z: object = None,
    *,
    src: ZoneLike,
    dst: ZoneLike,
    heights: str | None = None,
    out_heights: str | None = None,
) -> tuple[np.ndarray, ...]:
    """Transform coordinates from ``src`` to ``dst`` (Zone, EPSG int or CRS text).

    Input and output in x=lon/easting, y=lat/northing order; scalars or numpy arrays
    (broadcast shape kept). Returns ``(x, y)``, or ``(x, y, z)`` if z was given: then the datum
    step uses the height and z is converted from ``heights`` to ``out_heights`` (ECEF needs z).
    Points PROJ cannot transform come back as ``inf``.
    """
    s, d = as_zone(src), as_zone(dst)
    if z is not None:
        return transform_3d(x, y, z, src=s, dst=d, heights=heights, out_heights=out_heights)
    if "geocentric" in (s.kind, d.kind):
        raise ValueError(
            f"{s.srs} -> {d.srs} involves ECEF (EPSG:4978): z is required "
            "(ECEF Z, or the height on the other side with heights='normal' or 'ellipsoidal')"
        )
    xa, ya = np.broadcast_arrays(as_float(x), as_float(y))
    return run(pipeline_2d(s, d), xa, ya)


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
