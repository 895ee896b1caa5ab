"""Gaussian splats → 3D Tiles 1.1 (glb with KHR_gaussian_splatting, additive octree LOD).

Positions go through ``crs`` like any scan (a CRS, or a local frame + anchor); each splat's
orientation and size are turned with the scan: the source → site-ENU map is linear over a site
(its rotation is the grid convergence plus the heading, its scale the grid/anchor scale), so it
is measured once at the centre of the scan (finite differences through the very same
transform), split into a rotation and a scale, and applied to every quaternion and log scale,
together with the ENU → glTF (y-up) turn.  The octree is the point clouds' (:mod:`..pointcloud
.octree`): coarse tiles hold a uniform subsample of the splats, refinement adds the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import TilingError
from ..georef import Georef, SiteFrame, frame_for
from ..pointcloud.ingest import Summary
from ..pointcloud.octree import OctreeBuilder, OctreeParams
from ..pointcloud.tiler import octree_tileset
from ..tileset import write_tileset
from .content import SPLAT_REC, SplatTileWriter, splat_extensions
from .readers import SplatSource
from .spz import Splats

Progress = Callable[[float, str], None]
ENU_TO_GLTF = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # (e, n, u) → (e, u, -n)


@dataclass
class SplatResult:
    splats: int
    tiles: int
    frame: SiteFrame
    lo: np.ndarray
    hi: np.ndarray
    tileset: Path
    scale: float  # source metres → site metres (grid / anchor scale)
    warnings: list[str]


def quat_from_matrix(m: np.ndarray) -> np.ndarray:
    """Unit quaternion (x, y, z, w) of a rotation matrix."""
    t = np.trace(m)
    if t > 0:
        s = math.sqrt(t + 1.0) * 2
        q = [(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s]
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = math.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k]) * 2
        q = [0.0, 0.0, 0.0, (m[k, j] - m[j, k]) / s]
        q[i] = 0.25 * s
        q[j] = (m[j, i] + m[i, j]) / s
        q[k] = (m[k, i] + m[i, k]) / s
    q = np.array(q)
    return q / np.linalg.norm(q)


def quat_multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a ⊗ b of (x, y, z, w) quaternions (a: one, b: many): b first, then a."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    return np.column_stack(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def orientation(georef: Georef, frame: SiteFrame, centre: np.ndarray) -> tuple[np.ndarray, float]:
    """Rotation (3×3) and scale of the source → site-ENU map at ``centre`` (source coordinates)."""
    if georef.anchor is None and georef.zone.kind == "geographic":
        raise TilingError(
            "Gaussian splats need metric coordinates: a projected CRS (e.g. EPSG:5899) or a local frame "
            "with --anchor, not longitude/latitude degrees."
        )
    step = 1.0
    pts = np.asarray(centre, float) + np.vstack([np.zeros(3), np.eye(3) * step])
    enu = frame.to_enu(georef.to_ecef(pts))
    jac = (enu[1:] - enu[0]).T / step  # column i: how source axis i moves in ENU
    u, sv, vt = np.linalg.svd(jac)
    rot = u @ vt
    if np.linalg.det(rot) < 0:
        raise TilingError("The splats' coordinate frame is mirrored (left-handed); it cannot be placed.")
    return rot, float(np.mean(sv))


def tile_splats(
    src: SplatSource,
    georef: Georef,
    out: Path,
    work: Path,
    *,
    params: OctreeParams | None = None,
    progress: Progress | None = None,
    compress: bool = True,
) -> SplatResult:
    """Tile a splat file into ``out`` (tileset.json + tiles/*.glb); ``work`` holds temp files."""
    params = params or OctreeParams()
    prog: Progress = progress or (lambda f, s: None)
    work.mkdir(parents=True, exist_ok=True)
    (out / "tiles").mkdir(parents=True, exist_ok=True)
    raw = work / "splats.bin"
    total = Summary()
    frame: SiteFrame | None = None
    turn = np.zeros(4)
    log_scale = 0.0
    with open(raw, "wb") as fh:
        for ch in src.chunks(params.chunk):
            if not len(ch):
                continue
            if not np.all(np.isfinite(ch.positions)):
                raise TilingError(f"{src.path.name}: some splats have non-numeric or infinite positions.")
            if frame is None:
                lo, hi = ch.positions.min(axis=0), ch.positions.max(axis=0)
                georef.check(lo, hi, what=f"scan {src.path.name}")
                frame = frame_for(georef, ch.positions)
                rot, scale = orientation(georef, frame, (lo + hi) / 2)
                turn, log_scale = quat_from_matrix(ENU_TO_GLTF @ rot), math.log(scale)
            recs, part = _records(ch, georef, frame, turn, log_scale)
            recs.tofile(fh)
            total.add(part)
            prog(0.4 * min(1.0, total.n / max(src.count or total.n, 1)), "reading splats")
    if frame is None or total.n == 0:
        raise TilingError(f"{src.path.name} contains no splats.")
    georef.check(total.slo, total.shi, what=f"scan {src.path.name}")
    writer = SplatTileWriter(out, compress)
    builder = OctreeBuilder(
        raw,
        total.n,
        total.lo,
        total.hi,
        work,
        writer,
        params,
        lambda f: prog(0.4 + 0.55 * f, "building octree"),
        dtype=SPLAT_REC,
    )
    root = builder.build()
    raw.unlink()
    tileset, tiles = octree_tileset(
        root,
        builder.spacing,
        frame,
        total.lo,
        total.hi,
        {"kind": "splat", "splats": total.n},
        generator="heritage-map tiling (Gaussian splats)",
    )
    used = splat_extensions(compress)
    # CesiumJS draws a tileset's glb as splats only when the tileset says they require these
    tileset["extensionsUsed"] = ["3DTILES_content_gltf"]
    tileset["extensions"] = {"3DTILES_content_gltf": {"extensionsUsed": used, "extensionsRequired": used}}
    path = out / "tileset.json"
    write_tileset(path, tileset)
    warnings = []
    if src.dropped_sh:
        warnings.append(
            "View-dependent colour (spherical harmonics of degree ≥ 1) was dropped; the splats keep their base colour."
        )
    return SplatResult(total.n, tiles, frame, total.lo, total.hi, path, math.exp(log_scale), warnings)


def _records(ch: Splats, georef: Georef, frame: SiteFrame, turn: np.ndarray, log_scale: float):
    enu = frame.to_enu(georef.to_ecef(ch.positions))
    recs = np.zeros(len(ch), SPLAT_REC)
    recs["x"], recs["y"], recs["z"] = enu[:, 0], enu[:, 1], enu[:, 2]
    recs["q"] = quat_multiply(turn, np.asarray(ch.rotations, np.float64))
    recs["s"] = np.asarray(ch.log_scales, np.float64) + log_scale
    recs["a"] = ch.opacity_logits
    recs["dc"] = ch.colors_dc
    part = Summary(len(ch), enu.min(axis=0), enu.max(axis=0), ch.positions.min(axis=0), ch.positions.max(axis=0))
    return recs, part
