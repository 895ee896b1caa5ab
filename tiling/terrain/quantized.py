"""One terrain tile: a mesh of its height grid (pydelatin) written as quantized-mesh-1.0 with
oct-encoded vertex normals and, where known, a water mask.

The writer is quantized-mesh-encoder's, driven piece by piece: its one-call ``encode`` casts lon/lat
to float32 (0.8 m steps at 107°E) and truncates u/v, so a vertex meant for a tile's east or north
edge can land one step inside and the edge lists (what Cesium hangs its crack-hiding skirts on) miss
it. We quantize in float64 with rounding, so edge vertices are exactly 0 or 32767.
"""

from __future__ import annotations

import io

import numpy as np
from pydelatin import Delatin
from quantized_mesh_encoder.constants import WGS84
from quantized_mesh_encoder.ecef import to_ecef
from quantized_mesh_encoder.encode import (
    compute_header,
    encode_header,
    write_edge_indices,
    write_indices,
    write_vertices,
)
from quantized_mesh_encoder.extensions import VertexNormalsExtension, WaterMaskExtension

from .grid import Tile

QUANTIZED_MAX = 32767
MEDIA_TYPE = "application/vnd.quantized-mesh"
# Below this level a tile spans so much of the globe that straight triangle edges between few vertices
# would cut into the ellipsoid by more than the tile's geometric error (the chord sag Rθ²/8n² exceeds
# 77 km/2^z up to level 7), so those tiles get a regular grid instead of a fitted mesh.
FITTED_FROM_LEVEL = 8
COARSE_STEP = 8
FAR_OCCLUSION = 1e4  # in ellipsoid-scaled units (radii)  # every 8th sample of a 257-sample grid: 33 × 33 vertices


def mesh(heights: np.ndarray, max_error: float) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (col, row) on the grid and counter-clockwise (seen from above) triangles of a mesh
    that departs from the heights by at most max_error metres."""
    tin = Delatin(np.ascontiguousarray(heights, dtype=np.float32), max_error=float(max_error))
    # pydelatin's y grows upwards from the last row: turn it back into a row index
    xy = np.rint(tin.vertices[:, :2]).astype(np.int64)
    grid = np.column_stack([xy[:, 0], heights.shape[0] - 1 - xy[:, 1]])
    triangles = tin.triangles.astype(np.uint32)
    return grid, _counter_clockwise(grid, triangles)


def regular_mesh(rows: int, cols: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Every step-th sample as a vertex (the last row and column always), two triangles per cell."""
    r = np.unique(np.append(np.arange(0, rows, step), rows - 1))
    c = np.unique(np.append(np.arange(0, cols, step), cols - 1))
    rr, cc = np.meshgrid(r, c, indexing="ij")
    grid = np.column_stack([cc.ravel(), rr.ravel()]).astype(np.int64)
    i = np.arange(len(r) * len(c)).reshape(len(r), len(c))
    a, b, d, e = i[:-1, :-1].ravel(), i[:-1, 1:].ravel(), i[1:, :-1].ravel(), i[1:, 1:].ravel()
    triangles = np.concatenate([np.column_stack([a, d, e]), np.column_stack([a, e, b])]).astype(np.uint32)
    return grid, _counter_clockwise(grid, triangles)


def _counter_clockwise(grid: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    # Rows grow southwards, so a triangle that is counter-clockwise on screen (x east, y north) has
    # a negative cross product in (col, row).
    a, b, c = grid[triangles[:, 0]], grid[triangles[:, 1]], grid[triangles[:, 2]]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    out = triangles.copy()
    flip = cross > 0
    out[flip, 1], out[flip, 2] = triangles[flip, 2], triangles[flip, 1]
    return out


def _first_use_order(grid: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices renumbered in the order the triangles first use them: the index buffer's high-water
    mark encoding (and so Cesium's decoder) assumes each new index is the highest so far plus one."""
    flat = triangles.ravel()
    _, first = np.unique(flat, return_index=True)
    order = flat[np.sort(first)]
    renumber = np.empty(len(grid), dtype=np.uint32)
    renumber[order] = np.arange(len(order), dtype=np.uint32)
    return grid[order], renumber[triangles]


def horizon_occlusion_point(positions: np.ndarray, center: np.ndarray) -> np.ndarray:
    """The horizon-occlusion point in ellipsoid-scaled space (what Cesium reads; the encoder's own is in
    metres and uses an unnormalised direction): the nearest point along the bounding-sphere centre's
    direction from which every vertex is below the horizon. A tile reaching 90° from that direction
    (the level-0 hemispheres) has it at infinity: a point far out along it culls the same way."""
    radii = np.array([WGS84.a, WGS84.a, WGS84.b])
    scaled = to_ecef(positions) / radii
    direction = center / radii
    direction = direction / np.linalg.norm(direction)
    magnitude = np.maximum(np.linalg.norm(scaled, axis=1), 1.0)
    unit = scaled / np.linalg.norm(scaled, axis=1)[:, None]
    cos_alpha = unit @ direction
    sin_alpha = np.linalg.norm(np.cross(unit, direction), axis=1)
    cos_beta = 1.0 / magnitude
    sin_beta = np.sqrt(magnitude**2 - 1.0) * cos_beta
    denominator = cos_alpha * cos_beta - sin_alpha * sin_beta
    if (denominator <= 1.0 / FAR_OCCLUSION).any():
        return direction * FAR_OCCLUSION
    return direction * float((1.0 / denominator).max())


def encode_tile(
    tile: Tile,
    heights: np.ndarray,
    max_error: float,
    water: np.ndarray | int | None = None,
    *,
    regular_step: int | None = None,
) -> bytes:
    """quantized-mesh bytes (not yet gzipped) of a tile from its (rows north → south) height grid.
    regular_step: a regular mesh of every n-th sample instead of the fitted one (coarse levels; the
    naive baseline of the benchmark uses 1)."""
    rows, cols = heights.shape
    if regular_step is None and tile.z < FITTED_FROM_LEVEL:
        regular_step = COARSE_STEP
    if regular_step is not None:
        grid, triangles = regular_mesh(rows, cols, regular_step)
    else:
        grid, triangles = mesh(heights, max_error)
    grid, triangles = _first_use_order(grid, triangles)
    col, row = grid[:, 0], grid[:, 1]
    h = heights[row, col].astype(np.float64)
    west, south, east, north = tile.bounds
    lon = west + (east - west) * col / (cols - 1)
    lat = north - (north - south) * row / (rows - 1)
    positions = np.column_stack([lon, lat, h])

    low, high = float(h.min()), float(h.max())
    quantized = np.empty((len(h), 3), dtype=np.int16)
    quantized[:, 0] = np.rint(col * QUANTIZED_MAX / (cols - 1))
    quantized[:, 1] = np.rint((rows - 1 - row) * QUANTIZED_MAX / (rows - 1))
    quantized[:, 2] = np.rint((h - low) * QUANTIZED_MAX / (high - low)) if high > low else 0

    with np.errstate(divide="ignore", invalid="ignore"):  # the encoder's own occlusion point is replaced
        header = compute_header(positions, "naive")
    center = np.array([header[f"boundingSphereCenter{a}"] for a in "XYZ"])
    for axis, value in zip("XYZ", horizon_occlusion_point(positions, center), strict=True):
        header[f"horizonOcclusionPoint{axis}"] = float(value)
    out = io.BytesIO()
    encode_header(out, header)
    write_vertices(out, quantized, len(h))
    write_indices(out, triangles, len(h))
    write_edge_indices(out, quantized, len(h))
    out.write(VertexNormalsExtension(indices=triangles, positions=positions).encode())
    if water is not None:
        out.write(WaterMaskExtension(data=water).encode())
    return out.getvalue()
