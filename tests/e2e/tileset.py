"""A tiny valid 3D Tiles 1.1 tileset for the browser tests: one tile whose content is a box (.glb).

The glb is written by hand (glTF 2.0: positions, flat normals, indices, one PBR material) so the
tests need no mesh library. The root transform is the ENU→ECEF matrix at the given point, so the
box (modelled in metres, glTF Y-up) stands on the WGS 84 ellipsoid there.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

WGS84_A = 6378137.0
WGS84_E2 = 6.69437999014e-3


def enu_to_ecef(lon_deg: float, lat_deg: float, h: float) -> list[float]:
    """Column-major 4×4 matrix (as 3D Tiles wants it)."""
    lon, lat = math.radians(lon_deg), math.radians(lat_deg)
    sl, cl, sp, cp = math.sin(lon), math.cos(lon), math.sin(lat), math.cos(lat)
    n = WGS84_A / math.sqrt(1 - WGS84_E2 * sp * sp)
    origin = [(n + h) * cp * cl, (n + h) * cp * sl, (n * (1 - WGS84_E2) + h) * sp]
    east, north, up = [-sl, cl, 0.0], [-sp * cl, -sp * sl, cp], [cp * cl, cp * sl, sp]
    return [*east, 0.0, *north, 0.0, *up, 0.0, *origin, 1.0]


def box_glb(width: float, height: float) -> bytes:
    """A box width × height × width, base on y = 0, 4 vertices per face (flat shading)."""
    w, t = width / 2, height
    faces = [  # (normal, 4 corners counter-clockwise seen from outside)
        ((1, 0, 0), [(w, 0, w), (w, 0, -w), (w, t, -w), (w, t, w)]),
        ((-1, 0, 0), [(-w, 0, -w), (-w, 0, w), (-w, t, w), (-w, t, -w)]),
        ((0, 1, 0), [(-w, t, w), (w, t, w), (w, t, -w), (-w, t, -w)]),
        ((0, -1, 0), [(-w, 0, -w), (w, 0, -w), (w, 0, w), (-w, 0, w)]),
        ((0, 0, 1), [(-w, 0, w), (w, 0, w), (w, t, w), (-w, t, w)]),
        ((0, 0, -1), [(w, 0, -w), (-w, 0, -w), (-w, t, -w), (w, t, -w)]),
    ]
    positions, normals, indices = [], [], []
    for normal, corners in faces:
        base = len(positions)
        positions += corners
        normals += [normal] * 4
        indices += [base, base + 1, base + 2, base, base + 2, base + 3]
    pos_bytes = b"".join(struct.pack("<3f", *p) for p in positions)
    nor_bytes = b"".join(struct.pack("<3f", *n) for n in normals)
    idx_bytes = b"".join(struct.pack("<H", i) for i in indices)
    idx_bytes += b"\0" * (-len(idx_bytes) % 4)
    binary = pos_bytes + nor_bytes + idx_bytes
    gltf = {
        "asset": {"version": "2.0", "generator": "heritage e2e tests"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "NORMAL": 1}, "indices": 2, "material": 0}]}],
        "materials": [
            {
                "pbrMetallicRoughness": {
                    "baseColorFactor": [0.86, 0.16, 0.16, 1.0],
                    "metallicFactor": 0.0,
                    "roughnessFactor": 1.0,
                }
            }
        ],
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": len(pos_bytes), "target": 34962},
            {"buffer": 0, "byteOffset": len(pos_bytes), "byteLength": len(nor_bytes), "target": 34962},
            {
                "buffer": 0,
                "byteOffset": len(pos_bytes) + len(nor_bytes),
                "byteLength": 2 * len(indices),
                "target": 34963,
            },
        ],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": len(positions),
                "type": "VEC3",
                "min": [-w, 0.0, -w],
                "max": [w, t, w],
            },
            {"bufferView": 1, "componentType": 5126, "count": len(normals), "type": "VEC3"},
            {"bufferView": 2, "componentType": 5123, "count": len(indices), "type": "SCALAR"},
        ],
    }
    text = json.dumps(gltf, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    chunks = struct.pack("<II", len(text), 0x4E4F534A) + text + struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<III", 0x46546C67, 2, 12 + len(chunks)) + chunks


def write_box_tileset(out: Path, lon: float, lat: float, size: float = 300.0, height: float = 10.0) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    tall = size / 2
    (out / "box.glb").write_bytes(box_glb(size, tall))
    tileset = {
        "asset": {"version": "1.1", "generator": "heritage e2e tests"},
        "geometricError": size,
        "root": {
            "transform": enu_to_ecef(lon, lat, height),
            # in the tile's local ENU frame (z up): centre + three half-axes
            "boundingVolume": {"box": [0, 0, tall / 2, size / 2, 0, 0, 0, size / 2, 0, 0, 0, tall / 2]},
            "geometricError": 0,
            "refine": "ADD",
            "content": {"uri": "box.glb"},
        },
    }
    path = out / "tileset.json"
    path.write_text(json.dumps(tileset, indent=1), encoding="utf-8")
    return path
