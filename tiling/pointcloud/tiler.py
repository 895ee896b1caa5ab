"""Point cloud → 3D Tiles 1.1 tileset (glb POINTS content, octree, refine ADD).

Pass 1 (:mod:`.ingest`) streams the source, sends every point through ``Georef.to_ecef``
(crs: pinned EPSG:6960 datum + geoid) and stores site-ENU float32 records in a work file;
pass 2 builds the octree (:mod:`.octree`; the buckets' subtrees in the same worker processes)
and writes one glb per node; finally tileset.json is written with the site ENU→ECEF matrix as
the root transform.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..georef import Georef, SiteFrame
from ..tileset import Tile, Tileset, box_from_bounds, write_tileset
from . import ingest as ingest_pass
from .content import PointTileWriter
from .octree import Node, OctreeBuilder, OctreeParams
from .readers import PointSource

Progress = Callable[[float, str], None]


@dataclass
class PointCloudResult:
    points: int
    tiles: int
    frame: SiteFrame
    lo: np.ndarray  # ENU bounds of all points
    hi: np.ndarray
    tileset: Path
    attributes: dict[str, bool]


@contextlib.contextmanager
def worker_pool(workers: int, points: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for a big cloud ("spawn": no state copied from this process), else None."""
    if workers < 2 or points < ingest_pass.PARALLEL_MIN_POINTS:
        yield None
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def octree_tileset(
    root: Node,
    spacing: Callable[[int], float],
    frame: SiteFrame,
    lo: np.ndarray,
    hi: np.ndarray,
    extras: dict[str, Any],
    *,
    generator: str = "heritage-map tiling (point cloud octree)",
) -> tuple[Tileset, int]:
    """tileset.json of an additive octree: boxes from each subtree's bounds, geometric error twice
    the node's lattice spacing (0 at leaves); returns it and the number of content tiles."""
    count = [0]

    def tile_json(node: Node) -> Tile:
        ge = 0.0 if not node.children else 2.0 * spacing(node.depth)
        t: Tile = {"boundingVolume": box_from_bounds(node.lo, node.hi), "geometricError": ge}
        if node.uri:
            t["content"] = {"uri": f"tiles/{node.uri}.glb"}
            count[0] += 1
        if node.children:
            t["children"] = [tile_json(c) for c in node.children]
        return t

    rt = tile_json(root)
    rt["transform"] = frame.transform_list()
    rt["refine"] = "ADD"
    tileset: Tileset = {
        "asset": {"version": "1.1", "generator": generator},
        # not drawing the cloud at all is as wrong as its whole extent
        "geometricError": max(float(np.max(hi - lo)), rt["geometricError"]),
        "root": rt,
        "extras": {**extras, "origin": {"lon": frame.lon, "lat": frame.lat, "h_ellipsoidal": frame.h}},
    }
    return tileset, count[0]


def tile_pointcloud(
    src: PointSource,
    georef: Georef,
    out: Path,
    work: Path,
    *,
    params: OctreeParams | None = None,
    progress: Progress | None = None,
    compress: bool = True,
) -> PointCloudResult:
    """Tile a point source into ``out`` (tileset.json + tiles/*.glb); ``work`` holds temp files."""
    params = params or OctreeParams()
    prog: Progress = progress or (lambda f, s: None)
    work.mkdir(parents=True, exist_ok=True)
    (out / "tiles").mkdir(parents=True, exist_ok=True)
    raw = work / "points.bin"
    est = src.count or max(1, src.path.stat().st_size // 32)
    with worker_pool(params.workers, est) as pool:
        total, frame = ingest_pass.ingest(
            src, georef, raw, params.chunk, lambda f, s: prog(0.5 * f, s), pool, params.workers
        )
        has = total.has
        writer = PointTileWriter(out, has["rgb"], has["intensity"], has["classification"], compress)
        builder = OctreeBuilder(
            raw, total.n, total.lo, total.hi, work, writer, params, lambda f: prog(0.5 + 0.45 * f, "building octree")
        )
        root = builder.build(pool)
    raw.unlink()
    tileset, tiles = octree_tileset(
        root, builder.spacing, frame, total.lo, total.hi, {"kind": "pointcloud", "points": total.n}
    )
    path = out / "tileset.json"
    write_tileset(path, tileset)
    return PointCloudResult(total.n, tiles, frame, total.lo, total.hi, path, has)
