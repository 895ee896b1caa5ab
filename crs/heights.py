"""Normal (Hòn Dấu) heights <-> WGS 84 ellipsoidal heights with an offline geoid grid.

h = H + N, with N the geoid undulation of the grid at the WGS 84 (lon, lat). The default grid is
EGM96 from Debian ``proj-data`` (/usr/share/proj/egm96_15.gtx); set ``HERITAGE_GEOID_GRID`` to use
another file (e.g. a national quasi-geoid once available: EGM96 differs from the Hòn Dấu
quasi-geoid by decimetres).

Why not ``Transformer.from_crs("EPSG:4326+5773", "EPSG:4979")``: when the grid is not found PROJ
silently picks a "ballpark" operation with N = 0 (1.8 m wrong at Vũng Tàu) and neither
``only_best`` nor ``errcheck`` makes it raise. We instead build an explicit ``vgridshift`` step on
the grid *file*; a missing file raises GeoidUnavailable, and a point the grid does not cover
raises too. N is never silently 0. Nothing is downloaded (PROJ networking stays off).
"""

from __future__ import annotations

import math
import os
import threading
from functools import lru_cache

import numpy as np
from pyproj import Transformer
from pyproj.exceptions import ProjError

from .errors import GeoidUnavailable

DEFAULT_GEOID_GRID = "/usr/share/proj/egm96_15.gtx"
GEOID_ENV = "HERITAGE_GEOID_GRID"
# Sanity point for a freshly opened grid: EGM96 gives N = -1.819 m at Vũng Tàu.
_PROBE = (107.084, 10.346)
_local = threading.local()


def geoid_grid_path() -> str:
    """The geoid grid in use: $HERITAGE_GEOID_GRID or the Debian proj-data EGM96 file."""
    return os.environ.get(GEOID_ENV) or DEFAULT_GEOID_GRID


@lru_cache(maxsize=8)
def _pipeline(path: str) -> str:
    if '"' in path:
        raise GeoidUnavailable(f"geoid grid path {path!r} must not contain a double quote")
    # multiplier=1: forward adds N (H -> h). Quoted so paths with spaces work.
    return (
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f'+step +proj=vgridshift +grids="{path}" +multiplier=1 '
        "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )


def _transformer() -> Transformer:
    path = geoid_grid_path()
    if not os.path.isfile(path):
        raise GeoidUnavailable(
            f"geoid grid {path} not found. Install EGM96 with `apt-get install proj-data` (Debian/Ubuntu, "
            f"gives {DEFAULT_GEOID_GRID}) or point {GEOID_ENV} to a geoid grid file. Heights are not "
            "converted without it (N = 0 would be metres wrong)."
        )
    cache: dict[str, Transformer] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    transformer = cache.get(path)
    if transformer is None:
        try:
            transformer = Transformer.from_pipeline(_pipeline(path))
        except ProjError as exc:
            raise GeoidUnavailable(f"PROJ cannot read geoid grid {path}: {exc}") from exc
        _, _, n = transformer.transform(*_PROBE, 0.0)
        if not math.isfinite(n) or n == 0.0:
            raise GeoidUnavailable(
                f"geoid grid {path} gives N = {n} at Vũng Tàu {_PROBE}; "
                "it does not look like a geoid model covering Vietnam"
            )
        cache[path] = transformer
    return transformer


def _shift(lon: object, lat: object, z: object, inverse: bool) -> np.ndarray:
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    z_a = np.asarray(z, dtype=np.float64)
    lon_a, lat_a, z_a = np.broadcast_arrays(lon_a, lat_a, z_a)
    _, _, out = _transformer().transform(lon_a, lat_a, z_a, direction="INVERSE" if inverse else "FORWARD")
    out = np.asarray(out, dtype=np.float64)
    bad = ~np.isfinite(out) & np.isfinite(lon_a) & np.isfinite(lat_a) & np.isfinite(z_a)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise GeoidUnavailable(
            f"geoid grid {geoid_grid_path()} has no value at lon {lon_a.ravel()[i]}, "
            f"lat {lat_a.ravel()[i]} ({int(bad.sum())} point(s) affected)"
        )
    return out


def geoid_undulation(lon: object, lat: object) -> np.ndarray:
    """Geoid undulation N (metres) at WGS 84 (lon, lat) degrees."""
    return _shift(lon, lat, 0.0, inverse=False)


def normal_to_ellipsoidal(lon: object, lat: object, H: object) -> np.ndarray:
    """Normal/orthometric height H (Hòn Dấu) -> WGS 84 ellipsoidal height h = H + N."""
    return _shift(lon, lat, H, inverse=False)


def ellipsoidal_to_normal(lon: object, lat: object, h: object) -> np.ndarray:
    """WGS 84 ellipsoidal height h -> normal height H = h - N."""
    return _shift(lon, lat, h, inverse=True)
