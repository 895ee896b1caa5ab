"""Point cloud → 3D Tiles 1.1 tileset (glb POINTS content, octree, refine ADD).

Pass 1 streams the source, sends every point through ``Georef.to_ecef`` (crs: pinned
EPSG:6960 datum + geoid) and stores site-ENU float32 records in a work file; pass 2
builds the octree (:mod:`.octree`) and writes one glb per node; finally tileset.json is
written with the site ENU→ECEF matrix as the root transform.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import TilingError
from ..georef import Georef, SiteFrame, frame_for
from ..tileset import Tile, Tileset, box_from_bounds, write_tileset
from .content import REC, write_points_glb
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


def _to_enu(georef: Georef, frame: SiteFrame, xyz: np.ndarray) -> np.ndarray:
    """Worker: source coordinates → site ENU (module level so that it pickles)."""
    return frame.to_enu(georef.to_ecef(xyz))


PARALLEL_MIN_POINTS = 2_500_000  # below this, starting worker processes costs more than it saves


def _ingest(
    src: PointSource, georef: Georef, raw: Path, chunk: int, progress: Progress, workers: int = 1
) -> tuple[int, np.ndarray, np.ndarray, SiteFrame, dict[str, bool]]:
    if src.bounds is not None:  # LAS header: fail before reading anything
        georef.check(*src.bounds, what=f"scan {src.path.name}")
    frame: SiteFrame | None = None
    n = 0
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    slo, shi = np.full(3, np.inf), np.full(3, -np.inf)
    has = {"rgb": False, "intensity": False, "classification": False}
    est = src.count or max(1, os.path.getsize(src.path) // 32)
    # the datum/geoid transform dominates: spread chunks over processes (threads gave no
    # speed-up in our measurements), keep file order, never hold more than workers + 1 chunks
    pool = (
        ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        if workers > 1 and est >= PARALLEL_MIN_POINTS
        else None
    )
    pending: deque[tuple[object, Future]] = deque()

    def store(ch, enu: np.ndarray, fh) -> None:
        nonlocal n, lo, hi
        recs = np.zeros(len(ch), REC)
        recs["x"], recs["y"], recs["z"] = enu[:, 0], enu[:, 1], enu[:, 2]
        recs["rgba"][:, 3] = 255
        if ch.rgb is not None:
            recs["rgba"][:, :3] = ch.rgb
            has["rgb"] = True
        if ch.intensity is not None:
            recs["i"] = ch.intensity
            has["intensity"] = True
        if ch.classification is not None:
            recs["c"] = ch.classification
            has["classification"] = True
        recs.tofile(fh)
        lo, hi = np.minimum(lo, enu.min(axis=0)), np.maximum(hi, enu.max(axis=0))
        n += len(ch)
        progress(min(0.99, n / est), "reading points")

    try:
        with open(raw, "wb") as fh:
            for ch in src.chunks(chunk):
                if not len(ch):
                    continue
                finite = np.all(np.isfinite(ch.xyz), axis=1)
                if not finite.all():
                    raise TilingError(
                        f"{src.path.name}: {int((~finite).sum())} point(s) have non-numeric or infinite coordinates."
                    )
                clo, chi = ch.xyz.min(axis=0), ch.xyz.max(axis=0)
                if frame is None:
                    georef.check(clo, chi, what=f"scan {src.path.name}")
                    frame = frame_for(georef, np.array(src.bounds) if src.bounds is not None else ch.xyz)
                slo, shi = np.minimum(slo, clo), np.maximum(shi, chi)
                if pool is None:
                    store(ch, _to_enu(georef, frame, ch.xyz), fh)
                    continue
                pending.append((ch, pool.submit(_to_enu, georef, frame, ch.xyz)))
                if len(pending) > workers:
                    c, fut = pending.popleft()
                    store(c, fut.result(), fh)
            while pending:
                c, fut = pending.popleft()
                store(c, fut.result(), fh)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if n == 0 or frame is None:
        raise TilingError(f"{src.path.name} contains no points.")
    georef.check(slo, shi, what=f"scan {src.path.name}")  # whole extent, not just the first chunk
    return n, lo, hi, frame, has


def tile_pointcloud(
    src: PointSource,
    georef: Georef,
    out: Path,
    work: Path,
    *,
    params: OctreeParams | None = None,
    progress: Progress | None = None,
) -> PointCloudResult:
    """Tile a point source into ``out`` (tileset.json + tiles/*.glb); ``work`` holds temp files."""
    params = params or OctreeParams()
    prog: Progress = progress or (lambda f, s: None)
    work.mkdir(parents=True, exist_ok=True)
    (out / "tiles").mkdir(parents=True, exist_ok=True)
    raw = work / "points.bin"
    n, lo, hi, frame, has = _ingest(src, georef, raw, params.chunk, lambda f, s: prog(0.5 * f, s), params.workers)

    def write(name: str, recs: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        return write_points_glb(
            out / "tiles" / f"{name}.glb",
            recs,
            rgb=has["rgb"],
            intensity=has["intensity"],
            classification=has["classification"],
        )

    builder = OctreeBuilder(raw, n, lo, hi, work, write, params, lambda f: prog(0.5 + 0.45 * f, "building octree"))
    root = builder.build()
    raw.unlink()
    count = [0]

    def tile_json(node: Node) -> Tile:
        ge = 0.0 if not node.children else 2.0 * builder.spacing(node.depth)
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
        "asset": {"version": "1.1", "generator": "heritage-map tiling (point cloud octree)"},
        # not drawing the cloud at all is as wrong as its whole extent
        "geometricError": max(float(np.max(hi - lo)), rt["geometricError"]),
        "root": rt,
        "extras": {
            "kind": "pointcloud",
            "points": n,
            "origin": {"lon": frame.lon, "lat": frame.lat, "h_ellipsoidal": frame.h},
        },
    }
    path = out / "tileset.json"
    write_tileset(path, tileset)
    return PointCloudResult(n, count[0], frame, lo, hi, path, has)
