"""Mesh decimation for HLOD parents: quadric edge collapse with a clustering fallback.

``fast_simplification`` (Fast Quadric Mesh Simplification) gives good parents, but it can
stall far above the target on regular planar meshes (notes §4: 47 % kept instead of
25 %).  The face count is therefore checked after every call, and vertex clustering on a
grid (which always reaches its target, at lower quality) takes over when QEM stalls.
Vertex attributes (UV, colour) follow the collapses: we rebuild the vertex mapping from
the collapse history (identical to ``replay_simplification``'s, at a fraction of the cost)
and average the attributes of merged vertices.
"""

from __future__ import annotations

import numpy as np

STALL_FACTOR = 1.5  # QEM result above target × this counts as a stall


def _average(mapping: np.ndarray, n_out: int, attr: np.ndarray) -> np.ndarray:
    ok = mapping >= 0
    sums = np.zeros((n_out, attr.shape[1]), np.float64)
    np.add.at(sums, mapping[ok], attr[ok].astype(np.float64))
    cnt = np.bincount(mapping[ok], minlength=n_out).astype(np.float64)
    return sums / np.maximum(cnt, 1)[:, None]


def _collapse_mapping(n: int, faces: np.ndarray, collapses: np.ndarray, n_out: int) -> np.ndarray | None:
    """Original vertex → output vertex (−1 if dropped), from the collapse history."""
    par = np.arange(n)
    if len(collapses):
        par[collapses[:, 1]] = collapses[:, 0]
        for _ in range(64):  # pointer jumping: log2(chain length) rounds
            nxt = par[par]
            if np.array_equal(nxt, par):
                break
            par = nxt
    g = par[faces]
    alive = (g[:, 0] != g[:, 1]) & (g[:, 1] != g[:, 2]) & (g[:, 0] != g[:, 2])
    kept = np.zeros(n, bool)
    kept[g[alive].ravel()] = True
    if int(kept.sum()) != n_out:
        return None
    rank = np.cumsum(kept) - 1
    return np.where(kept[par], rank[par], -1)


def qem(
    v: np.ndarray, f: np.ndarray, attrs: dict[str, np.ndarray], target: int
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    import fast_simplification

    p, nf, coll = fast_simplification.simplify(v, f, target_count=max(target, 1), return_collapses=True)
    mapping = _collapse_mapping(len(v), f, coll, len(p)) if attrs else None
    if attrs and mapping is None:  # should not happen; replay is the reference implementation
        _, _, mapping = fast_simplification.replay_simplification(v, f, coll)
    out = {k: _average(mapping, len(p), a) for k, a in attrs.items()} if attrs else {}
    return np.asarray(p, np.float64), np.asarray(nf, np.int64), out


def cluster(
    v: np.ndarray, f: np.ndarray, attrs: dict[str, np.ndarray], target: int
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Grid vertex clustering; the cell grows until the face count reaches the target."""
    tri = v[f]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1).sum()
    cell = max(np.sqrt(2.0 * max(area, 1e-12) / max(target, 1)), 1e-4)
    lo = v.min(axis=0)
    best = (v, f, attrs)
    for _ in range(12):
        key = np.floor((v - lo) / cell).astype(np.int64)
        _, inv = np.unique(key, axis=0, return_inverse=True)
        inv = inv.ravel()
        n_out = int(inv.max()) + 1
        nv = _average(inv, n_out, v)
        g = inv[f]
        ok = (g[:, 0] != g[:, 1]) & (g[:, 1] != g[:, 2]) & (g[:, 0] != g[:, 2])
        g = g[ok]
        g = g[np.unique(np.sort(g, axis=1), axis=0, return_index=True)[1]] if len(g) else g
        best = (nv, g, {k: _average(inv, n_out, a) for k, a in attrs.items()})
        if len(g) <= target * 1.2:
            break
        cell *= 1.4
    v2, f2, a2 = best
    used = np.unique(f2)  # drop vertices no face uses
    remap = np.full(len(v2), -1, np.int64)
    remap[used] = np.arange(len(used))
    return v2[used], remap[f2], {k: a[used] for k, a in a2.items()}


def simplify(
    v: np.ndarray, f: np.ndarray, attrs: dict[str, np.ndarray], target: int
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], str]:
    """Reduce to about ``target`` faces; returns (vertices, faces, attrs, method)."""
    if len(f) <= target:
        return v, f, attrs, "none"
    p, nf, out = qem(v, f, attrs, target)
    if len(nf) <= STALL_FACTOR * target and len(nf):
        return p, nf, out, "qem"
    p, nf, out = cluster(v, f, attrs, target)
    return p, nf, out, "cluster"
