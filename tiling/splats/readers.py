"""Gaussian-splat readers: 3DGS ``.ply``, antimatter15 ``.splat`` and Niantic ``.spz``.

Every reader yields :class:`~.spz.Splats` chunks in the file's own axes, with the 3DGS
conventions (log scales, logit opacities, DC colour coefficients, unit quaternions x, y, z, w),
so the tiler treats the three formats alike:

* 3DGS ``.ply``: vertices with ``x y z``, ``f_dc_0..2``, ``opacity``, ``scale_0..2`` and
  ``rot_0..3`` (w first) — these properties are what tells it from a point-cloud PLY;
* ``.splat``: 32 bytes a splat — position and linear scale as float32, RGBA (colour and
  opacity, 8 bit each) and the quaternion w, x, y, z as bytes (``q · 128 + 128``);
* ``.spz``: decoded by :mod:`.spz`; SPZ keeps its own axes (right-up-back), which are turned
  back into those of the 3DGS ``.ply`` the file was made from (y and z negated), so a ``.ply``
  and its ``.spz`` land in the same place.

Higher spherical harmonics (view-dependent colour) are read but not kept: turning them with
the scan's orientation is not implemented, and a warning says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import plyio
from ..errors import TilingError
from . import spz
from .spz import Splats

SH_C0 = 0.28209479177387814  # degree-0 spherical harmonic: colour = 0.5 + SH_C0 · dc
SPLAT_PROPS = ("f_dc_0", "opacity", "scale_0", "rot_0")
SPLAT_EXTENSIONS = (".splat", ".spz")


def is_splat_ply(header: plyio.PlyHeader) -> bool:
    """A 3DGS PLY: its vertices carry opacity, scales, rotations and DC colour."""
    v = header.element("vertex")
    names = {n for n, _ in v.props} if v else set()
    return header.face_count == 0 and set(SPLAT_PROPS) <= names


class SplatSource:
    """A Gaussian-splat file, read in chunks of :class:`Splats`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dropped_sh = False
        ext = path.suffix.lower()
        if ext == ".ply":
            self.header = plyio.read_header(path)
            if not is_splat_ply(self.header):
                raise TilingError(f"{path.name} is not a 3DGS PLY (no f_dc_*, opacity, scale_*, rot_* properties).")
            v = self.header.element("vertex")
            assert v is not None
            names = [n for n, _ in v.props]
            need = ["x", "y", "z", "f_dc_1", "f_dc_2", "scale_1", "scale_2", "rot_1", "rot_2", "rot_3"]
            missing = [n for n in need if n not in names]
            if missing:
                raise TilingError(f"{path.name}: the 3DGS PLY lacks the properties {', '.join(missing)}.")
            self.count = v.count
            self.dropped_sh = any(n.startswith("f_rest_") for n in names)
        elif ext == ".splat":
            size = path.stat().st_size
            if size % 32:
                raise TilingError(f"{path.name} is not a .splat file: its size is not a multiple of 32 bytes.")
            self.count = size // 32
        elif ext == ".spz":
            self.count = None  # known once decoded
        else:
            raise TilingError(f"{path.name}: unsupported Gaussian-splat format {ext!r}; use .ply, .splat or .spz.")
        if self.count == 0:
            raise TilingError(f"{path.name} contains no splats.")

    def chunks(self, size: int) -> Iterator[Splats]:
        ext = self.path.suffix.lower()
        if ext == ".ply":
            for a in plyio.iter_vertices(self.path, self.header, size):
                yield _from_ply(a)
        elif ext == ".splat":
            rec = np.dtype([("p", "<f4", 3), ("s", "<f4", 3), ("c", "u1", 4), ("r", "u1", 4)])
            mm = np.memmap(self.path, dtype=rec, mode="r")
            for s in range(0, len(mm), size):
                yield _from_splat(np.array(mm[s : s + size]))
        else:
            yield from self._spz_chunks(size)

    def _spz_chunks(self, size: int) -> Iterator[Splats]:
        try:
            whole = spz.decode(self.path.read_bytes())
        except (OSError, ValueError, EOFError) as exc:
            raise TilingError(f"{self.path.name} cannot be read as SPZ: {exc}.") from None
        self.count = len(whole)
        self.dropped_sh = whole.sh is not None
        flip = np.array([1.0, -1.0, -1.0])  # SPZ's right-up-back → the 3DGS PLY's right-down-front
        for s in range(0, len(whole), size):
            sl = slice(s, s + size)
            q = whole.rotations[sl] * np.array([1.0, -1.0, -1.0, 1.0])
            yield Splats(
                whole.positions[sl] * flip, q, whole.log_scales[sl], whole.opacity_logits[sl], whole.colors_dc[sl]
            )


def _from_ply(a: np.ndarray) -> Splats:
    col = lambda *names: np.column_stack([a[n] for n in names]).astype(np.float64)  # noqa: E731
    q = col("rot_1", "rot_2", "rot_3", "rot_0")  # PLY stores w first
    return Splats(
        col("x", "y", "z"),
        q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12),
        col("scale_0", "scale_1", "scale_2"),
        np.asarray(a["opacity"], np.float64),
        col("f_dc_0", "f_dc_1", "f_dc_2"),
    )


def _from_splat(r: np.ndarray) -> Splats:
    rgba = r["c"].astype(np.float64) / 255.0
    wxyz = (r["r"].astype(np.float64) - 128.0) / 128.0
    q = wxyz[:, [1, 2, 3, 0]]
    return Splats(
        r["p"].astype(np.float64),
        q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12),
        np.log(np.maximum(r["s"].astype(np.float64), 1e-12)),
        spz.logit(rgba[:, 3]),
        (rgba[:, :3] - 0.5) / SH_C0,
    )


PLY_PROPS = ("x y z nx ny nz f_dc_0 f_dc_1 f_dc_2 opacity scale_0 scale_1 scale_2 rot_0 rot_1 rot_2 rot_3").split()


def write_ply(path: Path, s: Splats) -> None:
    """Write splats as a binary 3DGS PLY (float32 properties, quaternion w first, zero normals)."""
    arr = np.zeros(len(s), np.dtype([(k, "<f4") for k in PLY_PROPS]))
    arr["x"], arr["y"], arr["z"] = np.asarray(s.positions).T
    arr["f_dc_0"], arr["f_dc_1"], arr["f_dc_2"] = np.asarray(s.colors_dc).T
    arr["opacity"] = s.opacity_logits
    arr["scale_0"], arr["scale_1"], arr["scale_2"] = np.asarray(s.log_scales).T
    q = np.asarray(s.rotations)
    arr["rot_0"], arr["rot_1"], arr["rot_2"], arr["rot_3"] = q[:, 3], q[:, 0], q[:, 1], q[:, 2]
    head = f"ply\nformat binary_little_endian 1.0\nelement vertex {len(s)}\n"
    head += "".join(f"property float {k}\n" for k in PLY_PROPS) + "end_header\n"
    Path(path).write_bytes(head.encode() + arr.tobytes())
