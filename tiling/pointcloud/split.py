"""The out-of-core step of the octree: a cloud too big for memory → upper nodes + bucket files.

Two streaming passes over the work file (:meth:`.octree.OctreeBuilder.split` calls
:func:`out_of_core`):

1. a 128³ count grid, from which the buckets are cut top-down (a node with at most
   ``bucket`` records becomes one); in the worker processes when there are some;
2. every record either goes to an upper node (a node above its bucket) — the first record, in
   file order, of each still-free cell of that node's 128³ LOD lattice — or is spilled to its
   bucket's file, in file order.  Each upper node then keeps at most ``max_node`` records (a
   random choice seeded by the node) and its excess goes down to the buckets, after the rest;
   the upper tiles are written by the worker processes, if any, while the buckets are built.

"Is this cell already taken?" is a lookup in a dense table per upper level.  A level-d cell is
1/2^d of a count cell, so the table only covers count cells that lie in buckets deeper than d:
(occupied count cells) × 8^d entries, a few MB for tens of millions of points.  Were it ever
bigger than ``DENSE_LIMIT``, that level falls back to sorted key sets (same result, slower).
The selection order within a chunk is the cell-key order, as it always was, so the tiles are
the same whichever way a level is computed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

import numpy as np

from .content import take
from .octree import COUNT_BITS, GRID_BITS, QBITS, Bucket, Cube, OctreeParams, WriteFn, _key, _name, _rng, _unkey

DENSE_LIMIT = 1 << 25  # cells of one upper level's tables (int32 + bool: 160 MB at most)
G = COUNT_BITS
CELLS = 1 << (3 * G)


def _count_range(mm_path: Path, dtype: np.dtype, cube: Cube, start: int, stop: int) -> tuple:
    """Worker: the occupied count-grid cells of records [start, stop) as (cells, counts)."""
    recs = np.fromfile(mm_path, dtype, stop - start, offset=start * dtype.itemsize)
    c = np.bincount(_key(cube.q(recs), G), minlength=CELLS)
    cells = np.flatnonzero(c)
    return cells, c[cells]


def count_grid(mm: np.memmap, cube: Cube, chunk: int, pool: Executor | None) -> np.ndarray:
    """Records per cell of the 128³ count grid (flat, x | y | z)."""
    counts = np.zeros(CELLS, np.int64)
    n = len(mm)
    if pool is None:
        for s in range(0, n, chunk):
            counts += np.bincount(_key(cube.q(mm[s : s + chunk]), G), minlength=CELLS)
        return counts
    # only the occupied cells travel back: a full grid is 16 MB per chunk
    futs = [
        pool.submit(_count_range, Path(mm.filename), mm.dtype, cube, s, min(s + chunk, n)) for s in range(0, n, chunk)
    ]
    for f in futs:
        cells, c = f.result()
        counts[cells] += c
    return counts


def cut_buckets(counts: np.ndarray, limit: int) -> list[tuple[int, int, int, int]]:
    """Top-down over the count pyramid: a node whose count fits in memory becomes a bucket."""
    pyramid = [counts.reshape((1 << G,) * 3)]
    for _ in range(G):
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
        if c <= limit or d == G:
            out.append((d, i, j, k))
            continue
        stack.extend((d + 1, 2 * i + a, 2 * j + b, 2 * k + e) for a in (0, 1) for b in (0, 1) for e in (0, 1))
    return out


class _Level:
    """Which cells of upper level d are taken: dense tables over the count cells it covers."""

    def __init__(self, d: int, counts: np.ndarray, cell_depth: np.ndarray) -> None:
        self.d = d
        covered = (counts > 0) & (cell_depth > d)
        self.dense = int(covered.sum()) << (3 * d) <= DENSE_LIMIT
        if self.dense:
            self.compact = np.full(CELLS, -1, np.int32)  # < DENSE_LIMIT: int32 is enough
            self.compact[covered] = np.arange(int(covered.sum()), dtype=np.int32) << (3 * d)
            size = int(covered.sum()) << (3 * d)
            self.taken = np.zeros(size, bool)
            self.first = np.empty(size, np.int32)
        else:
            self.keys = np.empty(0, np.int64)

    def select(self, q: np.ndarray, cols: np.ndarray, cell: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """Of the candidates (ascending), the first of each cell not taken before; in cell-key order.
        ``cols`` is ``q`` transposed (3, n): gathers of 1-D columns are several times faster."""
        t = self.d + GRID_BITS
        if not self.dense:
            keys = _key(q[cand], t)
            uk, first = np.unique(keys, return_index=True)
            new = ~np.isin(uk, self.keys, assume_unique=True)
            self.keys = np.union1d(self.keys, uk[new])
            return cand[first[new]]
        d = self.d
        key = self.compact[cell[cand]]
        if d:
            m, s = (1 << d) - 1, QBITS - G - d
            x, y, z = (np.take(c, cand) >> s for c in cols)
            key += ((x & m) << (2 * d)) | ((y & m) << d) | (z & m)
        free = ~self.taken[key]
        cand, key = cand[free], key[free]
        pos = np.arange(len(key), dtype=np.int32)
        self.first[key[::-1]] = pos[::-1]  # the last write wins: the first candidate of each cell
        won = self.first[key] == pos
        cand, key = cand[won], key[won]
        self.taken[key] = True
        x, y, z = (np.take(c, cand).astype(np.int64) >> (QBITS - t) for c in cols)
        return cand[np.argsort((x << (2 * t)) | (y << t) | z)]


def _spill(recs: np.ndarray, bid: np.ndarray, handles: dict, spilled: np.ndarray) -> None:
    """Append records to their buckets' files, each bucket's in the order given."""
    if not len(recs):
        return
    # numpy radix-sorts 16-bit keys (a stable sort of int32 is several times slower)
    key = bid.astype(np.uint16) if len(spilled) <= 1 << 16 else bid
    order = np.argsort(key, kind="stable")
    recs = take(recs, order)
    per = np.bincount(bid, minlength=len(spilled))
    ends = np.cumsum(per)
    for b in np.flatnonzero(per):
        recs[ends[b] - per[b] : ends[b]].tofile(handles[int(b)])
    spilled += per


def out_of_core(
    mm: np.memmap,
    cube: Cube,
    p: OctreeParams,
    work: Path,
    write: WriteFn,
    emitted: Callable[[int, tuple[int, int, int], np.ndarray, object], None],
    pool: Executor | None = None,
) -> list[Bucket]:
    """Spill ``mm`` into bucket files under ``work`` and hand every upper node's records to
    ``emitted(depth, ijk, records, result)`` (``result`` of ``write``, or its future when a pool
    writes them); returns the buckets that received records."""
    n = len(mm)
    counts = count_grid(mm, cube, p.chunk, pool)
    cut = cut_buckets(counts, p.bucket)
    lut = np.full((1 << G,) * 3, -1, np.int32)
    bdepth = np.array([b[0] for b in cut], np.int64)
    for bid, (d, i, j, k) in enumerate(cut):
        s = G - d
        lut[i << s : (i + 1) << s, j << s : (j + 1) << s, k << s : (k + 1) << s] = bid
    lut = lut.reshape(-1)
    max_upper = int(bdepth.max())
    cell_depth = np.where(lut >= 0, bdepth[np.maximum(lut, 0)], 0)
    levels = [_Level(d, counts, cell_depth) for d in range(max_upper)]
    upper: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(max_upper)]
    files = [work / f"bucket-{b}.bin" for b in range(len(cut))]
    handles = {b: open(f, "wb") for b, f in enumerate(files)}  # noqa: SIM115 (closed in finally)
    spilled = np.zeros(len(cut), np.int64)
    try:
        for s in range(0, n, p.chunk):
            # read(2) into a new array: faster than copying the pages of the memory map
            recs = np.fromfile(mm.filename, mm.dtype, min(p.chunk, n - s), offset=s * mm.dtype.itemsize)
            q = cube.q(recs)
            cols = np.ascontiguousarray(q.T)
            x, y, z = (c >> (QBITS - G) for c in cols)
            cell = (x << (2 * G)) | (y << G) | z  # flat count-grid cell (int32: 21 bits)
            bid = lut[cell]
            bd = bdepth[bid]
            left = np.ones(len(recs), bool)
            for level in levels:
                cand = np.flatnonzero(left & (bd > level.d))
                if not len(cand):
                    continue
                sel = level.select(q, cols, cell, cand)
                upper[level.d].append((take(recs, sel), _key(q[sel], level.d)))
                left[sel] = False
            _spill(take(recs, left), bid[left], handles, spilled)
        # upper nodes: group by node, cap, write; the excess goes down to its bucket
        for d in range(max_upper):
            if not upper[d]:
                continue
            recs = np.concatenate([u[0] for u in upper[d]])
            keys = np.concatenate([u[1] for u in upper[d]])
            upper[d] = []
            order = np.argsort(keys.astype(np.uint16) if 3 * d <= 16 else keys, kind="stable")
            recs, keys = take(recs, order), keys[order]
            starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            ends = np.r_[starts[1:], len(keys)]
            for a, b in zip(starts, ends):
                part = recs[a:b]
                ijk = tuple(int(v) for v in _unkey(keys[a : a + 1], d)[0])
                if len(part) > p.max_node:
                    keep = np.zeros(len(part), bool)
                    keep[_rng(d, ijk).choice(len(part), p.max_node, replace=False)] = True  # type: ignore[arg-type]
                    extra = take(part, ~keep)
                    cg = cube.q(extra) >> (QBITS - G)
                    _spill(extra, lut[(cg[:, 0] << (2 * G)) | (cg[:, 1] << G) | cg[:, 2]], handles, spilled)
                    part = take(part, keep)
                name = _name(d, ijk)  # type: ignore[arg-type]
                result = pool.submit(write, name, part) if pool is not None else write(name, part)
                emitted(d, ijk, part, result)  # type: ignore[arg-type]
    finally:
        for h in handles.values():
            h.close()
    out = []
    for bid, (d, i, j, k) in enumerate(cut):
        if spilled[bid]:
            out.append(Bucket(d, (i, j, k), files[bid], int(spilled[bid])))
        else:
            files[bid].unlink()
    return out


__all__ = ["DENSE_LIMIT", "count_grid", "cut_buckets", "out_of_core"]
