"""GSHHG shorelines at full resolution from Debian's gmt-gshhg-full (LGPL-3+, Wessel & Smith): land
polygons for a lon/lat box, and the water mask of a terrain tile.

The package ships GMT's binned netCDF-4 (HDF5) file, not polygons: the globe is cut into 1° bins,
each holding the pieces of shoreline inside it (points as 1/65535 of a bin from its south-west
corner) and the level of its four corners (0 sea, 1 land, 2 lake, 3 island in a lake, 4 pond).
We rebuild the land of each bin by cutting the bin's square along its pieces (shapely polygonize):
crossing a shoreline of level L always steps between L − 1 and L, so the parity of a face's level is
the parity of the shorelines crossed on a straight path from a corner of known level. Land is the
faces of odd level (land, islands in lakes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.ops import polygonize, unary_union

GSHHG_FULL = Path("/usr/share/gmt-gshhg/binned_GSHHS_f.nc")
ATTRIBUTION = "Shorelines: GSHHG 2.3.7 (Wessel & Smith), LGPL"
MAX_DELTA = 65535
# Corner k of a bin, counter-clockwise from the south-west one, and where its 3-bit level sits.
CORNER_SHIFT = (9, 6, 3, 0)
CORNERS = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))


def available(path: Path = GSHHG_FULL) -> bool:
    return path.is_file()


@dataclass
class _Bins:
    size_deg: float
    nx: int
    first_segment: np.ndarray
    segment_count: np.ndarray
    corner_levels: np.ndarray
    segment_info: object  # h5py datasets, read lazily per bin
    first_point: object
    dx: object
    dy: object


def _open(path: Path):
    import h5py

    f = h5py.File(path, "r")
    bins = _Bins(
        size_deg=float(f["Bin_size_in_minutes"][0]) / 60.0,
        nx=int(f["N_bins_in_360_longitude_range"][0]),
        first_segment=f["Id_of_first_segment_in_a_bin"][:],
        segment_count=f["N_segments_in_a_bin"][:],
        corner_levels=f["Embedded_node_levels_in_a_bin"][:],
        segment_info=f["Embedded_npts_levels_exit_entry_for_a_segment"],
        first_point=f["Id_of_first_point_in_a_segment"],
        dx=f["Relative_longitude_from_SW_corner_of_bin"],
        dy=f["Relative_latitude_from_SW_corner_of_bin"],
    )
    return f, bins


def _bin_land(bins: _Bins, index: int) -> list[Polygon]:
    """The land of one bin, in degrees."""
    size = bins.size_deg
    west = (index % bins.nx) * size
    south = 90.0 - (index // bins.nx + 1) * size
    if west >= 180.0:
        west -= 360.0
    corner = [(int(np.uint16(bins.corner_levels[index])) >> s) & 7 for s in CORNER_SHIFT]
    count = int(bins.segment_count[index])
    square = box(west, south, west + size, south + size)
    if count == 0:
        return [square] if corner[0] % 2 == 1 else []
    first = int(bins.first_segment[index])
    info = bins.segment_info[first : first + count]
    starts = bins.first_point[first : first + count]
    scale = size / MAX_DELTA
    lines = []
    for packed, start in zip(info, starts, strict=True):
        n = int(packed) >> 9
        xs = bins.dx[start : start + n].astype(np.uint16) * scale + west
        ys = bins.dy[start : start + n].astype(np.uint16) * scale + south
        if n >= 2:
            lines.append(LineString(np.column_stack([xs, ys])))
    shores = unary_union(lines)
    faces = list(polygonize(unary_union([square.exterior, shores])))
    land = []
    for face in faces:
        inside = face.representative_point()
        votes = []
        for k, (cx, cy) in enumerate(CORNERS):
            path = LineString([(inside.x, inside.y), (west + cx * size, south + cy * size)])
            crossings = _count_points(path.intersection(shores))
            votes.append((corner[k] + crossings) % 2)
        if sum(votes) * 2 > len(votes):
            land.append(face)
    return land


def _count_points(geometry) -> int:
    if geometry.is_empty:
        return 0
    if isinstance(geometry, Point):
        return 1
    return sum(1 if isinstance(g, Point) else 2 for g in getattr(geometry, "geoms", [geometry]))


@lru_cache(maxsize=4)
def land_polygons(bounds: tuple[float, float, float, float], path: Path = GSHHG_FULL) -> MultiPolygon:
    """Land (odd GSHHG levels) inside bounds (west, south, east, north), as one MultiPolygon."""
    f, bins = _open(path)
    try:
        w, s, e, n = bounds
        parts: list[Polygon] = []
        for row in range(math.floor((90.0 - n) / bins.size_deg), math.ceil((90.0 - s) / bins.size_deg)):
            for col in range(math.floor(w / bins.size_deg), math.ceil(e / bins.size_deg)):
                parts.extend(_bin_land(bins, row * bins.nx + (col % bins.nx)))
    finally:
        f.close()
    land = unary_union(parts).intersection(box(*bounds))
    polygons = [g for g in getattr(land, "geoms", [land]) if isinstance(g, Polygon) and not g.is_empty]
    return MultiPolygon(polygons)


class WaterMask:
    """Cesium's per-tile water mask from the GSHHG land: 0 over land, 255 over water, 256 × 256 with the
    first row in the north; one byte for a tile entirely land or water. Known only inside ``bounds``
    (tiles reaching out of it get no mask)."""

    SIZE = 256

    def __init__(self, land: MultiPolygon, bounds: tuple[float, float, float, float]):
        self.land = land
        self.bounds = bounds
        self.prepare()

    def prepare(self) -> None:
        """Index the land for fast tests (again after being sent to another process)."""
        shapely.prepare(self.land)

    def __call__(self, tile_bounds: tuple[float, float, float, float]) -> np.ndarray | int | None:
        w, s, e, n = tile_bounds
        bw, bs, be, bn = self.bounds
        if w < bw or s < bs or e > be or n > bn:
            return None
        cell = box(*tile_bounds)
        if not self.land.intersects(cell):
            return 255
        if self.land.contains(cell):
            return 0
        from rasterio.features import rasterize
        from rasterio.transform import from_bounds

        clipped = self.land.intersection(cell)
        transform = from_bounds(w, s, e, n, self.SIZE, self.SIZE)
        land = rasterize([(clipped, 1)], out_shape=(self.SIZE, self.SIZE), transform=transform, fill=0)
        return np.where(land == 1, 0, 255).astype(np.uint8)
