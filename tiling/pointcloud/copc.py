"""COPC (Cloud Optimized Point Cloud, ``.copc.laz``) → 3D Tiles without re-sorting the points.

A COPC file is already an additive octree: each node of its hierarchy holds a subsample of its
cube (the root the coarsest), every point is in exactly one node, and each node's points are
one LAZ chunk.  That is what our own octree builds, so each COPC node becomes one tile with the
same key (level, x, y, z): the nodes are read one at a time (laspy's ``CopcReader`` hierarchy,
lazrs for the chunk), their points sent through ``crs`` like any scan, and written as a glb in
a worker process.  A node with more than ``MAX_NODE_POINTS`` points (a writer that did not
subdivide) would make a tile too heavy to draw, so such a file goes through the ordinary
re-sorting path instead; :func:`usable` tells which.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import TilingError
from ..georef import Georef, SiteFrame, frame_for
from ..tileset import write_tileset
from .content import PointTileWriter
from .ingest import Summary, check_finite, to_records
from .octree import Node, OctreeParams, assemble
from .readers import COLOUR_SAMPLE, PointChunk, check_las_header, to_u8
from .tiler import PointCloudResult, octree_tileset, worker_pool

MAX_NODE_POINTS = 2_000_000
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class CopcNode:
    level: int
    ijk: tuple[int, int, int]
    offset: int
    size: int  # bytes of the LAZ chunk
    count: int  # points

    @property
    def name(self) -> str:
        return f"{self.level}-{self.ijk[0]}-{self.ijk[1]}-{self.ijk[2]}"


@dataclass(frozen=True)
class NodeReader:
    """What it takes to decompress a node's chunk (small: it travels to worker processes)."""

    path: Path
    laszip: bytes  # the LAZ VLR's record data
    point_format: object  # laspy PointFormat
    scales: tuple[float, float, float]
    offsets: tuple[float, float, float]
    has_rgb: bool
    sixteen: bool = False  # 16-bit colours (decided once for the file)

    def points(self, node: CopcNode):
        import laspy
        import lazrs

        with open(self.path, "rb") as fh:
            fh.seek(node.offset)
            data = fh.read(node.size)
        out = np.zeros(node.count * self.point_format.size, np.uint8)  # type: ignore[attr-defined]
        try:
            selection = laspy.DecompressionSelection.all().to_lazrs()
            lazrs.decompress_points_with_chunk_table(data, self.laszip, out, [(node.count, node.size)], selection)
            packed = laspy.PackedPointRecord.from_buffer(out, self.point_format)
        except Exception as exc:  # noqa: BLE001 - a corrupt chunk raises anything
            raise TilingError(f"{self.path.name}: COPC node {node.name} cannot be decompressed: {exc}.") from None
        return laspy.ScaleAwarePointRecord(
            packed.array, self.point_format, np.array(self.scales), np.array(self.offsets)
        )

    def chunk(self, node: CopcNode) -> PointChunk:
        pts = self.points(node)
        xyz = np.empty((len(pts), 3), np.float64)
        xyz[:, 0], xyz[:, 1], xyz[:, 2] = pts.x, pts.y, pts.z
        rgb = to_u8(np.column_stack([pts.red, pts.green, pts.blue]), self.sixteen) if self.has_rgb else None
        return PointChunk(xyz, rgb, np.asarray(pts.intensity, np.uint16), np.asarray(pts.classification, np.uint8))


class CopcSource:
    """A COPC file: its header (count, bounds, CRS) and its hierarchy of point chunks."""

    def __init__(self, path: Path) -> None:
        import laspy
        from laspy.copc import load_octree_for_query

        self.path = path
        check_las_header(path)
        try:
            with laspy.CopcReader.open(str(path)) as reader:
                h = reader.header
                self.count = int(h.point_count)
                self.bounds = (np.array(h.mins, float), np.array(h.maxs, float))
                self.epsg = _epsg(h)
                self.spacing = float(reader.copc_info.spacing)
                has_rgb = "red" in h.point_format.dimension_names
                self.reader = NodeReader(
                    path,
                    bytes(reader.laszip_vlr.record_data),
                    h.point_format,
                    tuple(float(v) for v in h.scales),  # type: ignore[arg-type]
                    tuple(float(v) for v in h.offsets),  # type: ignore[arg-type]
                    has_rgb,
                )
                found = load_octree_for_query(reader.source, reader.copc_info, reader.root_page)
        except TilingError:
            raise
        except Exception as exc:  # noqa: BLE001 - readers raise any type on corrupt input
            raise TilingError(
                f"{path.name} cannot be read as COPC: {exc}.",
                hint="The file may be corrupt or truncated; export it again.",
            ) from None
        self.nodes = sorted(
            (
                CopcNode(n.key.level, (n.key.x, n.key.y, n.key.z), n.offset, n.byte_size, n.point_count)
                for n in found
                if n.point_count > 0
            ),
            key=lambda n: n.offset,
        )
        if self.reader.has_rgb and self.nodes:  # the root's subsample tells 8- from 16-bit colour
            pts = self.reader.points(self.nodes[0])
            top = max(
                int(np.max(pts.red[:COLOUR_SAMPLE], initial=0)), int(np.max(pts.green[:COLOUR_SAMPLE], initial=0))
            )
            self.reader = dataclasses.replace(self.reader, sixteen=top > 255)

    def usable(self) -> bool:
        """Can the file's own octree be tiled as it is? (all points in nodes, no node too big)"""
        if not self.nodes or sum(n.count for n in self.nodes) != self.count:
            return False
        return max(n.count for n in self.nodes) <= MAX_NODE_POINTS

    def chunks(self, size: int):
        """All points, node by node (for the ordinary path when the octree cannot be used)."""
        for node in self.nodes:
            yield self.reader.chunk(node)


def _epsg(header) -> int | None:
    try:
        crs = header.parse_crs()
        return crs.to_epsg() if crs is not None else None
    except Exception:  # noqa: BLE001 - a damaged or exotic WKT VLR must not stop the job
        return None


def is_copc(path: Path) -> bool:
    """A LAZ whose first VLR is the COPC info record (what laspy's CopcReader requires)."""
    import laspy

    if path.suffix.lower() != ".laz":
        return False
    with contextlib.suppress(Exception), laspy.open(str(path)) as reader:
        vlrs = reader.header.vlrs
        return bool(vlrs) and vlrs[0].user_id == "copc" and vlrs[0].record_id == 1
    return False


def _tile_node(reader: NodeReader, node: CopcNode, georef: Georef, frame: SiteFrame, writer: PointTileWriter):
    """Worker: one COPC node → one glb; returns its summary and written bounds."""
    ch = reader.chunk(node)
    check_finite(ch, reader.path.name)
    recs, summary = to_records(ch, georef, frame)
    lo, hi, _ = writer(node.name, recs)
    return summary, lo, hi


def tile_copc(
    src: CopcSource,
    georef: Georef,
    out: Path,
    *,
    params: OctreeParams | None = None,
    progress: Progress | None = None,
    compress: bool = True,
) -> PointCloudResult:
    """Tile a COPC file node by node into ``out`` (its octree kept as the tileset's)."""
    params = params or OctreeParams()
    prog: Progress = progress or (lambda f, s: None)
    (out / "tiles").mkdir(parents=True, exist_ok=True)
    georef.check(*src.bounds, what=f"scan {src.path.name}")
    frame = frame_for(georef, np.array(src.bounds))
    # attributes every node has (LAS point formats 6-8 always carry intensity and classification)
    writer = PointTileWriter(out, src.reader.has_rgb, True, True, compress)
    total = Summary()
    written: dict[tuple[int, int, int, int], Node] = {}
    with worker_pool(params.workers, src.count) as pool:
        results = _run(pool, [(src.reader, n, georef, frame, writer) for n in src.nodes])
        for node, (summary, lo, hi) in zip(src.nodes, results):
            total.add(summary)
            written[(node.level, *node.ijk)] = Node(node.level, node.ijk, node.count, lo, hi, node.name)
            prog(0.95 * total.n / max(src.count, 1), "tiling COPC nodes")
    georef.check(total.slo, total.shi, what=f"scan {src.path.name}")
    root = assemble(written)
    # COPC spacing is in the file's units: scale it to site metres with the cloud's extents
    units = float(np.linalg.norm(total.hi - total.lo)) / max(float(np.linalg.norm(total.shi - total.slo)), 1e-9)
    tileset, tiles = octree_tileset(
        root,
        lambda level: src.spacing * units / (1 << level) / 2,  # octree_tileset doubles it
        frame,
        total.lo,
        total.hi,
        {"kind": "pointcloud", "points": total.n, "source_octree": "copc"},
        generator="heritage-map tiling (COPC octree)",
    )
    path = out / "tileset.json"
    write_tileset(path, tileset)
    has = {"rgb": src.reader.has_rgb, "intensity": True, "classification": True}
    return PointCloudResult(total.n, tiles, frame, total.lo, total.hi, path, has)


def _run(pool: Executor | None, jobs: list[tuple]):
    """Results in job order; never more than a few jobs queued ahead of the one awaited."""
    if pool is None:
        for job in jobs:
            yield _tile_node(*job)
        return
    ahead = 8
    futures = [pool.submit(_tile_node, *job) for job in jobs[:ahead]]
    for i in range(len(jobs)):
        result = futures[i].result()
        if i + ahead < len(jobs):
            futures.append(pool.submit(_tile_node, *jobs[i + ahead]))
        futures[i] = None  # type: ignore[call-overload]
        yield result
