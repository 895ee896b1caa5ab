"""Minimal, spec-clean GLB (glTF 2.0 binary) writer for tile content.

We write our own instead of going through trimesh's exporter because tile content
must satisfy a few rules that general exporters get wrong (see the notes, §3/§4):

* every vertex attribute element is 4-byte aligned (uint8/uint16 attributes are
  written with a byteStride of 4), every bufferView starts on a 4-byte boundary;
* ``COLOR_0`` is VEC4 ``UNSIGNED_BYTE`` with ``normalized: true``;
* ``bufferView.target`` is set, ``POSITION`` carries min/max;
* positions are float32 relative to the node translation (float64 in JSON), so
  precision does not depend on how far the tile is from the tileset origin; or, quantised,
  uint16 lattice steps with the node's scale (KHR_mesh_quantization);
* with ``compress``, every vertex attribute bufferView is encoded with meshoptimizer
  (EXT_meshopt_compression, required): the data lives in the GLB buffer, and a second,
  data-less "fallback" buffer gives the decoded views their place, as the extension says.

Axis convention: glTF is Y-up and 3D Tiles applies a Y-up→Z-up rotation to glTF
content, so callers convert local ENU (east, north, up) with :func:`enu_to_gltf`
which gives ``(e, u, -n)``.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
_COMPONENT = {
    np.dtype(np.int8): 5120,
    np.dtype(np.uint8): 5121,
    np.dtype(np.int16): 5122,
    np.dtype(np.uint16): 5123,
    np.dtype(np.uint32): 5125,
    np.dtype(np.float32): 5126,
}
_TYPE = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4"}
MODE_POINTS = 0
MODE_TRIANGLES = 4


def enu_to_gltf(enu: np.ndarray) -> np.ndarray:
    """Local ENU (z-up) → glTF (y-up): (e, n, u) → (e, u, -n)."""
    out = np.empty_like(enu)
    out[:, 0] = enu[:, 0]
    out[:, 1] = enu[:, 2]
    out[:, 2] = -enu[:, 1]
    return out


def gltf_to_enu(p: np.ndarray) -> np.ndarray:
    """Inverse of :func:`enu_to_gltf`: (x, y, z) → (x, -z, y)."""
    out = np.empty_like(p)
    out[:, 0] = p[:, 0]
    out[:, 1] = -p[:, 2]
    out[:, 2] = p[:, 1]
    return out


@dataclass
class Texture:
    """An encoded image (JPEG or PNG bytes) used as base colour texture."""

    data: bytes
    mime: str  # "image/jpeg" | "image/png"
    repeat: bool = False  # UVs outside 0..1 need REPEAT; cropped tile textures CLAMP_TO_EDGE


@dataclass
class Material:
    """PBR metallic-roughness material; non-metallic and rough, as scans are."""

    base_color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    texture: Texture | None = None
    # Photogrammetric textures already contain the lighting: render them unlit.
    unlit: bool = False
    double_sided: bool = True
    name: str | None = None


@dataclass
class Primitive:
    """One draw call: points (indices None, mode POINTS) or indexed triangles."""

    positions: np.ndarray  # (n, 3) float32, glTF axes, relative to the node translation
    indices: np.ndarray | None = None  # (m, 3) integer or None
    normals: np.ndarray | None = None  # (n, 3) float32 unit vectors
    colors: np.ndarray | None = None  # (n, 4) uint8 RGBA
    uvs: np.ndarray | None = None  # (n, 2) float32, glTF convention (origin top-left)
    material: Material | None = None
    mode: int = MODE_TRIANGLES
    # application-specific attributes ("_INTENSITY" → (n,) uint16, ...)
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    # EXT_structural_metadata property attributes: property name → (attribute, componentType)
    properties: dict[str, tuple[str, str]] = field(default_factory=dict)


MESHOPT = "EXT_meshopt_compression"
QUANTIZATION = "KHR_mesh_quantization"


class Builder:
    """Accumulates the binary chunk and the JSON arrays that index into it."""

    def __init__(self, compress: bool = False) -> None:
        self.chunks: list[bytes] = []
        self.offset = 0
        self.views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []
        self.compress = compress
        self.fallback = 0  # bytes of the decoded views (EXT_meshopt_compression's fallback buffer)

    def _append(self, data: bytes) -> int:
        pad = (-self.offset) % 4  # every bufferView starts 4-byte aligned
        if pad:
            self.chunks.append(b"\0" * pad)
            self.offset += pad
        start = self.offset
        self.chunks.append(data)
        self.offset += len(data)
        return start

    def view(self, data: bytes, target: int | None = None, stride: int | None = None) -> int:
        start = self._append(data)
        v: dict[str, Any] = {"buffer": 0, "byteOffset": start, "byteLength": len(data)}
        if stride is not None:
            v["byteStride"] = stride
        if target is not None:
            v["target"] = target
        self.views.append(v)
        return len(self.views) - 1

    def binary(self) -> bytes:
        return b"".join(self.chunks)

    def meshopt_view(self, rows: np.ndarray, target: int) -> int:
        """A vertex bufferView stored meshopt-encoded; decoded, it sits in the fallback buffer."""
        import meshopt  # only needed when compressing

        count, stride = rows.shape
        data = meshopt.encode_gltf_buffer(rows, "ATTRIBUTES")
        start = self._append(data)
        self.fallback += (-self.fallback) % 4
        v: dict[str, Any] = {
            "buffer": 1,
            "byteOffset": self.fallback,
            "byteLength": count * stride,
            "byteStride": stride,
            "target": target,
            "extensions": {
                MESHOPT: {
                    "buffer": 0,
                    "byteOffset": start,
                    "byteLength": len(data),
                    "byteStride": stride,
                    "count": count,
                    "mode": "ATTRIBUTES",
                }
            },
        }
        self.fallback += count * stride
        self.views.append(v)
        return len(self.views) - 1

    def accessor(self, arr: np.ndarray, *, target: int | None, normalized: bool = False, minmax: bool = False) -> int:
        arr = np.ascontiguousarray(arr)
        ncomp = 1 if arr.ndim == 1 else arr.shape[1]
        elem = arr.dtype.itemsize * ncomp
        stride = None
        rows = arr.view(np.uint8).reshape(len(arr), elem)
        if target == ARRAY_BUFFER and elem % 4:
            # vertex attribute elements must be 4-byte aligned: pad each element
            stride = elem + (-elem) % 4
            raw = np.zeros((len(arr), stride), np.uint8)
            raw[:, :elem] = rows
            rows = raw
        if self.compress and target == ARRAY_BUFFER and len(arr):
            view = self.meshopt_view(rows, target)
        else:
            view = self.view(rows.tobytes(), target, stride)
        acc: dict[str, Any] = {
            "bufferView": view,
            "componentType": _COMPONENT[arr.dtype],
            "count": len(arr),
            "type": _TYPE[ncomp],
        }
        if normalized:
            acc["normalized"] = True
        if minmax and len(arr):
            a2 = arr.reshape(len(arr), ncomp)
            # column by column: numpy's axis-0 reduction of an (n, 3) array is ~20× slower
            acc["min"] = [float(a2[:, c].min()) for c in range(ncomp)]
            acc["max"] = [float(a2[:, c].max()) for c in range(ncomp)]
        self.accessors.append(acc)
        return len(self.accessors) - 1


def build_glb(
    primitives: list[Primitive],
    translation: tuple[float, float, float] = (0.0, 0.0, 0.0),
    *,
    schema_id: str = "heritage",
    scale: tuple[float, float, float] | None = None,
    compress: bool = False,
) -> bytes:
    """Encode primitives as one mesh under one node (with a float64 translation, and a scale for
    quantised positions); ``compress``: meshopt-encode the vertex attributes."""
    b = Builder(compress)
    materials: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    textures: list[dict[str, Any]] = []
    mat_index: dict[int, int] = {}
    ext_used: set[str] = set()
    prims: list[dict[str, Any]] = []
    metadata_props: dict[str, dict[str, Any]] = {}
    prop_attrs: list[dict[str, Any]] = []

    for p in primitives:
        pos = np.asarray(p.positions)
        if pos.dtype != np.uint16:  # uint16: lattice steps, scaled by the node (KHR_mesh_quantization)
            pos = pos.astype(np.float32, copy=False)
        else:
            ext_used.add(QUANTIZATION)
        attrs = {"POSITION": b.accessor(pos, target=ARRAY_BUFFER, minmax=True)}
        if p.normals is not None:
            attrs["NORMAL"] = b.accessor(np.asarray(p.normals, np.float32), target=ARRAY_BUFFER)
        if p.uvs is not None:
            attrs["TEXCOORD_0"] = b.accessor(np.asarray(p.uvs, np.float32), target=ARRAY_BUFFER)
        if p.colors is not None:
            attrs["COLOR_0"] = b.accessor(np.asarray(p.colors, np.uint8), target=ARRAY_BUFFER, normalized=True)
        for name, arr in p.attributes.items():
            attrs[name] = b.accessor(np.asarray(arr), target=ARRAY_BUFFER)
        prim: dict[str, Any] = {"attributes": attrs, "mode": p.mode}
        if p.indices is not None:
            idx = np.asarray(p.indices).reshape(-1)
            # uint16 when possible halves index size; uint8 indices are legal but rarely worth it
            idx = idx.astype(np.uint16 if len(pos) <= 65535 else np.uint32)
            prim["indices"] = b.accessor(idx, target=ELEMENT_ARRAY_BUFFER)
        if p.material is not None:
            key = id(p.material)
            if key not in mat_index:
                mat_index[key] = len(materials)
                materials.append(_material_json(p.material, b, images, textures, ext_used))
            prim["material"] = mat_index[key]
        if p.properties:
            props = {name: {"attribute": attr} for name, (attr, _ct) in p.properties.items()}
            for name, (_attr, ctype) in p.properties.items():
                metadata_props[name] = {"type": "SCALAR", "componentType": ctype}
            prop_attrs.append({"class": "point", "properties": props})
            prim["extensions"] = {"EXT_structural_metadata": {"propertyAttributes": [len(prop_attrs) - 1]}}
            ext_used.add("EXT_structural_metadata")
        prims.append(prim)

    node: dict[str, Any] = {"mesh": 0}
    if any(translation):
        node["translation"] = [float(t) for t in translation]
    if scale is not None:
        node["scale"] = [float(v) for v in scale]
    doc: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "heritage-map tiling"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [node],
        "meshes": [{"primitives": prims}],
        "accessors": b.accessors,
        "bufferViews": b.views,
        "buffers": [{"byteLength": 0}],
    }
    if materials:
        doc["materials"] = materials
    if textures:
        doc["textures"] = textures
        doc["images"] = images
        # sampler 0 clamps (cropped textures must not bleed from the opposite edge), 1 repeats
        doc["samplers"] = [
            {"magFilter": 9729, "minFilter": 9987, "wrapS": 33071, "wrapT": 33071},
            {"magFilter": 9729, "minFilter": 9987, "wrapS": 10497, "wrapT": 10497},
        ]
    if prop_attrs:
        doc["extensions"] = {
            "EXT_structural_metadata": {
                "schema": {"id": schema_id, "classes": {"point": {"properties": metadata_props}}},
                "propertyAttributes": prop_attrs,
            }
        }
    if b.fallback:
        ext_used.add(MESHOPT)
        doc["buffers"].append({"byteLength": b.fallback, "extensions": {MESHOPT: {"fallback": True}}})
    if ext_used:
        doc["extensionsUsed"] = sorted(ext_used)
    required = sorted(ext_used & {MESHOPT, QUANTIZATION})  # a viewer without them cannot read the tile
    if required:
        doc["extensionsRequired"] = required
    return pack_glb(doc, b.binary())


def pack_glb(doc: dict[str, Any], binary: bytes) -> bytes:
    """The GLB container: header, JSON chunk (space-padded), BIN chunk (zero-padded)."""
    binary += b"\0" * ((-len(binary)) % 4)
    doc["buffers"][0]["byteLength"] = len(binary)
    js = json.dumps(doc, separators=(",", ":")).encode()
    js += b" " * ((-len(js)) % 4)  # JSON chunk is padded with spaces
    total = 12 + 8 + len(js) + 8 + len(binary)
    return b"".join(
        [
            struct.pack("<III", 0x46546C67, 2, total),
            struct.pack("<II", len(js), 0x4E4F534A),
            js,
            struct.pack("<II", len(binary), 0x004E4942),
            binary,
        ]
    )


def _material_json(m: Material, b: Builder, images: list, textures: list, ext_used: set[str]) -> dict:
    pbr: dict[str, Any] = {
        "baseColorFactor": [float(c) for c in m.base_color],
        "metallicFactor": 0.0,
        "roughnessFactor": 1.0,
    }
    if m.texture is not None:
        view = b.view(m.texture.data)
        images.append({"bufferView": view, "mimeType": m.texture.mime})
        textures.append({"source": len(images) - 1, "sampler": 1 if m.texture.repeat else 0})
        pbr["baseColorTexture"] = {"index": len(textures) - 1}
    out: dict[str, Any] = {"pbrMetallicRoughness": pbr, "doubleSided": m.double_sided}
    if m.name:
        out["name"] = m.name
    if m.unlit:
        out["extensions"] = {"KHR_materials_unlit": {}}
        ext_used.add("KHR_materials_unlit")
    return out


def write_glb(
    path: Path,
    primitives: list[Primitive],
    translation: tuple[float, float, float] = (0.0, 0.0, 0.0),
    *,
    scale: tuple[float, float, float] | None = None,
    compress: bool = False,
) -> int:
    """Write a GLB file; returns its size in bytes."""
    data = build_glb(primitives, translation, scale=scale, compress=compress)
    Path(path).write_bytes(data)
    return len(data)
