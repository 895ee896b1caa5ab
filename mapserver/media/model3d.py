"""One web GLB for every 3D artefact model: centred, Y-up, metres, small textures, Draco.

The uploaded model (OBJ + MTL + textures, a zip of them, PLY with vertex colours, STL, GLB, or the
zipped 3D Tiles of a small scan) is read into parts (:mod:`.model_readers`, :mod:`.model_tiles`),
then:

* units: millimetre files (most scanners and every STL printer file) are recognised by their size —
  anything larger than :data:`MM_GUESS_EXTENT` units across is taken as millimetres, since no
  artefact is 20 m long, and ``unit=`` overrides the guess;
* axes: glTF is Y-up; PLY and STL come from Z-up tools (scanners, CAD), OBJ and GLB are Y-up by
  convention, 3D Tiles become East-North-Up; ``up=`` overrides;
* the bounding box centre goes to the origin, so viewers orbit around the object;
* more than :data:`MAX_WEB_FACES` triangles are simplified (quadric edge collapse, tiling's
  ``mesh.simplify``): a phone's browser stalls on a raw multi-million-triangle scan;
* base colour textures are at most :data:`MAX_TEXTURE` px and JPEG, PNG only when the texture's
  alpha is used (then the material is MASK or BLEND);
* the GLB is written by ``tiling.gltf`` (aligned, spec-clean), Draco-compressed by the repo's
  gltf-pipeline tool (``tiling/js/compress_glb.cjs``; viewers decode it with three's local Draco
  decoder) and must pass the Khronos glTF-Validator with no error before it is returned.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from tiling import gltf, nodetools
from tiling.mesh.simplify import simplify

from .errors import MediaRejected
from .model_poster import write_poster
from .model_readers import Part, read_model
from .model_tiles import read_tileset_zip

Progress = Callable[[float], None]

MAX_TEXTURE = 2048
JPEG_QUALITY = 85
MM_GUESS_EXTENT = 20.0
UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001}
Z_UP_FORMATS = {"ply", "stl", "3dtiles-zip"}
COMPRESSION = "draco"
MAX_WEB_FACES = 500_000
# 16-bit positions: a 1 m object is quantised to 0.015 mm, a 20 m one to 0.3 mm
POSITION_BITS = 16


def normalise_model(
    src: Path,
    out_dir: Path,
    *,
    source_format: str,
    progress: Progress | None = None,
    unit: str | None = None,
    up: str | None = None,
) -> dict[str, Any]:
    """Write ``out_dir/model.glb`` and ``out_dir/poster.jpg`` from ``src`` (``source_format``: glb,
    ply, stl, obj, obj-zip, 3dtiles-zip). ``unit`` ("m", "cm", "mm") and ``up`` ("y", "z") override
    the guesses.

    Returns ``files``, ``vertices``, ``faces`` (triangles), ``compression``, ``bytes_before``
    (the upload), ``bytes_after`` (the GLB), ``size_m`` (bounding box x, y, z in metres, Y up),
    ``unit``, ``up``, ``textures`` and ``validator`` (warning count), plus tileset facts.
    """
    src, out_dir = Path(src), Path(out_dir)
    if unit is not None and unit not in UNITS:
        raise MediaRejected(f"unit must be one of {', '.join(UNITS)}")
    if up not in (None, "y", "z"):
        raise MediaRejected("up must be 'y' or 'z'")
    out_dir.mkdir(parents=True, exist_ok=True)
    # unpacking and decoding happen beside out_dir (the job's scratch folder, which the worker
    # cleans up even after a crash), never inside it: everything in out_dir is published
    with tempfile.TemporaryDirectory(prefix="model-work-", dir=out_dir.parent) as tmp:
        work = Path(tmp)
        facts: dict[str, Any] = {}
        if source_format == "3dtiles-zip":
            parts, facts = read_tileset_zip(src, work)
            unit = unit or "m"  # 3D Tiles are metres by definition
        else:
            parts = read_model(src, source_format, work)
        _report(progress, 0.3)
        up = up or ("z" if source_format in Z_UP_FORMATS else "y")
        unit, size = _place(parts, unit, up)
        grouped = _grouped(parts)
        facts.update(_within_budget(grouped))
        primitives, details, textures = _primitives(grouped)
        _report(progress, 0.6)
        glb = work / "model.glb"
        glb.write_bytes(_with_material_details(gltf.build_glb(primitives), details))
        nodetools.draco_compress([glb], position_bits=POSITION_BITS)
        _report(progress, 0.85)
        report = nodetools.gltf_validate([glb])
        if report["numErrors"]:
            # our writer made something invalid: an internal error, not the uploader's
            first = report["files"][0]["messages"][:3]
            raise RuntimeError(f"the web GLB failed glTF validation: {first}")
        write_poster(primitives, work / "poster.jpg")
        shutil.move(str(glb), out_dir / "model.glb")
        shutil.move(str(work / "poster.jpg"), out_dir / "poster.jpg")
    _report(progress, 1.0)
    return {
        "files": ["model.glb", "poster.jpg"],
        "vertices": int(sum(len(p.positions) for p in primitives)),
        "faces": int(sum(len(p.indices) for p in primitives if p.indices is not None)),
        "compression": COMPRESSION,
        "bytes_before": _size_of(src),
        "bytes_after": (out_dir / "model.glb").stat().st_size,
        "size_m": [round(float(v), 4) for v in size],
        "unit": unit,
        "up": up,
        "textures": textures,
        "validator": {"errors": 0, "warnings": report["files"][0]["numWarnings"]},
        **facts,
    }


def _report(progress: Progress | None, fraction: float) -> None:
    if progress:
        progress(fraction)


def _size_of(src: Path) -> int:
    return src.stat().st_size if src.is_file() else sum(p.stat().st_size for p in src.rglob("*") if p.is_file())


def _place(parts: list[Part], unit: str | None, up: str) -> tuple[str, np.ndarray]:
    """Scale to metres, turn Y-up and centre, in place; returns the unit used and the size."""
    for p in parts:
        if not np.all(np.isfinite(p.positions)):
            raise MediaRejected("the model has vertices with coordinates that are not numbers")
    lo = np.min([p.positions.min(axis=0) for p in parts], axis=0)
    hi = np.max([p.positions.max(axis=0) for p in parts], axis=0)
    extent = float(np.max(hi - lo))
    if extent <= 0:
        raise MediaRejected("the model has no extent (all its vertices are at one point)")
    if unit is None:
        unit = "mm" if extent > MM_GUESS_EXTENT else "m"
    scale = UNITS[unit]
    centre = (lo + hi) / 2
    for p in parts:
        local = (p.positions - centre) * scale
        p.positions = gltf.enu_to_gltf(local) if up == "z" else local
    size = (hi - lo) * scale
    return unit, (np.array([size[0], size[2], size[1]]) if up == "z" else size)


def _grouped(parts: list[Part]) -> list[Part]:
    """Join parts that share a material and attributes: fewer draw calls, one copy per texture."""
    groups: dict[tuple, list[Part]] = {}
    for p in parts:
        key = (id(p.image), p.base_color, p.metallic, p.roughness, p.uvs is None, p.colors is None)
        groups.setdefault(key, []).append(p)
    out = []
    for members in groups.values():
        first = members[0]
        offsets = np.cumsum([0] + [len(m.positions) for m in members[:-1]])
        joined = Part(
            np.concatenate([m.positions for m in members]),
            np.concatenate([m.faces + off for m, off in zip(members, offsets, strict=True)]),
            image=first.image,
            base_color=first.base_color,
            metallic=first.metallic,
            roughness=first.roughness,
        )
        if first.uvs is not None:
            joined.uvs = np.concatenate([m.uvs for m in members if m.uvs is not None])
        if first.colors is not None:
            joined.colors = np.concatenate([_rgba(m.colors) for m in members if m.colors is not None])
        out.append(joined)
    return out


def _within_budget(parts: list[Part]) -> dict[str, Any]:
    """Simplify the parts in place, each in proportion, when they hold too many triangles."""
    total = sum(len(p.faces) for p in parts)
    if total <= MAX_WEB_FACES:
        return {}
    methods = set()
    for p in parts:
        attrs = {}
        if p.uvs is not None:
            attrs["uv"] = p.uvs
        if p.colors is not None:
            attrs["color"] = _rgba(p.colors).astype(np.float64)
        target = max(1, round(len(p.faces) * MAX_WEB_FACES / total))
        p.positions, p.faces, out, method = simplify(p.positions, p.faces, attrs, target)
        methods.add(method)
        if "uv" in out:
            p.uvs = out["uv"]
        if "color" in out:
            p.colors = np.clip(np.rint(out["color"]), 0, 255).astype(np.uint8)
    return {"simplified_from_faces": total, "simplified_by": sorted(methods)}


def _rgba(colors: np.ndarray) -> np.ndarray:
    colors = np.asarray(colors, np.uint8)
    if colors.shape[1] == 3:
        colors = np.c_[colors, np.full(len(colors), 255, np.uint8)]
    return colors


def vertex_normals(positions: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals (numpy only: trimesh's fast path needs scipy)."""
    tri = positions[faces]
    face_n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])  # length = 2 × area
    normals = np.zeros_like(positions)
    for corner in range(3):
        np.add.at(normals, faces[:, corner], face_n)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    # a vertex only on degenerate triangles gets "up": any unit vector is valid glTF
    return np.where(length > 0, normals / np.where(length > 0, length, 1), [0.0, 1.0, 0.0])


def _primitives(parts: list[Part]) -> tuple[list[gltf.Primitive], list[dict[str, Any]], list[dict[str, Any]]]:
    """glTF primitives, each with its own material (build_glb numbers materials in this order),
    the material details tiling.gltf's Material does not carry, and what became of the textures."""
    primitives, details, textures = [], [], []
    for p in parts:
        texture, alpha_mode = None, "OPAQUE"
        if p.image is not None:
            texture, alpha_mode, info = encode_texture(p.image)
            texture.repeat = bool(p.uvs is not None and (p.uvs.min() < 0 or p.uvs.max() > 1))
            textures.append(info)
        if p.base_color[3] < 1.0 and alpha_mode == "OPAQUE":
            alpha_mode = "BLEND"
        material = gltf.Material(base_color=p.base_color, texture=texture, double_sided=True)
        prim = gltf.Primitive(
            positions=p.positions.astype(np.float32),
            indices=p.faces,
            normals=vertex_normals(p.positions, p.faces).astype(np.float32),
            uvs=p.uvs.astype(np.float32) if texture is not None and p.uvs is not None else None,
            colors=_rgba(p.colors) if p.colors is not None else None,
            material=material,
        )
        details.append({"metallic": p.metallic, "roughness": p.roughness, "alphaMode": alpha_mode})
        primitives.append(prim)
    return primitives, details, textures


def encode_texture(image: Image.Image) -> tuple[gltf.Texture, str, dict[str, Any]]:
    """Downsize to ≤ MAX_TEXTURE px and encode: JPEG, or PNG when the alpha channel is used."""
    source_size = image.size
    img = image.copy()
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = Image.fromarray((np.asarray(img, np.uint32) >> 8).astype(np.uint8))  # 16-bit grey
    if img.mode == "P":
        img = img.convert("RGBA")
    alpha_mode = "OPAQUE"
    if img.mode in ("RGBA", "LA", "PA"):
        # judged before resampling, which blurs a cut-out's hard 0/255 edges into partial alpha
        alpha = np.asarray(img.getchannel("A"))
        if alpha.min() < 255:
            alpha_mode = "MASK" if np.isin(alpha, (0, 255)).all() else "BLEND"
    img.thumbnail((MAX_TEXTURE, MAX_TEXTURE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    if alpha_mode == "OPAQUE":
        img.convert("RGB").save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
        mime = "image/jpeg"
    else:
        img.convert("RGBA").save(buf, "PNG", optimize=True)
        mime = "image/png"
    info = {"source": list(source_size), "size": list(img.size), "mime": mime, "bytes": buf.tell()}
    return gltf.Texture(buf.getvalue(), mime), alpha_mode, info


def _with_material_details(glb: bytes, details: list[dict[str, Any]]) -> bytes:
    """Set metallic/roughness factors and alphaMode on each material of a GLB from build_glb."""
    json_len = struct.unpack_from("<I", glb, 12)[0]
    doc = json.loads(glb[20 : 20 + json_len])
    binary = glb[20 + json_len :]
    for material, extra in zip(doc.get("materials", []), details, strict=True):
        material["pbrMetallicRoughness"]["metallicFactor"] = float(extra["metallic"])
        material["pbrMetallicRoughness"]["roughnessFactor"] = float(extra["roughness"])
        if extra["alphaMode"] != "OPAQUE":
            material["alphaMode"] = extra["alphaMode"]
    js = json.dumps(doc, separators=(",", ":")).encode()
    js += b" " * ((-len(js)) % 4)
    total = 12 + 8 + len(js) + len(binary)
    return struct.pack("<III", 0x46546C67, 2, total) + struct.pack("<II", len(js), 0x4E4F534A) + js + binary
