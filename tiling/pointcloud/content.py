"""Point tile content: glTF 2.0 POINTS primitives (3D Tiles 1.1), plus the record layout.

Each tile is one GLB with ``POSITION``, ``COLOR_0`` (VEC4 normalized UNSIGNED_BYTE), and
intensity and classification as ``_INTENSITY``/``_CLASSIFICATION`` attributes described by
EXT_structural_metadata property attributes (how 3D Tiles 1.1 keeps per-point properties;
CesiumJS can style on them).

Uncompressed, positions are float32 offsets from the tile centre (the node translation).
Compressed (the default), the points are put in spatial order and every attribute is
meshopt-encoded (EXT_meshopt_compression; CesiumJS decodes it, Draco does not cover points
there); positions become uint16 lattice steps of at most 1 mm with the node's scale
(KHR_mesh_quantization) when the tile is small enough, else float32 rounded to 1/1024 m so
that their low bits compress. Either way a position moves by at most 0.5 mm.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..gltf import MODE_POINTS, Primitive, write_glb

# One point in the temporary working file: ENU metres (float32, relative to the site
# origin: 0.5 mm steps at 8 km), colour, intensity, classification. 20 bytes.
REC = np.dtype(
    [("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("rgba", "u1", (4,)), ("i", "<u2"), ("c", "u1"), ("pad", "u1")]
)
MAX_STEP = 0.001  # metres: the coarsest uint16 lattice step used for compressed positions
FLOAT_GRID = 1024.0  # compressed float positions are rounded to 1/1024 m


def take(recs: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``recs[index]`` (integer indices or a boolean mask) for any structured record array.

    Gathered as opaque bytes: numpy copies a structured array field by field, 5–10× slower than
    copying whole records, and the octree moves every record several times."""
    recs = np.ascontiguousarray(recs)
    raw = recs.view(np.dtype((np.void, recs.dtype.itemsize)))
    index = np.asarray(index)
    out = raw[index] if index.dtype == bool else np.take(raw, index)
    return out.view(recs.dtype)


def column_bounds(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) of each 1-D column, as float64 vectors.

    Not ``a.min(axis=0)`` on an (n, 3) array: numpy reduces that three values at a time
    (an FP-status check per row), about 20× slower than one pass per column."""
    return (
        np.array([c.min() for c in columns], np.float64),
        np.array([c.max() for c in columns], np.float64),
    )


def positions(recs: np.ndarray) -> np.ndarray:
    """(n, 3) float64 ENU positions of records."""
    out = np.empty((len(recs), 3), np.float64)
    out[:, 0], out[:, 1], out[:, 2] = recs["x"], recs["y"], recs["z"]
    return out


def _spatial_order(p: np.ndarray) -> np.ndarray:
    import meshopt

    return meshopt.reorder_points(p.astype(np.float32, copy=False))


@dataclass(frozen=True)
class PointTileWriter:
    """Writes a node's records as ``tiles/<name>.glb`` under ``out``; picklable for worker processes."""

    out: Path
    rgb: bool
    intensity: bool
    classification: bool
    compress: bool = True

    def __call__(self, name: str, recs: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        return write_points_glb(
            self.out / "tiles" / f"{name}.glb",
            recs,
            rgb=self.rgb,
            intensity=self.intensity,
            classification=self.classification,
            compress=self.compress,
        )


def write_points_glb(
    path: Path,
    recs: np.ndarray,
    *,
    rgb: bool,
    intensity: bool,
    classification: bool,
    compress: bool = False,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Write records as a POINTS glb; returns ENU (min, max) of the points and the byte size."""
    x, y, z = recs["x"], recs["y"], recs["z"]
    lo, hi = column_bounds(x, y, z)  # float32 values, exact in float64
    glo, ghi = np.array([lo[0], lo[2], -hi[1]]), np.array([hi[0], hi[2], -lo[1]])  # glTF axes (e, u, -n)
    if compress and len(recs) > 1:
        p32 = np.empty((len(recs), 3), np.float32)
        p32[:, 0], p32[:, 1], p32[:, 2] = x, z, y
        np.negative(p32[:, 2], out=p32[:, 2])
        recs = take(recs, _spatial_order(p32))
    g = np.empty((len(recs), 3), np.float64)
    g[:, 0], g[:, 1], g[:, 2] = recs["x"], recs["z"], recs["y"]
    np.negative(g[:, 2], out=g[:, 2])
    scale = None
    if compress and np.max(ghi - glo) / 65535 <= MAX_STEP:
        step = np.maximum(ghi - glo, 1e-6) / 65535
        local = np.rint((g - glo) / step).astype(np.uint16)
        origin, scale = glo, tuple(float(s) for s in step)
    else:
        origin = (glo + ghi) / 2
        # float32 offsets from the tile centre: sub-millimetre for any tile we make
        local = (g - origin).astype(np.float32)
        if compress:
            local = np.rint(local * FLOAT_GRID) / FLOAT_GRID
    attrs: dict[str, np.ndarray] = {}
    props: dict[str, tuple[str, str]] = {}
    if intensity:
        attrs["_INTENSITY"] = np.ascontiguousarray(recs["i"])
        props["intensity"] = ("_INTENSITY", "UINT16")
    if classification:
        attrs["_CLASSIFICATION"] = np.ascontiguousarray(recs["c"])
        props["classification"] = ("_CLASSIFICATION", "UINT8")
    prim = Primitive(
        positions=local,
        mode=MODE_POINTS,
        colors=np.ascontiguousarray(recs["rgba"]) if rgb else None,
        attributes=attrs,
        properties=props,
    )
    translation = (float(origin[0]), float(origin[1]), float(origin[2]))
    size = write_glb(path, [prim], translation, scale=scale, compress=compress)
    return lo, hi, size
