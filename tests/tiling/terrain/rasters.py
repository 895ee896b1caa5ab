"""Rasters of known shape for the terrain and imagery tests, and a reader of quantized-mesh tiles.

* a cone of known apex (normal height) at a known VN-2000 / TM-3 107-45 E/N, written either in
  EPSG:5899 or resampled exactly (through crs/) onto a WGS 84 grid;
* an orthophoto checkerboard of known squares in EPSG:5899;
* ``read_tile``: the quantized-mesh-1.0 spec read independently of the writer (header, zig-zag
  deltas, high-water-mark indices, edge lists, extensions), and ``height_at`` by barycentric
  interpolation in the triangle containing a point — what Cesium's sampleTerrain does.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

import crs

# Vũng Tàu, west of 107.11°E: pyproj's default datum step (EPSG:5194) would put it 0.8 m off.
APEX_E, APEX_N = 426_900.0, 1_144_200.0
APEX_H = 150.0  # normal height (Hòn Dấu)
BASE_H = 10.0
SLOPE = 0.5  # metres of height per metre of distance
RESOLUTION_M = 5.0
SIZE_PX = 161


def cone_height(e: np.ndarray, n: np.ndarray) -> np.ndarray:
    r = np.hypot(np.asarray(e) - APEX_E, np.asarray(n) - APEX_N)
    return np.maximum(BASE_H, APEX_H - SLOPE * r)


def apex_wgs84() -> tuple[float, float]:
    lon, lat = crs.to_wgs84(APEX_E, APEX_N, 5899)
    return float(lon), float(lat)


def write_cone_vn2000(path: Path, *, nodata_hole: bool = False) -> Path:
    """Pixel centres on a 5 m grid centred on the apex (the apex is a pixel centre)."""
    half = SIZE_PX // 2
    e = APEX_E + (np.arange(SIZE_PX) - half) * RESOLUTION_M
    n = APEX_N - (np.arange(SIZE_PX) - half) * RESOLUTION_M
    heights = cone_height(*np.meshgrid(e, n)).astype(np.float32)
    if nodata_hole:
        heights[half - 10 : half + 10, half - 10 : half + 10] = -9999.0
    transform = from_origin(e[0] - RESOLUTION_M / 2, n[0] + RESOLUTION_M / 2, RESOLUTION_M, RESOLUTION_M)
    _write(path, heights, "EPSG:5899", transform)
    return path


def write_cone_wgs84(path: Path) -> Path:
    """The same cone sampled on a WGS 84 grid of about 5 m (each pixel centre → E/N through crs/)."""
    lon0, lat0 = apex_wgs84()
    step = RESOLUTION_M / 111_320.0
    half = SIZE_PX // 2
    lons = lon0 + (np.arange(SIZE_PX) - half) * step
    lats = lat0 - (np.arange(SIZE_PX) - half) * step
    lon, lat = np.meshgrid(lons, lats)
    e, n = crs.from_wgs84(lon, lat, 5899)
    transform = from_origin(lons[0] - step / 2, lats[0] + step / 2, step, step)
    _write(path, cone_height(e, n).astype(np.float32), "EPSG:4326", transform)
    return path


def write_flat(path: Path, height: float, bounds_en: tuple[float, float, float, float], res: float) -> Path:
    """A flat DEM (EPSG:5899) of one normal height over (E0, N0, E1, N1)."""
    e0, n0, e1, n1 = bounds_en
    w, h = int(round((e1 - e0) / res)), int(round((n1 - n0) / res))
    _write(path, np.full((h, w), height, dtype=np.float32), "EPSG:5899", from_origin(e0, n1, res, res))
    return path


def _write(path: Path, data: np.ndarray, crs_text: str, transform) -> None:
    profile = dict(
        driver="GTiff", width=data.shape[1], height=data.shape[0], count=1, dtype="float32",
        crs=crs_text, transform=transform, nodata=-9999.0, tiled=True, blockxsize=64, blockysize=64,
    )  # fmt: skip
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data, 1)


CHECKER_M = 20.0  # side of a square
CHECKER_PX_M = 1.0  # orthophoto pixel
CHECKER_SIZE_PX = 400
CHECKER_ORIGIN = (APEX_E - 200.0, APEX_N + 200.0)  # north-west corner
COLOURS = np.array([[200, 30, 40], [20, 90, 210]], dtype=np.uint8)


def checker_colour(e: np.ndarray, n: np.ndarray) -> np.ndarray:
    i = np.floor((np.asarray(e) - CHECKER_ORIGIN[0]) / CHECKER_M).astype(int)
    j = np.floor((CHECKER_ORIGIN[1] - np.asarray(n)) / CHECKER_M).astype(int)
    return COLOURS[(i + j) % 2]


def write_checkerboard(path: Path) -> Path:
    x = CHECKER_ORIGIN[0] + (np.arange(CHECKER_SIZE_PX) + 0.5) * CHECKER_PX_M
    y = CHECKER_ORIGIN[1] - (np.arange(CHECKER_SIZE_PX) + 0.5) * CHECKER_PX_M
    rgb = checker_colour(*np.meshgrid(x, y))
    profile = dict(
        driver="GTiff", width=CHECKER_SIZE_PX, height=CHECKER_SIZE_PX, count=3, dtype="uint8", crs="EPSG:5899",
        transform=from_origin(*CHECKER_ORIGIN, CHECKER_PX_M, CHECKER_PX_M), photometric="RGB",
    )  # fmt: skip
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(np.moveaxis(rgb, -1, 0))
    return path


# -- quantized-mesh reader ------------------------------------------------------------------------------
@dataclass
class MeshTile:
    lon: np.ndarray
    lat: np.ndarray
    height: np.ndarray
    u: np.ndarray
    v: np.ndarray
    triangles: np.ndarray
    edges: dict[str, np.ndarray]
    extensions: dict[int, bytes]
    header: dict

    def height_at(self, lon: float, lat: float) -> float:
        px, py = lon, lat
        a, b, c = (self.triangles[:, k] for k in range(3))
        x1, y1, x2, y2, x3, y3 = self.lon[a], self.lat[a], self.lon[b], self.lat[b], self.lon[c], self.lat[c]
        det = (y2 - y3) * (x1 - x3) + (x3 - x2) * (y1 - y3)
        with np.errstate(divide="ignore", invalid="ignore"):
            w1 = ((y2 - y3) * (px - x3) + (x3 - x2) * (py - y3)) / det
            w2 = ((y3 - y1) * (px - x3) + (x1 - x3) * (py - y3)) / det
        w3 = 1 - w1 - w2
        inside = np.flatnonzero((w1 >= -1e-9) & (w2 >= -1e-9) & (w3 >= -1e-9))
        if not len(inside):
            raise ValueError("point outside the tile")
        t = inside[0]
        return float(w1[t] * self.height[a[t]] + w2[t] * self.height[b[t]] + w3[t] * self.height[c[t]])


def _zigzag_deltas(raw: np.ndarray) -> np.ndarray:
    values = (raw >> 1).astype(np.int64) ^ -(raw & 1).astype(np.int64)
    return np.cumsum(values)


def read_tile(data: bytes, bounds: tuple[float, float, float, float]) -> MeshTile:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    names = ("centerX", "centerY", "centerZ", "minimumHeight", "maximumHeight", "sphereX", "sphereY", "sphereZ",
             "radius", "occlusionX", "occlusionY", "occlusionZ")  # fmt: skip
    header = dict(zip(names, struct.unpack_from("<3d2f4d3d", data, 0), strict=True))
    pos = 88
    (n,) = struct.unpack_from("<I", data, pos)
    pos += 4
    arrays = []
    for _ in range(3):
        arrays.append(_zigzag_deltas(np.frombuffer(data, dtype="<u2", count=n, offset=pos).astype(np.int64)))
        pos += 2 * n
    u, v, h = arrays
    wide = n > 65536
    size = 4 if wide else 2
    pos += (-pos) % size
    (count,) = struct.unpack_from("<I", data, pos)
    pos += 4
    coded = np.frombuffer(data, dtype="<u4" if wide else "<u2", count=count * 3, offset=pos).astype(np.int64)
    pos += size * count * 3
    highest, indices = 0, np.empty_like(coded)
    for i, code in enumerate(coded):  # high-water-mark decoding
        indices[i] = highest - code
        if code == 0:
            highest += 1
    edges = {}
    for side in ("west", "south", "east", "north"):
        (k,) = struct.unpack_from("<I", data, pos)
        pos += 4
        edges[side] = np.frombuffer(data, dtype="<u4" if wide else "<u2", count=k, offset=pos).astype(np.int64)
        pos += size * k
    extensions = {}
    while pos < len(data):
        ext_id, length = struct.unpack_from("<BI", data, pos)
        pos += 5
        extensions[ext_id] = data[pos : pos + length]
        pos += length
    w, s, e, nn = bounds
    lo, hi = header["minimumHeight"], header["maximumHeight"]
    return MeshTile(
        lon=w + (e - w) * u / 32767.0,
        lat=s + (nn - s) * v / 32767.0,
        height=lo + (hi - lo) * h / 32767.0,
        u=u,
        v=v,
        triangles=indices.reshape(-1, 3),
        edges=edges,
        extensions=extensions,
        header=header,
    )
