"""Out-of-core octree with additive LOD (3D Tiles ``refine: ADD``) for big point clouds.

Input: a flat file of records (:data:`.content.REC`, or any structured dtype with float
``x``/``y``/``z`` fields, e.g. Gaussian splats) in site ENU metres, written by the ingest
pass.  Every record ends up in exactly one tile:

* each internal node keeps at most one record per cell of a ``grid``³ lattice over its
  cube (first in file order wins) — a uniform subsample whose spacing is the node's
  geometric error — and passes the rest to its eight children;
* a node with at most ``max_leaf`` records keeps them all (a leaf, geometricError 0).

Memory stays bounded: a count grid (128³) splits the cloud into *buckets* of at most
``bucket`` records; the nodes above the buckets ("upper" levels) are filled while
streaming the file once and the buckets are spilled to disk (:mod:`.split`).
Each bucket's subtree is then built on its own (:func:`build_subtree`) — in this process,
in a pool of processes, or as separate jobs on other machines — with a random generator
seeded by the bucket's key, so the tiles do not depend on where or in which order the
buckets were built.  :meth:`OctreeBuilder.assemble` links the nodes into one tree.
Records are addressed by 21-bit integer coordinates per axis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .content import REC, take

QBITS = 21  # integer lattice 2^21 per axis over the root cube
GRID_BITS = 7  # LOD lattice per node: 128 cells per axis
COUNT_BITS = 7  # count grid used to cut buckets: 128^3
SEED = 20231106


@dataclass
class OctreeParams:
    max_leaf: int = 50_000  # a node with ≤ this many points is not split
    max_node: int = 100_000  # LOD points kept in an internal node at most
    bucket: int = 2_000_000  # points processed in memory at once
    chunk: int = 1_000_000  # streaming chunk
    # processes for the coordinate transform and the subtrees of big clouds (> 2.5 M points).
    # Default 1: worker processes are "spawn"ed, which re-imports the caller's __main__ — only
    # safe from programs that guard it (the CLI, the job worker, `if __name__ == "__main__":`).
    workers: int = 1


@dataclass
class Node:
    depth: int
    ijk: tuple[int, int, int]
    count: int = 0
    lo: np.ndarray | None = None
    hi: np.ndarray | None = None
    uri: str | None = None
    children: list[Node] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A written node as JSON (what a subtree job hands back)."""
        return {
            "depth": self.depth,
            "ijk": list(self.ijk),
            "count": self.count,
            "lo": [float(v) for v in self.lo] if self.lo is not None else None,
            "hi": [float(v) for v in self.hi] if self.hi is not None else None,
            "uri": self.uri,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Node:
        lo = np.array(d["lo"], np.float64) if d["lo"] is not None else None
        hi = np.array(d["hi"], np.float64) if d["hi"] is not None else None
        return cls(d["depth"], tuple(d["ijk"]), d["count"], lo, hi, d["uri"])  # type: ignore[arg-type]


@dataclass(frozen=True)
class Cube:
    """The root cube of the lattice: ENU origin (min corner) and edge length."""

    origin: tuple[float, float, float]
    size: float

    @classmethod
    def around(cls, lo: np.ndarray, hi: np.ndarray) -> Cube:
        # a hair larger than the data so that the max corner maps inside the lattice
        size = float(np.max(np.asarray(hi, float) - np.asarray(lo, float))) * (1 + 1e-6) + 1e-3
        return cls(tuple(float(v) for v in lo), size)  # type: ignore[arg-type]

    def q(self, recs: np.ndarray) -> np.ndarray:
        """Integer lattice coordinates (n, 3) int32 of records."""
        k = (1 << QBITS) / self.size
        out = np.empty((len(recs), 3), np.int32)
        for axis, name in enumerate("xyz"):
            v = (recs[name].astype(np.float64) - self.origin[axis]) * k
            np.clip(v, 0, (1 << QBITS) - 1, out=v)
            out[:, axis] = v
        return out

    def spacing(self, depth: int) -> float:
        return self.size / (1 << depth) / (1 << GRID_BITS)


@dataclass(frozen=True)
class Bucket:
    """A subtree to build on its own: its root node and the file holding its records."""

    depth: int
    ijk: tuple[int, int, int]
    path: Path
    count: int

    @property
    def key(self) -> str:
        return f"{self.depth}-{self.ijk[0]}-{self.ijk[1]}-{self.ijk[2]}"


# writes a node's records as tiles/<name>.glb; returns (lo, hi, bytes) of the written records
WriteFn = Callable[[str, np.ndarray], tuple[np.ndarray, np.ndarray, int]]


def _key(q: np.ndarray, t: int) -> np.ndarray:
    """Cell key at depth t (coordinates packed as x | y | z, t bits each)."""
    s = QBITS - t
    q = q.astype(np.int64, copy=False)
    return ((q[:, 0] >> s) << (2 * t)) | ((q[:, 1] >> s) << t) | (q[:, 2] >> s)


def _unkey(k: np.ndarray, t: int) -> np.ndarray:
    m = (1 << t) - 1
    return np.column_stack([(k >> (2 * t)) & m, (k >> t) & m, k & m])


def _rng(depth: int, ijk: tuple[int, int, int]) -> np.random.Generator:
    """The subsampling caps of a node depend on the node only (not on the build order)."""
    return np.random.default_rng([SEED, depth, *ijk])


def _name(depth: int, ijk: tuple[int, int, int]) -> str:
    return f"{depth}-{ijk[0]}-{ijk[1]}-{ijk[2]}"


def _emit(write: WriteFn, depth: int, ijk: tuple[int, int, int], recs: np.ndarray) -> Node:
    name = _name(depth, ijk)
    lo, hi, _ = write(name, recs)
    return Node(depth, ijk, len(recs), lo, hi, name)


def build_subtree(
    recs: np.ndarray,
    cube: Cube,
    depth: int,
    ijk: tuple[int, int, int],
    params: OctreeParams,
    write: WriteFn,
    progress: Callable[[int], None] | None = None,
) -> list[Node]:
    """Build the subtree of one node in memory; returns its written nodes (unlinked)."""
    out: list[Node] = []
    # first record of each LOD cell, found with a table over the node's own 128³ cells (O(n))
    table = np.empty(1 << (3 * GRID_BITS), np.int32)
    stack = [(recs, cube.q(recs), depth, ijk)]
    while stack:
        recs, q, d, ijk = stack.pop()
        if len(recs) <= params.max_leaf or d >= QBITS - GRID_BITS:
            out.append(_emit(write, d, ijk, recs))
            if progress:
                progress(len(recs))
            continue
        s = QBITS - d - GRID_BITS
        m = (1 << GRID_BITS) - 1
        cell = ((q[:, 0] >> s) & m) << (2 * GRID_BITS) | ((q[:, 1] >> s) & m) << GRID_BITS | ((q[:, 2] >> s) & m)
        idx = np.arange(len(recs), dtype=np.int32)
        table[cell[::-1]] = idx[::-1]  # the last write wins: the first record of each cell
        keep = table[cell] == idx
        first = np.flatnonzero(keep)
        if len(first) > params.max_node:
            keep[:] = False
            keep[_rng(d, ijk).choice(first, params.max_node, replace=False)] = True
        # one stable sort by child octant (0-7), the kept records last (8): each child's records
        # and the node's own stay in file order, and only one copy of the records is made
        bit = QBITS - d - 1
        octant = (((q[:, 0] >> bit) & 1) << 2 | ((q[:, 1] >> bit) & 1) << 1 | ((q[:, 2] >> bit) & 1)).astype(np.uint8)
        octant[keep] = 8
        order = np.argsort(octant, kind="stable")  # radix sort for 8-bit keys
        recs, q = take(recs, order), np.take(q, order, axis=0)
        counts = np.bincount(octant, minlength=9)
        ends = np.cumsum(counts)
        out.append(_emit(write, d, ijk, recs[ends[7] :]))
        if progress:
            progress(int(counts[8]))
        for o in range(8):
            a, e = ends[o] - counts[o], ends[o]
            if a == e:
                continue
            child = (2 * ijk[0] + (o >> 2), 2 * ijk[1] + ((o >> 1) & 1), 2 * ijk[2] + (o & 1))
            stack.append((recs[a:e], q[a:e], d + 1, child))
    return out


def build_bucket(bucket: Bucket, cube: Cube, params: OctreeParams, write: WriteFn, dtype: np.dtype = REC) -> list[Node]:
    """Read a bucket file and build its subtree (a picklable unit of work for other processes)."""
    recs = np.fromfile(bucket.path, dtype=dtype)
    if not len(recs):
        return []
    return build_subtree(recs, cube, bucket.depth, bucket.ijk, params, write)


class OctreeBuilder:
    def __init__(
        self,
        raw: Path,
        count: int,
        lo: np.ndarray,
        hi: np.ndarray,
        work: Path,
        write: WriteFn,
        params: OctreeParams | None = None,
        progress: Callable[[float], None] | None = None,
        dtype: np.dtype = REC,
    ) -> None:
        self.raw, self.n, self.work, self.write, self.dtype = raw, count, work, write, np.dtype(dtype)
        self.p = params or OctreeParams()
        self.progress = progress or (lambda f: None)
        self.cube = Cube.around(lo, hi)
        self.nodes: dict[tuple[int, int, int, int], Node] = {}
        self._pending: list[tuple[int, tuple[int, int, int], int, Any]] = []  # upper nodes being written
        self.done = 0

    def spacing(self, depth: int) -> float:
        return self.cube.spacing(depth)

    def _count(self, n: int) -> None:
        self.done += n
        self.progress(min(1.0, self.done / max(self.n, 1)))

    def add(self, nodes: Iterable[Node]) -> None:
        for node in nodes:
            self.nodes[(node.depth, *node.ijk)] = node

    # ---------------------------------------------------------------- main
    def build(self, pool=None) -> Node:
        """split → every bucket's subtree (in ``pool``, a concurrent.futures executor, if given) → tree."""
        buckets = self.split(pool)
        if pool is None or len(buckets) < 2:
            for b in buckets:
                self.add(build_subtree(self._read(b), self.cube, b.depth, b.ijk, self.p, self.write, self._count))
                if b.path != self.raw:
                    b.path.unlink()
        else:
            # biggest first: the last bucket to finish then is a small one, no core waits long
            buckets = sorted(buckets, key=lambda b: -b.count)
            futures = [pool.submit(build_bucket, b, self.cube, self.p, self.write, self.dtype) for b in buckets]
            self._collect_upper()
            for b, fut in zip(buckets, futures):
                self.add(fut.result())
                self._count(b.count)
                b.path.unlink()
        self._collect_upper()
        return self.assemble()

    def _read(self, b: Bucket) -> np.ndarray:
        if b.path == self.raw:
            return np.fromfile(self.raw, dtype=self.dtype, count=b.count)
        return np.fromfile(b.path, dtype=self.dtype)

    def split(self, pool=None) -> list[Bucket]:
        """Write the upper nodes (in ``pool`` if given: :meth:`build` collects them) and spill the
        rest into bucket files (the raw file itself when the cloud fits in one bucket); returns
        the buckets still to build."""
        if self.n <= self.p.bucket:
            return [Bucket(0, (0, 0, 0), self.raw, self.n)] if self.n else []
        from .split import out_of_core  # imports this module

        mm = np.memmap(self.raw, dtype=self.dtype, mode="r", shape=(self.n,))
        try:
            buckets = out_of_core(mm, self.cube, self.p, self.work, self.write, self._upper_node, pool)
        finally:
            del mm
        if pool is None:
            self._collect_upper()
        return buckets

    def _upper_node(self, depth: int, ijk: tuple[int, int, int], recs: np.ndarray, result: Any) -> None:
        self._pending.append((depth, ijk, len(recs), result))

    def _collect_upper(self) -> None:
        """Record the upper nodes written so far (``result`` may be a future of a worker's write)."""
        for depth, ijk, count, result in self._pending:
            lo, hi, _ = result.result() if hasattr(result, "result") else result
            self.add([Node(depth, ijk, count, lo, hi, _name(depth, ijk))])
            self._count(count)
        self._pending = []

    # ---------------------------------------------------------------- tree
    def assemble(self) -> Node:
        """Link nodes to parents (creating empty ancestors if needed); bounds bottom-up."""
        return assemble(self.nodes)


def assemble(written: dict[tuple[int, int, int, int], Node]) -> Node:
    """Link written nodes into one tree (empty ancestors created); bounds bottom-up."""
    nodes = dict(written)
    for key in sorted(written, key=lambda k: -k[0]):
        d, i, j, k = key
        while d > 0:
            parent = (d - 1, i >> 1, j >> 1, k >> 1)
            if parent not in nodes:
                nodes[parent] = Node(parent[0], parent[1:])
            d, i, j, k = parent
    for node in nodes.values():
        node.children = []
    for key in sorted(nodes, key=lambda k: -k[0]):
        node = nodes[key]
        if key[0] > 0:
            d, i, j, k = key
            nodes[(d - 1, i >> 1, j >> 1, k >> 1)].children.append(node)
    for key in sorted(nodes, key=lambda k: -k[0]):  # deepest first: children done before parents
        node = nodes[key]
        los = [c.lo for c in node.children] + ([node.lo] if node.lo is not None else [])
        his = [c.hi for c in node.children] + ([node.hi] if node.hi is not None else [])
        node.lo, node.hi = np.min(los, axis=0), np.max(his, axis=0)
        node.children.sort(key=lambda c: c.ijk)
    return nodes[(0, 0, 0, 0)]
