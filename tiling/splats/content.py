"""Gaussian-splat tile content: one glb POINTS primitive with ``KHR_gaussian_splatting``.

Compressed (the default), the splats are one SPZ version-2 blob named by
``KHR_gaussian_splatting_compression_spz_2``, the accessors carrying only counts and types
(and the POSITION bounds), as the pinned CesiumJS 1.145 reads them — the only form it draws
as splats.  Uncompressed (``--no-compress``), the attributes are plain accessors (POSITION,
rotation, scale, opacity, DC colour, and COLOR_0 for viewers that fall back to points;
CesiumJS 1.145 does: it draws them as points).

Attribute names: the released extension spells them ``KHR_gaussian_splatting:SCALE`` etc., but
gltf-validator 2.0.0-dev.3.10 (the newest) rejects a name with a colon, so we use the draft's
application-specific names ``_SCALE``, ``_ROTATION``, ``_OPACITY``, ``_SH_DEGREE_0_COEF_0``,
which CesiumJS 1.145 reads as the same semantics (VertexAttributeSemantic maps both spellings).

The node carries the tile centre as a ``matrix`` (CesiumJS's splat path reads the node matrix,
not translation); records are site ENU positions with quaternions already in glTF axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..gltf import ARRAY_BUFFER, MODE_POINTS, Builder, enu_to_gltf, pack_glb
from . import spz
from .spz import Splats

# One splat in the work file: ENU position, quaternion (x, y, z, w) in glTF axes, log scales
# (metres), opacity logit, DC colour coefficients. 56 bytes.
SPLAT_REC = np.dtype(
    [("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("q", "<f4", 4), ("s", "<f4", 3), ("a", "<f4"), ("dc", "<f4", 3)]
)
GS = "KHR_gaussian_splatting"
SPZ = "KHR_gaussian_splatting_compression_spz_2"
SH_C0 = 0.28209479177387814
GS_INFO = {"kernel": "ellipse", "colorSpace": "srgb_rec709_display"}


def splat_extensions(compress: bool) -> list[str]:
    """glTF extensions every tile uses (and requires): the tileset declares them too."""
    return [GS, SPZ] if compress else [GS]


@dataclass(frozen=True)
class SplatTileWriter:
    """Writes a node's splat records as ``tiles/<name>.glb`` under ``out`` (picklable)."""

    out: Path
    compress: bool = True

    def __call__(self, name: str, recs: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        p = np.column_stack([recs["x"], recs["y"], recs["z"]]).astype(np.float64)
        lo, hi = p.min(axis=0), p.max(axis=0)
        g = enu_to_gltf(p)
        centre = (g.min(axis=0) + g.max(axis=0)) / 2
        local = g - centre
        data = build_splat_glb(local, recs, centre, compress=self.compress)
        (self.out / "tiles" / f"{name}.glb").write_bytes(data)
        return lo, hi, len(data)


def _colors(recs: np.ndarray) -> np.ndarray:
    rgb = np.clip((0.5 + SH_C0 * recs["dc"].astype(np.float64)) * 255.0, 0, 255)
    alpha = spz.sigmoid(recs["a"]) * 255.0
    return np.rint(np.column_stack([rgb, alpha])).astype(np.uint8)


def build_splat_glb(local: np.ndarray, recs: np.ndarray, centre: np.ndarray, *, compress: bool) -> bytes:
    """A splat glb: positions relative to ``centre`` (glTF axes), attributes from the records."""
    n = len(recs)
    b = Builder()
    pos32 = local.astype(np.float32)
    accessors: list[dict[str, Any]]
    if compress:
        blob = spz.encode(
            Splats(local, recs["q"], recs["s"], recs["a"], recs["dc"]),
        )
        view = b.view(blob)
        # what the accessors describe is the decoded data: no bufferView of their own
        accessors = [
            {
                "componentType": 5126,
                "count": n,
                "type": "VEC3",
                "min": [float(v) for v in pos32.min(axis=0)],
                "max": [float(v) for v in pos32.max(axis=0)],
            },
            {"componentType": 5121, "count": n, "type": "VEC4", "normalized": True},
            {"componentType": 5126, "count": n, "type": "VEC3"},
            {"componentType": 5126, "count": n, "type": "VEC4"},
        ]
        b.accessors.extend(accessors)
        attributes = {"POSITION": 0, "COLOR_0": 1, "_SCALE": 2, "_ROTATION": 3}
        ext: dict[str, Any] = {GS: {**GS_INFO, "extensions": {SPZ: {"bufferView": view}}}}
    else:
        attributes = {
            "POSITION": b.accessor(pos32, target=ARRAY_BUFFER, minmax=True),
            "COLOR_0": b.accessor(_colors(recs), target=ARRAY_BUFFER, normalized=True),
            "_ROTATION": b.accessor(_unit(recs["q"]), target=ARRAY_BUFFER),
            "_SCALE": b.accessor(np.exp(recs["s"]).astype(np.float32), target=ARRAY_BUFFER),
            "_OPACITY": b.accessor(spz.sigmoid(recs["a"]).astype(np.float32), target=ARRAY_BUFFER),
            "_SH_DEGREE_0_COEF_0": b.accessor(recs["dc"].astype(np.float32), target=ARRAY_BUFFER),
        }
        ext = {GS: dict(GS_INFO)}
    matrix = [1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, *(float(c) for c in centre), 1.0]
    used = splat_extensions(compress)
    doc: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "heritage-map tiling (splats)"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "matrix": matrix}],
        "meshes": [{"primitives": [{"attributes": attributes, "mode": MODE_POINTS, "extensions": ext}]}],
        "accessors": b.accessors,
        "bufferViews": b.views,
        "buffers": [{"byteLength": 0}],
        "extensionsUsed": used,
        "extensionsRequired": used,
    }
    return pack_glb(doc, b.binary())


def _unit(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, np.float64)
    return (q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)).astype(np.float32)
