"""Out-of-core octree with additive LOD (3D Tiles ``refine: ADD``) for big point clouds.

Input: a flat file of :data:`REC` records in site ENU metres (written by the ingest
pass).  Every point ends up in exactly one tile:

* each internal node keeps at most one point per cell of a ``grid``³ lattice over its
  cube (first point in file order wins) — a uniform subsample whose spacing is the
  node's geometric error — and passes the rest to its eight children;
* a node with at most ``max_leaf`` points keeps them all (a leaf, geometricError 0).

Memory stays bounded: a count grid (128³) splits the cloud into *buckets* of at most
``bucket`` points; the nodes above the buckets ("upper" levels) are filled while
streaming the file once, the buckets are spilled to disk, then each bucket's subtree
is built in memory.  Points are addressed by 21-bit integer coordinates per axis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .content import REC, positions

QBITS = 21  # integer lattice 2^21 per axis over the root cube
GRID_BITS = 7  # LOD lattice per node: 128 cells per axis
COUNT_BITS = 7  # count grid used to cut buckets: 128^3


@dataclass
class OctreeParams:
    max_leaf: int = 50_000  # a node with ≤ this many points is not split
    max_node: int = 100_000  # LOD points kept in an internal node at most
    bucket: int = 2_000_000  # points processed in memory at once
    chunk: int = 1_000_000  # streaming chunk
    # processes for the coordinate transform of big clouds (> 2.5 M points). Default 1: worker
    # processes are "spawn"ed, which re-imports the caller's __main__ — only safe from programs
    # that guard it (the CLI, the job worker, scripts with `if __name__ == "__main__":`).
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


# writes a node's records; returns (lo, hi, bytes) of the written points
WriteFn = Callable[[str, np.ndarray], tuple[np.ndarray, np.ndarray, int]]


def _key(q: np.ndarray, t: int) -> np.ndarray:
    """Cell key at depth t (coordinates packed as x | y | z, t bits each)."""
    s = QBITS - t
    return ((q[:, 0] >> s) << (2 * t)) | ((q[:, 1] >> s) << t) | (q[:, 2] >> s)


def _unkey(k: np.ndarray, t: int) -> np.ndarray:
    m = (1 << t) - 1
    return np.column_stack([(k >> (2 * t)) & m, (k >> t) & m, k & m])


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
    ) -> None:
        self.raw, self.n, self.work, self.write = raw, count, work, write
        self.p = params or OctreeParams()
        self.progress = progress or (lambda f: None)
        self.origin = np.asarray(lo, np.float64)
        # the root cube; a hair larger so that the max corner maps inside the lattice
        self.size = float(np.max(np.asarray(hi) - self.origin)) * (1 + 1e-6) + 1e-3
        self.nodes: dict[tuple[int, int, int, int], Node] = {}
        self.rng = np.random.default_rng(20231106)  # deterministic subsampling caps
        self.done = 0

    # ---------------------------------------------------------------- helpers
    def _q(self, recs: np.ndarray) -> np.ndarray:
        p = (positions(recs) - self.origin) * ((1 << QBITS) / self.size)
        return np.clip(p.astype(np.int64), 0, (1 << QBITS) - 1)

    def spacing(self, depth: int) -> float:
        return self.size / (1 << depth) / (1 << GRID_BITS)

    def _emit(self, depth: int, ijk: tuple[int, int, int], recs: np.ndarray) -> None:
        name = f"{depth}-{ijk[0]}-{ijk[1]}-{ijk[2]}"
        lo, hi, _ = self.write(name, recs)
        self.nodes[(depth, *ijk)] = Node(depth, ijk, len(recs), lo, hi, name)
        self.done += len(recs)
        self.progress(min(1.0, self.done / max(self.n, 1)))

    # ---------------------------------------------------------------- main
    def build(self) -> Node:
        mm = np.memmap(self.raw, dtype=REC, mode="r", shape=(self.n,))
        if self.n <= self.p.bucket:
            recs = np.array(mm)
            self._subtree(recs, self._q(recs), 0, (0, 0, 0))
        else:
            self._out_of_core(mm)
        del mm
        return self._assemble()

    def _out_of_core(self, mm: np.ndarray) -> None:
        g = COUNT_BITS
        counts = np.zeros(1 << (3 * g), np.int64)
        for s in range(0, self.n, self.p.chunk):
            counts += np.bincount(_key(self._q(mm[s : s + self.p.chunk]), g), minlength=len(counts))
        buckets = self._cut_buckets(counts.reshape((1 << g,) * 3), g)
        lut = np.full((1 << g,) * 3, -1, np.int32)
        bdepth = np.array([b[0] for b in buckets], np.int64)
        for bid, (d, i, j, k) in enumerate(buckets):
            s = g - d
            lut[i << s : (i + 1) << s, j << s : (j + 1) << s, k << s : (k + 1) << s] = bid
        max_upper = int(bdepth.max())
        taken: list[np.ndarray] = [np.empty(0, np.int64) for _ in range(max_upper)]
        upper: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(max_upper)]
        files = [self.work / f"bucket-{b}.bin" for b in range(len(buckets))]
        handles = {b: open(f, "ab") for b, f in enumerate(files)}  # noqa: SIM115 (closed in finally)
        try:
            for s in range(0, self.n, self.p.chunk):
                recs = np.array(mm[s : s + self.p.chunk])
                q = self._q(recs)
                cg = q >> (QBITS - g)
                bid = lut[cg[:, 0], cg[:, 1], cg[:, 2]]
                bd = bdepth[bid]
                left = np.ones(len(recs), bool)
                for d in range(max_upper):
                    cand = np.flatnonzero(left & (bd > d))
                    if not len(cand):
                        continue
                    keys = _key(q[cand], d + GRID_BITS)
                    uk, first = np.unique(keys, return_index=True)
                    new = ~np.isin(uk, taken[d], assume_unique=True)
                    sel = cand[first[new]]
                    taken[d] = np.union1d(taken[d], uk[new])
                    upper[d].append((recs[sel], _key(q[sel], d)))
                    left[sel] = False
                self._spill(recs[left], bid[left], handles)
            # upper nodes: group by node, cap, write; the excess goes down to its bucket
            for d in range(max_upper):
                if not upper[d]:
                    continue
                recs = np.concatenate([u[0] for u in upper[d]])
                keys = np.concatenate([u[1] for u in upper[d]])
                upper[d] = []
                order = np.argsort(keys, kind="stable")
                recs, keys = recs[order], keys[order]
                uk, starts = np.unique(keys, return_index=True)
                for n_i, (key, a) in enumerate(zip(uk, starts)):
                    b = starts[n_i + 1] if n_i + 1 < len(starts) else len(keys)
                    part = recs[a:b]
                    if len(part) > self.p.max_node:
                        keep = np.zeros(len(part), bool)
                        keep[self.rng.choice(len(part), self.p.max_node, replace=False)] = True
                        extra = part[~keep]
                        cg = self._q(extra) >> (QBITS - g)
                        self._spill(extra, lut[cg[:, 0], cg[:, 1], cg[:, 2]], handles)
                        part = part[keep]
                    ijk = tuple(int(v) for v in _unkey(np.array([key]), d)[0])
                    self._emit(d, ijk, part)  # type: ignore[arg-type]
        finally:
            for h in handles.values():
                h.close()
        for bid, (d, i, j, k) in enumerate(buckets):
            recs = np.fromfile(files[bid], dtype=REC)
            files[bid].unlink()
            if len(recs):
                self._subtree(recs, self._q(recs), d, (i, j, k))

    def _cut_buckets(self, counts: np.ndarray, g: int) -> list[tuple[int, int, int, int]]:
        """Top-down: a node whose count fits in memory becomes a bucket."""
        pyramid = [counts]
        for _ in range(g):
            c = pyramid[-1]
            m = c.shape[0] // 2
            pyramid.append(c.reshape(m, 2, m, 2, m, 2).sum(axis=(1, 3, 5)))
        pyramid.reverse()  # pyramid[d] has shape (2^d,)*3
        out: list[tuple[int, int, int, int]] = []
        stack = [(0, 0, 0, 0)]
        while stack:
            d, i, j, k = stack.pop()
            c = pyramid[d][i, j, k]
            if c == 0:
                continue
            if c <= self.p.bucket or d == g:
                out.append((d, i, j, k))
                continue
            stack.extend((d + 1, 2 * i + a, 2 * j + b, 2 * k + e) for a in (0, 1) for b in (0, 1) for e in (0, 1))
        return out

    @staticmethod
    def _spill(recs: np.ndarray, bid: np.ndarray, handles: dict) -> None:
        if not len(recs):
            return
        order = np.argsort(bid, kind="stable")
        recs, bid = recs[order], bid[order]
        ub, starts = np.unique(bid, return_index=True)
        ends = np.r_[starts[1:], len(bid)]
        for b, a, e in zip(ub, starts, ends):
            recs[a:e].tofile(handles[int(b)])

    def _subtree(self, recs: np.ndarray, q: np.ndarray, depth: int, ijk: tuple[int, int, int]) -> None:
        """Build a subtree in memory (iteratively)."""
        stack = [(recs, q, depth, ijk)]
        while stack:
            recs, q, d, ijk = stack.pop()
            if len(recs) <= self.p.max_leaf or d >= QBITS - GRID_BITS:
                self._emit(d, ijk, recs)
                continue
            keys = _key(q, d + GRID_BITS)
            _, first = np.unique(keys, return_index=True)
            if len(first) > self.p.max_node:
                first = self.rng.choice(first, self.p.max_node, replace=False)
            keep = np.zeros(len(recs), bool)
            keep[first] = True
            self._emit(d, ijk, recs[keep])
            rest, qr = recs[~keep], q[~keep]
            bit = QBITS - d - 1
            octant = (((qr[:, 0] >> bit) & 1) << 2) | (((qr[:, 1] >> bit) & 1) << 1) | ((qr[:, 2] >> bit) & 1)
            order = np.argsort(octant, kind="stable")
            rest, qr, octant = rest[order], qr[order], octant[order]
            uo, starts = np.unique(octant, return_index=True)
            ends = np.r_[starts[1:], len(octant)]
            for o, a, e in zip(uo, starts, ends):
                child = (2 * ijk[0] + int(o >> 2), 2 * ijk[1] + int((o >> 1) & 1), 2 * ijk[2] + int(o & 1))
                stack.append((rest[a:e], qr[a:e], d + 1, child))

    # ---------------------------------------------------------------- tree
    def _assemble(self) -> Node:
        """Link nodes to parents (creating empty ancestors if needed); bounds bottom-up."""
        nodes = dict(self.nodes)
        for key in sorted(self.nodes, key=lambda k: -k[0]):
            d, i, j, k = key
            while d > 0:
                parent = (d - 1, i >> 1, j >> 1, k >> 1)
                if parent not in nodes:
                    nodes[parent] = Node(parent[0], parent[1:])
                d, i, j, k = parent
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
