"""Small GLB reader used to check what we wrote (tests, benchmarks, position audits).

It decodes plain and meshopt-compressed accessors (EXT_meshopt_compression: any byteStride,
normalized integers), node translations and scales (KHR_mesh_quantization);
Draco-compressed primitives are not decoded (their POSITION accessor still carries min/max,
which :func:`position_bounds` returns).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .gltf import gltf_to_enu

_DTYPE = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_NCOMP = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


@dataclass
class Glb:
    """Parsed GLB: JSON document and binary chunk."""

    doc: dict[str, Any]
    bin: bytes

    def view_bytes(self, index: int) -> tuple[bytes, int]:
        """The (decoded) bytes of a bufferView and where the view starts in them."""
        view = self.doc["bufferViews"][index]
        mo = view.get("extensions", {}).get("EXT_meshopt_compression")
        if mo is None:
            return self.bin, view.get("byteOffset", 0)
        import meshopt

        start = mo.get("byteOffset", 0)
        data = self.bin[start : start + mo["byteLength"]]
        rows = meshopt.decode_gltf_buffer(data, mo["count"], mo["byteStride"], mo["mode"], mo.get("filter"))
        return rows.tobytes(), 0

    def accessor(self, index: int) -> np.ndarray:
        """Return accessor data as an (count, ncomp) or (count,) array (no normalisation)."""
        acc = self.doc["accessors"][index]
        dt = np.dtype(_DTYPE[acc["componentType"]])
        n = _NCOMP[acc["type"]]
        count = acc["count"]
        view = self.doc["bufferViews"][acc["bufferView"]]
        data, view_start = self.view_bytes(acc["bufferView"])
        start = view_start + acc.get("byteOffset", 0)
        elem = dt.itemsize * n
        stride = view.get("byteStride", elem)
        raw = np.frombuffer(data, np.uint8, count=(count - 1) * stride + elem if count else 0, offset=start)
        if stride == elem:
            out = raw.view(dt)
        else:
            idx = (np.arange(count)[:, None] * stride + np.arange(elem)[None, :]).ravel()
            out = raw[idx].view(dt)
        return out.reshape(count, n) if n > 1 else out.reshape(count)

    def _node(self) -> dict[str, Any]:
        scene = self.doc["scenes"][self.doc.get("scene", 0)]
        return self.doc["nodes"][scene["nodes"][0]]

    def node_translation(self) -> np.ndarray:
        """Translation of the first node of the default scene (our tiles have exactly one)."""
        node = self._node()
        if "matrix" in node:
            return np.array(node["matrix"][12:15], float)
        return np.array(node.get("translation", [0.0, 0.0, 0.0]), float)

    def node_scale(self) -> np.ndarray:
        """Scale of that node (quantised positions are lattice steps times this)."""
        return np.array(self._node().get("scale", [1.0, 1.0, 1.0]), float)


def read_glb(path: Path | str) -> Glb:
    """Parse a GLB file (raises ValueError on a malformed header)."""
    data = Path(path).read_bytes()
    magic, version, length = struct.unpack_from("<III", data, 0)
    if magic != 0x46546C67 or version != 2 or length != len(data):
        raise ValueError(f"{path}: not a glTF 2.0 binary file")
    jlen, jtype = struct.unpack_from("<II", data, 12)
    if jtype != 0x4E4F534A:
        raise ValueError(f"{path}: first chunk is not JSON")
    doc = json.loads(data[20 : 20 + jlen])
    binary = b""
    off = 20 + jlen
    if off + 8 <= len(data):
        blen, _btype = struct.unpack_from("<II", data, off)
        binary = data[off + 8 : off + 8 + blen]
    return Glb(doc, binary)


def primitives_enu(path: Path | str) -> list[dict[str, np.ndarray]]:
    """Decode every primitive to tile-frame ENU float64 positions plus its other attributes.

    The node translation is added and the glTF Y-up axes are turned back into ENU, so
    the result only needs the tile transforms to reach ECEF.
    """
    g = read_glb(path)
    t, s = g.node_translation(), g.node_scale()
    out = []
    for prim in g.doc["meshes"][0]["primitives"]:
        if "extensions" in prim and "KHR_draco_mesh_compression" in prim["extensions"]:
            raise ValueError(f"{path}: Draco-compressed; tile with compress=False to decode")
        rec: dict[str, np.ndarray] = {}
        for name, ai in prim["attributes"].items():
            rec[name] = g.accessor(ai)
        rec["POSITION"] = gltf_to_enu(rec["POSITION"].astype(np.float64) * s + t)
        if "indices" in prim:
            rec["indices"] = g.accessor(prim["indices"]).reshape(-1, 3)
        out.append(rec)
    return out


def position_bounds(path: Path | str) -> tuple[np.ndarray, np.ndarray]:
    """ENU (min, max) of all POSITION accessors, from accessor min/max (works for Draco too)."""
    g = read_glb(path)
    t, s = g.node_translation(), g.node_scale()
    lo, hi = [], []
    for prim in g.doc["meshes"][0]["primitives"]:
        acc = g.doc["accessors"][prim["attributes"]["POSITION"]]
        a = gltf_to_enu(np.array([acc["min"], acc["max"]], float) * s + t)
        lo.append(a.min(axis=0))
        hi.append(a.max(axis=0))
    return np.min(lo, axis=0), np.max(hi, axis=0)
