"""Mesh → hierarchical-LOD 3D Tiles 1.1 (glb content, quadtree, refine REPLACE).

1. Every vertex goes through ``Georef.to_ecef`` (crs: EPSG:6960 + geoid), then into the
   site ENU frame (float64); the root ``transform`` is ENU→ECEF at the site.
2. Vertices are welded on (position, UV) so decimation sees a connected surface
   (STL is triangle soup; OBJ splits vertices by normal).
3. A quadtree on ENU x/y assigns faces by centroid until a node holds ≤ ``max_leaf_faces``:
   leaves carry the full-resolution geometry and texture (geometricError 0).
4. Parents are built bottom-up: union of the children's meshes, per material, welded and
   decimated to a quarter (:mod:`.simplify`, QEM with a clustering fallback), with the
   texture at half the children's resolution.  geometricError = typical triangle size of
   the parent (never below its children's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import TilingError
from ..georef import Georef, SiteFrame, frame_for
from ..gltf import Material, Primitive, enu_to_gltf, write_glb
from ..tileset import Tile, Tileset, box_from_bounds, write_tileset
from .readers import MeshPart
from .simplify import simplify
from .textures import tile_texture

Progress = Callable[[float, str], None]


@dataclass
class MeshParams:
    max_leaf_faces: int = 60_000
    max_depth: int = 10
    min_parent_faces: int = 200


@dataclass
class _Mat:
    image: object | None
    base_color: tuple[float, float, float, float]
    has_uv: bool
    has_color: bool


@dataclass
class _Piece:
    mat: int
    v: np.ndarray  # ENU float64
    f: np.ndarray
    uv: np.ndarray | None
    col: np.ndarray | None  # float64 0..255


@dataclass
class _Node:
    name: str
    depth: int
    rect: tuple[float, float, float, float]
    faces: np.ndarray | None = None
    children: list[_Node] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)
    lo: np.ndarray | None = None
    hi: np.ndarray | None = None
    ge: float = 0.0
    height: int = 0
    n_faces: int = 0


@dataclass
class MeshResult:
    faces: int
    tiles: int
    frame: SiteFrame
    lo: np.ndarray
    hi: np.ndarray
    tileset: Path
    levels: dict[int, int]  # depth → faces in that level's tiles
    methods: dict[str, int]  # decimation method → number of calls
    warnings: list[str]


def weld(v: np.ndarray, f: np.ndarray, extra: list[np.ndarray | None]) -> tuple:
    """Merge vertices equal in position and attributes; drop faces that become degenerate."""
    cols = [v] + [e for e in extra if e is not None]
    key = np.ascontiguousarray(np.column_stack(cols), dtype=np.float64)
    _, first, inv = np.unique(
        key.view(np.dtype((np.void, key.dtype.itemsize * key.shape[1]))).ravel(), return_index=True, return_inverse=True
    )
    nf = inv.ravel()[f]
    ok = (nf[:, 0] != nf[:, 1]) & (nf[:, 1] != nf[:, 2]) & (nf[:, 0] != nf[:, 2])
    return (v[first], nf[ok], *[None if e is None else e[first] for e in extra])


def _area(v: np.ndarray, f: np.ndarray) -> float:
    t = v[f]
    return float(0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1).sum())


def _normals(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    t = v[f]
    fn = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])  # area-weighted
    n = np.zeros_like(v)
    for k in range(3):
        np.add.at(n, f[:, k], fn)
    ln = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.where(ln > 0, n / np.where(ln > 0, ln, 1), np.array([0.0, 0.0, 1.0]))
    return n


class HlodBuilder:
    def __init__(
        self,
        parts: list[MeshPart],
        georef: Georef,
        out: Path,
        params: MeshParams | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.parts, self.georef, self.out = parts, georef, out
        self.p = params or MeshParams()
        self.progress: Progress = progress or (lambda f, s: None)
        self.methods: dict[str, int] = {}
        self.levels: dict[int, int] = {}
        self.tiles = 0

    def _prepare(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[_Mat]]:
        allv = np.concatenate([p.vertices for p in self.parts])
        lo, hi = allv.min(axis=0), allv.max(axis=0)
        self.georef.check(lo, hi, what="mesh")
        self.frame = frame_for(self.georef, allv)
        self.progress(0.05, "transforming vertices")
        enu_all = self.frame.to_enu(self.georef.to_ecef(allv))
        vs, fs, uvs, cols, fm, mats = [], [], [], [], [], []
        off = start = 0
        for i, part in enumerate(self.parts):
            n = len(part.vertices)
            uv = part.uv if part.image is not None else None
            col = part.colors.astype(np.float64) if part.colors is not None else None
            v, f, uv, col = weld(enu_all[start : start + n], part.faces, [uv, col])
            start += n
            mats.append(_Mat(part.image if uv is not None else None, part.base_color, uv is not None, col is not None))
            vs.append(v)
            fs.append(f + off)
            uvs.append(uv if uv is not None else np.zeros((len(v), 2)))
            cols.append(col if col is not None else np.full((len(v), 4), 255.0))
            fm.append(np.full(len(f), i, np.int32))
            off += len(v)
        if not sum(len(f) for f in fs):
            raise TilingError("The mesh has no non-degenerate triangles.")
        return (
            np.concatenate(vs),
            np.concatenate(fs),
            np.concatenate(uvs),
            np.concatenate(cols),
            np.concatenate(fm),
            mats,
        )

    def _quadtree(self, v: np.ndarray, f: np.ndarray) -> _Node:
        c = v[f].mean(axis=1)
        x0, y0 = v[:, 0].min(), v[:, 1].min()
        side = max(v[:, 0].max() - x0, v[:, 1].max() - y0, 1e-3)
        root = _Node("0", 0, (x0, y0, x0 + side, y0 + side))
        stack = [(root, np.arange(len(f)))]
        while stack:
            node, idx = stack.pop()
            if len(idx) <= self.p.max_leaf_faces or node.depth >= self.p.max_depth:
                node.faces = idx
                continue
            ax0, ay0, ax1, ay1 = node.rect
            mx, my = (ax0 + ax1) / 2, (ay0 + ay1) / 2
            quad = (c[idx, 0] >= mx).astype(np.int64) + 2 * (c[idx, 1] >= my)
            for q in range(4):
                sub = idx[quad == q]
                if len(sub):
                    rect = (mx if q & 1 else ax0, my if q & 2 else ay0, ax1 if q & 1 else mx, ay1 if q & 2 else my)
                    child = _Node(f"{node.name}{q}", node.depth + 1, rect)
                    node.children.append(child)
                    stack.append((child, sub))
        return root

    def build(self) -> MeshResult:
        v, f, uv, col, fm, mats = self._prepare()
        self.mats = mats
        total = len(f)
        root = self._quadtree(v, f)
        order: list[_Node] = []
        queue = [root]
        while queue:  # breadth-first; processed in reverse so children come first
            n = queue.pop(0)
            order.append(n)
            queue.extend(n.children)
        (self.out / "tiles").mkdir(parents=True, exist_ok=True)
        done = 0
        for node in reversed(order):
            if node.faces is not None and not node.children:
                node.pieces = self._leaf_pieces(node.faces, v, f, uv, col, fm)
                node.faces = None
                done += sum(len(p.f) for p in node.pieces)
            else:
                node.pieces = self._parent_pieces(node)
                node.height = 1 + max(c.height for c in node.children)
            self._write(node)
            for c in node.children:
                c.pieces = []  # free memory: parents only need the level below
            self.progress(0.1 + 0.85 * min(1.0, done / total), "building levels of detail")
        root_tile = self._tile_json(root)
        root_tile["transform"] = self.frame.transform_list()
        root_tile["refine"] = "REPLACE"
        lo, hi = root.lo, root.hi
        assert lo is not None and hi is not None
        tileset: Tileset = {
            "asset": {"version": "1.1", "generator": "heritage-map tiling (mesh HLOD)"},
            "geometricError": max(float(np.linalg.norm(hi - lo)), root.ge),
            "root": root_tile,
            "extras": {
                "kind": "mesh",
                "faces": total,
                "origin": {"lon": self.frame.lon, "lat": self.frame.lat, "h_ellipsoidal": self.frame.h},
            },
        }
        path = self.out / "tileset.json"
        write_tileset(path, tileset)
        warnings = [w for p in self.parts for w in p.warnings]
        return MeshResult(
            total, self.tiles, self.frame, lo, hi, path, dict(sorted(self.levels.items())), self.methods, warnings
        )

    def _leaf_pieces(self, idx, v, f, uv, col, fm) -> list[_Piece]:
        pieces = []
        mats = fm[idx]
        for m in np.unique(mats):
            faces = f[idx[mats == m]]
            used, inv = np.unique(faces.ravel(), return_inverse=True)
            mat = self.mats[m]
            pieces.append(
                _Piece(
                    int(m),
                    v[used],
                    inv.reshape(-1, 3),
                    uv[used] if mat.has_uv else None,
                    col[used] if mat.has_color else None,
                )
            )
        return pieces

    def _parent_pieces(self, node: _Node) -> list[_Piece]:
        by_mat: dict[int, list[_Piece]] = {}
        for c in node.children:
            for p in c.pieces:
                by_mat.setdefault(p.mat, []).append(p)
        total = sum(len(p.f) for ps in by_mat.values() for p in ps)
        out = []
        for m, ps in sorted(by_mat.items()):
            offs = np.cumsum([0] + [len(p.v) for p in ps[:-1]])
            v = np.concatenate([p.v for p in ps])
            f = np.concatenate([p.f + o for p, o in zip(ps, offs)])
            uv = np.concatenate([p.uv for p in ps]) if ps[0].uv is not None else None
            col = np.concatenate([p.col for p in ps]) if ps[0].col is not None else None
            v, f, uv, col = weld(v, f, [uv, col])  # siblings share border vertices
            # every level keeps a quarter of the faces below it: the quadtree's 4:1 area ratio
            share = len(f) / max(total, 1)
            target = max(int(share * max(total // 4, self.p.min_parent_faces)), 4)
            attrs = {k: a for k, a in (("uv", uv), ("col", col)) if a is not None}
            v2, f2, a2, method = simplify(v, f, attrs, target)
            self.methods[method] = self.methods.get(method, 0) + 1
            if len(f2):
                out.append(_Piece(m, v2, f2, a2.get("uv"), a2.get("col")))
        return out

    def _write(self, node: _Node) -> None:
        pieces = [p for p in node.pieces if len(p.f)]
        if not pieces:
            raise TilingError("Internal error: a tile lost all its faces during simplification.")
        lo = np.min([p.v.min(axis=0) for p in pieces], axis=0)
        hi = np.max([p.v.max(axis=0) for p in pieces], axis=0)
        center = (lo + hi) / 2
        prims = []
        area = faces = 0.0
        for p in pieces:
            mat = self.mats[p.mat]
            prim = Primitive(positions=enu_to_gltf(p.v - center).astype(np.float32), indices=p.f)
            if mat.image is not None and p.uv is not None:
                tex, prim.uvs, repeat = tile_texture(mat.image, p.uv, 0.5**node.height)
                tex.repeat = repeat
                prim.material = Material(mat.base_color, tex, unlit=True)
            elif p.col is not None:
                prim.colors = np.clip(np.rint(p.col), 0, 255).astype(np.uint8)
                prim.material = Material(mat.base_color, unlit=True)  # scanned colour has its lighting
            else:
                prim.normals = enu_to_gltf(_normals(p.v, p.f)).astype(np.float32)
                prim.material = Material(mat.base_color)
            prims.append(prim)
            area += _area(p.v, p.f)
            faces += len(p.f)
        node.n_faces = int(faces)
        self.levels[node.depth] = self.levels.get(node.depth, 0) + node.n_faces
        write_glb(self.out / "tiles" / f"{node.name}.glb", prims, tuple(enu_to_gltf(center.reshape(1, 3))[0]))
        self.tiles += 1
        # bounds of the subtree (children may reach past the parent's simplified surface)
        los, his = [lo] + [c.lo for c in node.children], [hi] + [c.hi for c in node.children]
        node.lo, node.hi = np.min(los, axis=0), np.max(his, axis=0)
        if node.children:
            # typical triangle size = what is lost by not drawing the children
            node.ge = max(float(np.sqrt(area / max(faces, 1))), max(c.ge for c in node.children))

    def _tile_json(self, node: _Node) -> Tile:
        t: Tile = {
            "boundingVolume": box_from_bounds(node.lo, node.hi),
            "geometricError": node.ge,
            "content": {"uri": f"tiles/{node.name}.glb"},
        }
        if node.children:
            t["children"] = [self._tile_json(c) for c in sorted(node.children, key=lambda c: c.name)]
        return t


def tile_mesh(
    parts: list[MeshPart],
    georef: Georef,
    out: Path,
    *,
    params: MeshParams | None = None,
    progress: Progress | None = None,
) -> MeshResult:
    """Tile mesh parts into ``out`` (tileset.json + tiles/*.glb)."""
    return HlodBuilder(parts, georef, out, params, progress).build()
