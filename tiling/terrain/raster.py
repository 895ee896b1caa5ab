"""A DEM or orthophoto read through rasterio and sampled at WGS 84 (lon, lat) — with the datum step
and the heights taken through ``crs/``, never through GDAL's own transformations.

Why not ``rasterio.warp``: GDAL picks a VN-2000 → WGS 84 operation the way PROJ's default does, i.e.
EPSG:5194 west of 107.11°E, 0.8 m from the official EPSG:6960. Here every target point is mapped to
the raster's own CRS with ``crs.transform`` (pinned), and heights that are normal (Hòn Dấu) get the
geoid undulation N from ``crs.geoid_undulation`` (EGM96): h = H + N.

The exact transforms run on a coarse lattice (every ``LATTICE_STEP``-th sample) and are bilinearly
interpolated in between: the projection and the geoid are smooth over a tile, so this moves a point
by well under a millimetre (tests/tiling/terrain measure it) and makes sampling ~100× cheaper.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import crs

from ..errors import TilingError
from .grid import METRES_PER_DEGREE

LATTICE_STEP = 16
GDAL_CACHE_MB = "256"
HEIGHT_SYSTEMS = ("normal", "ellipsoidal")


@dataclass(frozen=True)
class RasterInfo:
    """What a source raster is, in the terms the product records."""

    path: str
    epsg: int
    heights: str | None  # 'normal' / 'ellipsoidal' for DEMs, None for imagery
    bounds: tuple[float, float, float, float]  # WGS 84 (west, south, east, north)
    resolution_m: float
    width: int
    height: int
    bands: int
    dtype: str

    def to_dict(self) -> dict:
        return {
            "crs": f"EPSG:{self.epsg}",
            "heights": self.heights,
            "bounds": [round(v, 7) for v in self.bounds],
            "resolution_m": round(self.resolution_m, 3),
            "width": self.width,
            "height": self.height,
            "bands": self.bands,
            "dtype": self.dtype,
        }


def _zone_of(dataset, crs_override: str | int | None) -> crs.Zone:
    if crs_override is not None:
        return crs.as_zone(crs_override)
    if dataset.crs is None:
        raise TilingError(
            "The raster has no coordinate reference system.", hint="Give it with --crs, e.g. --crs EPSG:5899."
        )
    epsg = dataset.crs.to_epsg()
    if epsg is None:
        raise TilingError(
            f"The raster's CRS ({dataset.crs.to_string()[:120]}) has no EPSG code.",
            hint="Give the right one with --crs, e.g. --crs EPSG:5899 (VN-2000 / TM-3 107-45).",
        )
    return crs.as_zone(epsg)


class SourceRaster:
    """An open raster plus the Zone its coordinates are in. Not thread-safe (rasterio datasets are not)."""

    def __init__(self, path: Path | str, *, crs_code: str | int | None = None, heights: str | None = None):
        import rasterio
        from rasterio.errors import RasterioIOError

        # GDAL's block cache defaults to 5 % of the machine's memory in every process (1.2 GB here,
        # per build worker); the tiles read small windows, so a modest cache is as fast.
        os.environ.setdefault("GDAL_CACHEMAX", GDAL_CACHE_MB)
        try:
            self.dataset = rasterio.open(path)
        except RasterioIOError as exc:
            raise TilingError(f"{Path(path).name} is not a raster GDAL can read ({str(exc)[:200]}).") from None
        try:
            self.zone = _zone_of(self.dataset, crs_code)
        except crs.UnsupportedCRS as exc:
            self.dataset.close()
            raise TilingError(str(exc)) from None
        if heights is not None and heights not in HEIGHT_SYSTEMS:
            raise TilingError(f"heights must be normal or ellipsoidal, not {heights!r}.")
        if self.zone.kind == "geocentric":
            raise TilingError("A raster cannot be in ECEF (EPSG:4978).")
        self.heights = heights
        self.inverse = ~self.dataset.transform
        from rasterio.enums import MaskFlags

        # Nodata values are handled by value; only a real mask (per-dataset or alpha) is read as one.
        self.has_mask = any(
            MaskFlags.per_dataset in flags or MaskFlags.alpha in flags for flags in self.dataset.mask_flag_enums
        )
        self.info = RasterInfo(
            path=str(path),
            epsg=self.zone.epsg,
            heights=heights,
            bounds=self._wgs84_bounds(),
            resolution_m=self._resolution_m(),
            width=self.dataset.width,
            height=self.dataset.height,
            bands=self.dataset.count,
            dtype=str(self.dataset.dtypes[0]),
        )

    def close(self) -> None:
        self.dataset.close()

    def __enter__(self) -> SourceRaster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _wgs84_bounds(self) -> tuple[float, float, float, float]:
        w, h = self.dataset.width, self.dataset.height
        t = np.linspace(0.0, 1.0, 33)
        cols = np.concatenate([t * w, np.full_like(t, w), t[::-1] * w, np.zeros_like(t)])
        rows = np.concatenate([np.zeros_like(t), t * h, np.full_like(t, h), t[::-1] * h])
        tr = self.dataset.transform
        x, y = tr.a * cols + tr.b * rows + tr.c, tr.d * cols + tr.e * rows + tr.f
        lon, lat = crs.to_wgs84(x, y, self.zone)
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            raise TilingError("The raster's corners cannot be converted to WGS 84: is its CRS right?")
        west, south, east, north = float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise TilingError(f"The raster lands outside the globe ({west:.3f}, {south:.3f}, {east:.3f}, {north:.3f}).")
        return west, south, east, north

    def _resolution_m(self) -> float:
        tr = self.dataset.transform
        px = math.hypot(tr.a, tr.d)
        py = math.hypot(tr.b, tr.e)
        if self.zone.kind == "geographic":
            mid_lat = math.radians(tr.f + tr.e * self.dataset.height / 2)
            return max(px * METRES_PER_DEGREE * math.cos(mid_lat), py * METRES_PER_DEGREE)
        return max(px, py)

    # -- sampling -------------------------------------------------------------------------------------------
    def pixel_coordinates(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(col, row) of every (lat, lon) node of the grid lats × lons (fractional, pixel centres at .5),
        and N (geoid undulation) there when the heights are normal."""
        li, lj = _lattice_index(len(lats)), _lattice_index(len(lons))
        lat_l, lon_l = np.meshgrid(lats[li], lons[lj], indexing="ij")
        x, y = crs.transform(lon_l, lat_l, src=4326, dst=self.zone)
        inv = self.inverse
        col = inv.a * x + inv.b * y + inv.c
        row = inv.d * x + inv.e * y + inv.f
        col, row = _densify(col, len(lats), len(lons)), _densify(row, len(lats), len(lons))
        undulation = None
        if self.heights == "normal":
            undulation = _densify(crs.geoid_undulation(lon_l, lat_l), len(lats), len(lons))
        return col, row, undulation

    def sample(self, lons: np.ndarray, lats: np.ndarray, spacing_m: float, bands: list[int] | None = None):
        """Values on the grid lats × lons (rows north → south): float64 (bands, H, W), NaN where the raster
        has no data. A raster much finer than spacing_m is read averaged down first (no aliasing).
        Heights are WGS 84 ellipsoidal when the raster's heights are normal (N added).

        Only the part of the grid over the raster's footprint is transformed (a projection is not even
        defined 90° from its meridian, and a world-wide tile holds the raster in a few samples)."""
        bands = bands or [1]
        out = np.full((len(bands), len(lats), len(lons)), np.nan)
        cols = _within(lons, self.info.bounds[0], self.info.bounds[2])
        rows = _within(lats, self.info.bounds[1], self.info.bounds[3])
        if cols is None or rows is None:
            return out
        sub_lons, sub_lats = lons[cols[0] : cols[1]], lats[rows[0] : rows[1]]
        with np.errstate(invalid="ignore"):
            col, row, undulation = self.pixel_coordinates(sub_lons, sub_lats)
        finite = np.isfinite(col) & np.isfinite(row)
        if not finite.any():
            return out
        window, scale = self._window(col[finite], row[finite], spacing_m)
        if window is None:
            return out
        data = self._read(bands, window, scale)
        u = (col - window[0]) / scale[0] - 0.5
        v = (row - window[1]) / scale[1] - 0.5
        for b in range(len(bands)):
            values = _bilinear(data[b], u, v)
            if undulation is not None:
                values += undulation
            out[b, rows[0] : rows[1], cols[0] : cols[1]] = values
        return out

    def _window(self, col: np.ndarray, row: np.ndarray, spacing_m: float):
        factor = max(1, int(spacing_m / max(self.info.resolution_m, 1e-6)))
        pad = 2 * factor
        c0 = max(0, math.floor(col.min()) - pad)
        r0 = max(0, math.floor(row.min()) - pad)
        c1 = min(self.dataset.width, math.ceil(col.max()) + pad)
        r1 = min(self.dataset.height, math.ceil(row.max()) + pad)
        if c1 <= c0 or r1 <= r0:
            return None, None
        out_w, out_h = max(1, math.ceil((c1 - c0) / factor)), max(1, math.ceil((r1 - r0) / factor))
        return (c0, r0, c1 - c0, r1 - r0, out_w, out_h), ((c1 - c0) / out_w, (r1 - r0) / out_h)

    def _read(self, bands: list[int], window, scale) -> np.ndarray:
        from rasterio.enums import Resampling
        from rasterio.windows import Window

        c0, r0, w, h, out_w, out_h = window
        data = self.dataset.read(
            bands,
            window=Window(c0, r0, w, h),
            out_shape=(len(bands), out_h, out_w),
            resampling=Resampling.average if scale[0] > 1 else Resampling.nearest,
        ).astype(np.float64)
        nodata = self.dataset.nodata
        if nodata is not None and not np.isnan(nodata):
            data[data == nodata] = np.nan
        if self.has_mask:  # an internal mask or alpha band (orthophotos)
            mask = self.dataset.read_masks(
                bands, window=Window(c0, r0, w, h), out_shape=(len(bands), out_h, out_w), resampling=Resampling.nearest
            )
            data[mask == 0] = np.nan
        return data


def _within(values: np.ndarray, low: float, high: float) -> tuple[int, int] | None:
    """[start, stop) of the monotonic values inside [low, high] widened by one step each side."""
    step = abs(float(values[1] - values[0])) if len(values) > 1 else 0.0
    inside = np.flatnonzero((values >= low - step) & (values <= high + step))
    return (int(inside[0]), int(inside[-1]) + 1) if len(inside) else None


def _lattice_index(n: int) -> np.ndarray:
    idx = np.arange(0, n, LATTICE_STEP)
    return idx if idx[-1] == n - 1 else np.append(idx, n - 1)


def _densify(lattice: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Bilinear interpolation of values on the lattice (every LATTICE_STEP-th node) to every node."""

    def along(values: np.ndarray, n: int, axis: int) -> np.ndarray:
        nodes = _lattice_index(n).astype(np.float64)
        if len(nodes) == 1:
            return values
        position = np.arange(n, dtype=np.float64)
        k = np.clip(np.searchsorted(nodes, position, side="right") - 1, 0, len(nodes) - 2)
        t = (position - nodes[k]) / (nodes[k + 1] - nodes[k])
        a, b = np.take(values, k, axis=axis), np.take(values, k + 1, axis=axis)
        shape = [1, 1]
        shape[axis] = n
        t = t.reshape(shape)
        return a + (b - a) * t

    return along(along(lattice, cols, 1), rows, 0)


def _bilinear(grid: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """grid sampled at fractional (u = column, v = row) positions of pixel centres, NaN outside. Where a
    neighbour is NaN (nodata) it is left out and its weight goes to the valid ones (interpolating the
    zero-filled grid and the validity mask, then dividing); NaN where no neighbour is valid."""
    h, w = grid.shape
    u, v = np.nan_to_num(u, nan=-1e9), np.nan_to_num(v, nan=-1e9)
    inside = (u >= -0.5) & (u <= w - 0.5) & (v >= -0.5) & (v <= h - 0.5)
    uc, vc = np.clip(u, 0, w - 1), np.clip(v, 0, h - 1)
    u0 = np.minimum(uc.astype(np.intp), max(0, w - 2))
    v0 = np.minimum(vc.astype(np.intp), max(0, h - 2))
    fu, fv = uc - u0, vc - v0
    i00 = v0 * w + u0
    i01, i10 = i00 + (1 if w > 1 else 0), i00 + (w if h > 1 else 0)
    i11 = i10 + (i01 - i00)

    def interpolate(flat: np.ndarray) -> np.ndarray:
        top = flat[i00] + (flat[i01] - flat[i00]) * fu
        bottom = flat[i10] + (flat[i11] - flat[i10]) * fu
        return top + (bottom - top) * fv

    valid = ~np.isnan(grid)
    if valid.all():
        out = interpolate(grid.ravel())
    else:
        weight = interpolate(valid.ravel().astype(np.float64))
        with np.errstate(invalid="ignore", divide="ignore"):
            out = interpolate(np.where(valid, grid, 0.0).ravel()) / weight
        out[weight < 1e-9] = np.nan
    out[~inside] = np.nan
    return out
