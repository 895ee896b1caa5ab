"""A small COPC writer for the tests (laspy reads COPC but cannot write it).

It lays a point cloud out as the COPC 1.0 specification says: a LAS 1.4 header whose first VLR
is the COPC info record, a LAZ VLR with variable-size chunks, one LAZ chunk per octree node
(the nodes of an additive octree: each keeps a uniform subsample of its cube on a ``grid``³
lattice and hands the rest to its children, down to ``max_leaf`` points), the chunk table, and
the hierarchy as an EVLR.  Checked by reading it back with laspy's ``CopcReader``.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import laspy
import lazrs
import numpy as np
from laspy.vlrs.known import LasZipVlr
from laspy.vlrs.vlr import VLR


def _octree(xyz: np.ndarray, center: np.ndarray, half: float, grid: int, max_leaf: int):
    """{(level, x, y, z): point indices} of an additive octree over the cube."""
    nodes = {}
    stack = [((0, 0, 0, 0), np.arange(len(xyz)))]
    while stack:
        key, idx = stack.pop()
        level, x, y, z = key
        size = 2 * half / (1 << level)
        lo = center - half + size * np.array([x, y, z])
        if len(idx) <= max_leaf or level >= 8:
            nodes[key] = idx
            continue
        cell = np.clip(((xyz[idx] - lo) / size * grid).astype(np.int64), 0, grid - 1)
        _, first = np.unique(cell[:, 0] * grid * grid + cell[:, 1] * grid + cell[:, 2], return_index=True)
        keep = np.zeros(len(idx), bool)
        keep[first] = True
        nodes[key] = idx[keep]
        rest = idx[~keep]
        octant = np.clip(((xyz[rest] - lo) / (size / 2)).astype(np.int64), 0, 1)
        for dx in (0, 1):
            for dy in (0, 1):
                for dz in (0, 1):
                    sel = rest[(octant[:, 0] == dx) & (octant[:, 1] == dy) & (octant[:, 2] == dz)]
                    if len(sel):
                        stack.append(((level + 1, 2 * x + dx, 2 * y + dy, 2 * z + dz), sel))
    return nodes


def write_copc(
    path: Path,
    xyz: np.ndarray,
    rgb: np.ndarray,
    intensity: np.ndarray,
    classification: np.ndarray,
    *,
    epsg: int | None = None,
    grid: int = 16,
    max_leaf: int = 400,
) -> dict:
    """Write a COPC file; returns {(level, x, y, z): number of points} of its nodes."""
    header = laspy.LasHeader(point_format=7, version="1.4")  # 7: RGB, as COPC allows (6, 7, 8)
    header.scales = np.array([0.001, 0.001, 0.001])
    header.offsets = np.floor(xyz.min(axis=0))
    if epsg is not None:
        from pyproj import CRS

        header.add_crs(CRS.from_epsg(epsg))
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    center = (lo + hi) / 2
    half = float(np.max(hi - lo)) / 2 * 1.001 + 0.01
    nodes = _octree(xyz, center, half, grid, max_leaf)
    order = sorted(nodes)  # chunks in key order; the hierarchy says where each one is

    laz = lazrs.LazVlr.new_for_compression(7, 0, True)  # True: variable-size chunks (one per node)
    info = VLR("copc", 1, "copc info", b"\0" * 160)
    header.vlrs.insert(0, info)
    header.vlrs.append(LasZipVlr(laz.record_data()))
    header.point_count = len(xyz)
    header.mins, header.maxs = lo, hi
    header.are_points_compressed = True
    header.number_of_evlrs = 1

    body = io.BytesIO()
    compressor = lazrs.LasZipCompressor(body, laz)
    compressor.reserve_offset_to_chunk_table()  # the 8-byte table offset first, then the chunks
    spans = []
    for key in order:
        idx = nodes[key]
        pts = laspy.ScaleAwarePointRecord.zeros(len(idx), header=header)
        pts.x, pts.y, pts.z = xyz[idx, 0], xyz[idx, 1], xyz[idx, 2]
        pts.red, pts.green, pts.blue = (rgb[idx].astype(np.uint16) * 257).T
        pts.intensity, pts.classification = intensity[idx], classification[idx]
        start = body.tell()
        compressor.compress_many(np.frombuffer(pts.array.tobytes(), np.uint8))
        compressor.finish_current_chunk()
        spans.append((key, start, body.tell() - start, len(idx)))
    compressor.done()

    head = io.BytesIO()
    header.write_to(head)  # first pass: only to learn the size of header + VLRs
    data_start = len(head.getvalue())
    points_bytes = bytearray(body.getvalue())
    # LAZ starts the points with the file offset of the chunk table; lazrs wrote it for `body`
    table_at = struct.unpack_from("<Q", points_bytes)[0]
    struct.pack_into("<Q", points_bytes, 0, table_at + data_start)
    evlr_start = data_start + len(points_bytes)
    hierarchy = b"".join(
        struct.pack("<iiiiQii", k[0], k[1], k[2], k[3], data_start + off, size, n) for k, off, size, n in spans
    )
    spacing = 2 * half / grid
    info.record_data = struct.pack(
        "<5d2Q2d11Q", *center, half, spacing, evlr_start + 60, len(hierarchy), 0.0, 0.0, *([0] * 11)
    )
    header.start_of_first_evlr = evlr_start
    head = io.BytesIO()
    header.write_to(head)
    assert len(head.getvalue()) == data_start
    evlr = struct.pack("<H16sHQ32s", 0, b"copc", 1000, len(hierarchy), b"EPT hierarchy")
    Path(path).write_bytes(head.getvalue() + bytes(points_bytes) + evlr + hierarchy)
    return {k: len(v) for k, v in nodes.items()}
