"""Positions with a height, through the pinned datum step (VN-2000 ↔ WGS 84, EPSG:6960).

A height is one of two kinds, and a conversion says which one it reads and which one it writes:

* ``normal``: a normal height H above the Hòn Dấu quasi-geoid — what VN-2000 levelling and survey
  tables give. It is the same number on either datum; h_WGS84 = H + N, with N from the geoid grid
  of ``crs.heights`` (EGM96 by default).
* ``ellipsoidal``: a WGS 84 ellipsoidal height h, what a GNSS receiver measures and what ECEF
  coordinates hold, whichever CRS the horizontal position is given in. (The height above the
  VN-2000 ellipsoid, h_v, only exists inside the datum step and is never read or written.)

Defaults (``resolve_kinds``): VN-2000 heights are normal heights by definition; ECEF is
ellipsoidal; a WGS 84 height is ambiguous (a receiver writes ellipsoidal heights, its office
software often geoid-based ones) and must be said whenever the answer depends on it.

With the height known, the 7-parameter Helmert acts on the point's geocentric position, as PROJ
does with three coordinates. Leaving it at height 0 (``crs.pipeline.pipeline_2d``, the convention
when no height is known) moves the horizontal position by about 3.5e-5 of the height in Vietnam:
2 mm at 62 m, 53 mm at 1,500 m.

A VN-2000 point needs its VN-2000 ellipsoidal height h_v for the Helmert: h_v = h − Δ, with
h = H + N for a normal height, N taken where the point lands on WGS 84, and Δ = h − h_v the
Helmert's own height change (0.1 m at Vũng Tàu, −40 to +14 m over Vietnam). One trial pass with
h_v = z gives Δ and a position within 1.4 mm of the final one; the second pass is then exact to
far below 0.01 mm (Δ changes by 2.5e-7 per metre of height, EGM96's N by < 1e-4 per metre moved).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ._cache import as_float, run
from .errors import AmbiguousHeights
from .heights import ellipsoidal_to_normal, normal_to_ellipsoidal
from .pipeline import GEODETIC_TO_ECEF, pipeline_2d, pipeline_3d
from .zones import Zone, as_zone

HeightKind = Literal["normal", "ellipsoidal"]
HEIGHT_KINDS = ("normal", "ellipsoidal")
_WGS84 = 4326


def check_kind(value: str | None, name: str = "heights") -> None:
    if value is not None and value not in HEIGHT_KINDS:
        raise ValueError(f"{name} must be 'normal' (Hòn Dấu, geoid applied) or 'ellipsoidal' (WGS 84), got {value!r}")


def geodetic_to_ecef(lon: object, lat: object, h: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS 84 (lon, lat degrees, ellipsoidal h metres) -> ECEF X, Y, Z (EPSG:4978)."""
    X, Y, Z = run(GEODETIC_TO_ECEF, as_float(lon), as_float(lat), as_float(h))
    return X, Y, Z


def ecef_to_geodetic(X: object, Y: object, Z: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF X, Y, Z (EPSG:4978) -> WGS 84 lon, lat (degrees), ellipsoidal h (metres)."""
    lon, lat, h = run(GEODETIC_TO_ECEF, as_float(X), as_float(Y), as_float(Z), inverse=True)
    return lon, lat, h


def resolve_kinds(src: Zone, dst: Zone, heights: str | None, out_heights: str | None) -> tuple[str | None, str | None]:
    """(kind read, kind written). (None, None) when nothing depends on the kind: the same datum on
    both sides, no ECEF, no conversion asked for — z is then returned unchanged."""
    check_kind(heights)
    check_kind(out_heights, "out_heights")
    if src.kind == "geocentric":
        if heights == "normal":
            raise ValueError("ECEF input carries no normal height; use heights='ellipsoidal'")
        kind_in: str | None = "ellipsoidal"
    elif heights is not None:
        kind_in = heights
    elif src.datum == "VN2000":
        kind_in = "normal"  # VN-2000 heights are normal heights (Hòn Dấu) by definition
    elif dst.kind != "geocentric" and dst.datum == src.datum and out_heights is None:
        return None, None
    else:
        raise AmbiguousHeights(
            f"the heights of {src.srs} may be ellipsoidal (a GNSS receiver) or normal (geoid-based, "
            "from survey software): say which (heights='ellipsoidal' or 'normal')"
        )
    if dst.kind == "geocentric":
        return kind_in, "ellipsoidal"
    if out_heights is not None:
        return kind_in, out_heights
    return kind_in, "normal" if dst.datum == "VN2000" else kind_in


def to_wgs84_3d(x: np.ndarray, y: np.ndarray, z: np.ndarray, src: Zone, kind: str) -> tuple[np.ndarray, ...]:
    """(x, y, z) in ``src`` with z of ``kind`` -> WGS 84 lon, lat (degrees), ellipsoidal h (metres)."""
    if src.kind == "geocentric":
        return ecef_to_geodetic(x, y, z)
    wgs84 = as_zone(_WGS84)
    if src.datum == "WGS84":
        lon, lat = run(pipeline_2d(src, wgs84), x, y)
        h = np.array(z, dtype=np.float64) if kind == "ellipsoidal" else normal_to_ellipsoidal(lon, lat, z)
        return lon, lat, h
    three_d = pipeline_3d(src, wgs84)
    lon, lat, h = run(three_d, x, y, z)  # trial: h_v = z
    delta = h - z
    target = np.array(z, dtype=np.float64) if kind == "ellipsoidal" else normal_to_ellipsoidal(lon, lat, z)
    lon, lat, _ = run(three_d, x, y, target - delta)
    # The height is the one given (h, or H + N): the second pass reproduces it only to ~1e-5 m
    # (Δ itself changes by 2.5e-7 per metre between the passes), which matters for no position.
    return lon, lat, target


def from_wgs84_3d(lon: np.ndarray, lat: np.ndarray, h: np.ndarray, dst: Zone, kind: str) -> tuple[np.ndarray, ...]:
    """WGS 84 lon, lat, ellipsoidal h -> (x, y, z) in ``dst``, z of ``kind`` (ECEF: X, Y, Z)."""
    if dst.kind == "geocentric":
        return geodetic_to_ecef(lon, lat, h)
    wgs84 = as_zone(_WGS84)
    if dst.datum == "WGS84":
        x, y = run(pipeline_2d(wgs84, dst), lon, lat)
        z = np.array(h, dtype=np.float64) if kind == "ellipsoidal" else ellipsoidal_to_normal(lon, lat, h)
        return x, y, z
    x, y, _ = run(pipeline_3d(wgs84, dst), lon, lat, h)  # the datum step at the point's height
    z = np.array(h, dtype=np.float64) if kind == "ellipsoidal" else ellipsoidal_to_normal(lon, lat, h)
    return x, y, z


def _known(x: np.ndarray, y: np.ndarray, z: np.ndarray, s: Zone, d: Zone, kinds: tuple) -> tuple[np.ndarray, ...]:
    kind_in, kind_out = kinds
    if kind_in == kind_out and s.kind != "geocentric" and d.kind != "geocentric" and s.datum == d.datum:
        # No datum step and the same kind of height: the height is the same number on both sides.
        xo, yo = run(pipeline_2d(s, d), x, y)
        return xo, yo, np.array(z, dtype=np.float64)
    xo, yo, zo = from_wgs84_3d(*to_wgs84_3d(x, y, z, s, kind_in), d, kind_out)
    if kind_in == kind_out and "geocentric" not in (s.kind, d.kind):
        zo = np.array(z, dtype=np.float64)  # H and h are the same numbers whatever the datum
    return xo, yo, zo


def transform_3d(
    x: object,
    y: object,
    z: object,
    *,
    src: Zone | int | str,
    dst: Zone | int | str,
    heights: str | None = None,
    out_heights: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, z) from ``src`` to ``dst``; z read as ``heights`` and written as ``out_heights``
    (defaults: see ``resolve_kinds``). A point whose z is not finite (a height not known) is
    converted horizontally with the height-0 convention and keeps its z; ECEF needs every z."""
    s, d = as_zone(src), as_zone(dst)
    kinds = resolve_kinds(s, d, heights, out_heights)
    xa, ya, za = (np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(as_float(x), as_float(y), as_float(z)))
    known = np.isfinite(za)
    if known.all() or "geocentric" in (s.kind, d.kind):
        return _known(xa, ya, za, s, d, kinds)  # type: ignore[return-value]
    out = [np.full(xa.shape, np.nan) for _ in range(3)]
    if known.any():
        for target, values in zip(out, _known(xa[known], ya[known], za[known], s, d, kinds)):
            target[known] = values
    unknown = ~known
    out[0][unknown], out[1][unknown] = run(pipeline_2d(s, d), xa[unknown], ya[unknown])
    out[2][unknown] = za[unknown]
    return out[0], out[1], out[2]
