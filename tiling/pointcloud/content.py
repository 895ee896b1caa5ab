"""Point tile content: glTF 2.0 POINTS primitives (3D Tiles 1.1), plus the record layout.

Each tile is one GLB with ``POSITION`` (float32, relative to the tile centre carried by
the node translation), ``COLOR_0`` (VEC4 normalized UNSIGNED_BYTE), and intensity and
classification as ``_INTENSITY``/``_CLASSIFICATION`` attributes described by
EXT_structural_metadata property attributes (how 3D Tiles 1.1 keeps per-point
properties; CesiumJS can style on them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..gltf import MODE_POINTS, Primitive, enu_to_gltf, write_glb

# One point in the temporary working file: ENU metres (float32, relative to the site
# origin: 0.5 mm steps at 8 km), colour, intensity, classification. 20 bytes.
REC = np.dtype(
    [("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("rgba", "u1", (4,)), ("i", "<u2"), ("c", "u1"), ("pad", "u1")]
)


def positions(recs: np.ndarray) -> np.ndarray:
    """(n, 3) float64 ENU positions of records."""
    return np.column_stack([recs["x"], recs["y"], recs["z"]]).astype(np.float64)


def write_points_glb(
    path: Path,
    recs: np.ndarray,
    *,
    rgb: bool,
    intensity: bool,
    classification: bool,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Write records as a POINTS glb; returns ENU (min, max) of the points and the byte size."""
    p = positions(recs)
    lo, hi = p.min(axis=0), p.max(axis=0)
    center = (lo + hi) / 2
    # float32 offsets from the tile centre: sub-millimetre for any tile we make
    local = enu_to_gltf(p - center).astype(np.float32)
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
    t = enu_to_gltf(center.reshape(1, 3))[0]
    size = write_glb(path, [prim], (float(t[0]), float(t[1]), float(t[2])))
    return lo, hi, size
