"""A point cloud too big for one machine's time, tiled in parts: prepare → parts → merge.

The octree's buckets (:mod:`.pointcloud.octree`) are independent subtrees, built with a random
generator seeded by their own key, so they can be built anywhere, in any order:

1. :func:`prepare` reads the scan once (datum + geoid through ``crs``), writes the tiles of the
   upper levels and one file per bucket, and returns a :class:`Plan` (JSON);
2. :func:`build_part` builds one bucket's subtree from its file (any number of machines, each
   with its own copy of the file) and returns its nodes (JSON);
3. :func:`merge` links all nodes into one tileset.json in a directory holding every part's
   tiles, validates it and writes scan.json — the same tileset, tile for tile, as
   :func:`tiling.tile_scan` with the same octree parameters.

Where the files travel (a shared disk, an object store) is the caller's business.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import TilingError
from .georef import SiteFrame
from .pipeline import TileStats, detect_kind, finish_output, make_georef
from .pointcloud.content import PointTileWriter
from .pointcloud.copc import CopcSource, is_copc
from .pointcloud.ingest import ingest
from .pointcloud.octree import Bucket, Cube, Node, OctreeBuilder, OctreeParams, assemble, build_bucket
from .pointcloud.readers import open_points
from .pointcloud.tiler import octree_tileset, worker_pool
from .tileset import write_tileset

Progress = Callable[[float, str], None]


@dataclass
class Plan:
    """Everything the parts and the merge need, as JSON."""

    source: str
    points: int
    lo: list[float]
    hi: list[float]
    frame: list[float]  # lon, lat, h of the site frame
    cube: dict[str, Any]
    attributes: dict[str, bool]
    compress: bool
    params: dict[str, int]
    georef: dict[str, Any]  # src_crs, heights, anchor (E, N, H, crs, heading) — to rebuild it
    buckets: list[dict[str, Any]]  # depth, ijk, count, file (name)
    upper: list[dict[str, Any]]  # nodes already written by prepare
    started: float

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls(**json.loads(text))

    def octree(self) -> OctreeParams:
        return OctreeParams(**self.params)

    def writer(self, out: Path) -> PointTileWriter:
        a = self.attributes
        return PointTileWriter(out, a["rgb"], a["intensity"], a["classification"], self.compress)

    def bucket(self, index: int, folder: Path) -> Bucket:
        b = self.buckets[index]
        return Bucket(b["depth"], tuple(b["ijk"]), folder / b["file"], b["count"])  # type: ignore[arg-type]


def point_count(path: Path) -> int | None:
    """The number of points a point-cloud file announces (LAS/LAZ/COPC/PLY header), else None."""
    try:
        if detect_kind(path) != "pointcloud":
            return None
        return open_points(path).count
    except TilingError:
        return None


def prepare(
    input_path: Path,
    upper_out: Path,
    buckets_dir: Path,
    *,
    src_crs: int | str | None = None,
    heights: str = "normal",
    anchor: tuple[float, float, float] | None = None,
    heading: float = 0.0,
    compress: bool = True,
    octree: OctreeParams | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Read the scan, write the upper levels' tiles into ``upper_out/tiles`` and the buckets into
    ``buckets_dir``; returns the plan of the parts."""
    t0 = time.time()
    params = octree or OctreeParams()
    prog: Progress = progress or (lambda f, s: None)
    src = Path(input_path)
    if detect_kind(src) != "pointcloud":
        raise TilingError(f"{src.name}: only point clouds are tiled in parts.")
    source = CopcSource(src) if is_copc(src) else open_points(src)
    georef = make_georef(src_crs, heights, anchor, heading, source.epsg)
    (upper_out / "tiles").mkdir(parents=True, exist_ok=True)
    buckets_dir.mkdir(parents=True, exist_ok=True)
    raw = buckets_dir / "points.bin"
    with worker_pool(params.workers, source.count or 0) as pool:
        total, frame = ingest(source, georef, raw, params.chunk, lambda f, s: prog(0.6 * f, s), pool, params.workers)
    a = total.has
    writer = PointTileWriter(upper_out, a["rgb"], a["intensity"], a["classification"], compress)
    builder = OctreeBuilder(raw, total.n, total.lo, total.hi, buckets_dir, writer, params)
    buckets = builder.split()
    if len(buckets) == 1 and buckets[0].path == raw:  # one bucket: the raw file is it
        raw = raw.rename(buckets_dir / "bucket-0.bin")
        buckets = [dataclasses.replace(buckets[0], path=raw)]
    else:
        raw.unlink()
    prog(1.0, f"split into {len(buckets)} parts")
    return Plan(
        source=src.name,
        points=total.n,
        lo=[float(v) for v in total.lo],
        hi=[float(v) for v in total.hi],
        frame=[frame.lon, frame.lat, frame.h],
        cube={"origin": list(builder.cube.origin), "size": builder.cube.size},
        attributes=dict(a),
        compress=compress,
        params=asdict(params),
        georef={"src_crs": src_crs, "heights": heights, "anchor": anchor, "heading": heading, "epsg": source.epsg},
        buckets=[{"depth": b.depth, "ijk": list(b.ijk), "count": b.count, "file": b.path.name} for b in buckets],
        upper=[n.to_json() for n in builder.nodes.values()],
        started=t0,
    )


def build_part(plan: Plan, index: int, bucket_file: Path, out: Path) -> list[dict[str, Any]]:
    """Build bucket ``index`` of the plan from its file; tiles go to ``out/tiles``."""
    (out / "tiles").mkdir(parents=True, exist_ok=True)
    b = plan.bucket(index, bucket_file.parent)
    b = dataclasses.replace(b, path=bucket_file)
    cube = Cube(tuple(plan.cube["origin"]), float(plan.cube["size"]))  # type: ignore[arg-type]
    nodes = build_bucket(b, cube, plan.octree(), plan.writer(out))
    return [n.to_json() for n in nodes]


def merge(plan: Plan, parts: list[list[dict[str, Any]]], out: Path) -> TileStats:
    """Write tileset.json + scan.json into ``out`` (which holds every part's tiles) and validate it."""
    g = plan.georef
    anchor = tuple(g["anchor"]) if g["anchor"] is not None else None
    georef = make_georef(g["src_crs"], g["heights"], anchor, g["heading"], g["epsg"])
    frame = SiteFrame.at(*plan.frame)
    written = {}
    for d in plan.upper + [n for part in parts for n in part]:
        node = Node.from_json(d)
        written[(node.depth, *node.ijk)] = node
    if sum(n.count for n in written.values()) != plan.points:
        raise TilingError("The parts of the scan do not add up to its points; tile it again.")
    root = assemble(written)
    cube = Cube(tuple(plan.cube["origin"]), float(plan.cube["size"]))  # type: ignore[arg-type]
    lo, hi = np.array(plan.lo), np.array(plan.hi)
    extras = {"kind": "pointcloud", "points": plan.points, "parts": len(parts)}
    tileset, tiles = octree_tileset(root, cube.spacing, frame, lo, hi, extras)
    write_tileset(out / "tileset.json", tileset)
    stats = TileStats(kind="pointcloud", tileset=out / "tileset.json", tiles=tiles, points=plan.points)
    stats.compressed = plan.compress
    stats.origin = {"lon": frame.lon, "lat": frame.lat, "h": frame.h}
    stats.bbox = frame.lonlath_bounds(lo, hi)
    extra = {"attributes": plan.attributes, "parts": len(parts)}
    # seconds from the start of prepare: the wall time of the whole fan-out
    finish_output(out, stats, plan.source, georef, g["heights"], extra, time.monotonic() - (time.time() - plan.started))
    return stats
