"""Read uploaded 3D models (OBJ + MTL + textures, a zip of them, PLY, STL, GLB) into plain parts.

A :class:`Part` is one mesh with one material, its vertices already through the file's own node
transforms, in the file's units and axes; :mod:`.model3d` decides the unit, the up axis and the
centre, and writes the web GLB. trimesh (pinned) parses the formats; compressed GLB input (Draco,
meshopt) is first decoded by ``gltf_decode.cjs`` with the Node packages of ``tiling/js``.
Only the base colour (texture, factor, vertex colours) of a material is kept: the web model is for
looking at an artefact, and normal or metallic-roughness maps are dropped.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

from tiling import nodetools

from .errors import MediaRejected

DECODER = Path(__file__).resolve().parent / "gltf_decode.cjs"
# a zip is opened here, not by a person: bound what it may unpack to (zip bombs)
MAX_UNZIPPED_BYTES = 2 * 1024**3
MAX_ZIP_MEMBERS = 20_000
COMPRESSED_GLTF = {"KHR_draco_mesh_compression", "EXT_meshopt_compression", "KHR_meshopt_compression"}


@dataclass
class Part:
    """One mesh with one material; arrays in the source's units and axes."""

    positions: np.ndarray  # (n, 3) float64
    faces: np.ndarray  # (m, 3) int64
    uvs: np.ndarray | None = None  # (n, 2) glTF convention (origin top-left)
    colors: np.ndarray | None = None  # (n, 4) uint8 RGBA
    image: Image.Image | None = None
    base_color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    metallic: float = 0.0
    roughness: float = 1.0


def read_model(src: Path, source_format: str, work: Path) -> list[Part]:
    """Parts of an OBJ, OBJ zip, PLY, STL or GLB file (``work`` is a scratch dir for unpacking)."""
    if source_format == "obj":
        return _scene_parts(_load(src, "obj"))
    if source_format == "obj-zip":
        folder = safe_extract(src, work / "unzipped")
        return _scene_parts(_load(_main_obj(folder), "obj"))
    if source_format == "ply":
        return _scene_parts(_load(src, "ply"))
    if source_format == "stl":
        return _scene_parts(_load(src, "stl"), merge=True)
    if source_format == "glb":
        return read_glbs([src], work)[0]
    raise MediaRejected(f"{source_format!r} is not a 3D model format the product reads")


def read_glbs(paths: list[Path], work: Path) -> list[list[Part]]:
    """Parts of each GLB, decoding all the compressed ones in one Node run."""
    plain = list(paths)
    todo = [(i, p) for i, p in enumerate(paths) if _glb_extensions(p) & COMPRESSED_GLTF]
    if todo:
        work.mkdir(parents=True, exist_ok=True)
        pairs = [(p, work / f"decoded-{i}.glb") for i, p in todo]
        decode_glbs(pairs)
        for (i, _), (_, out) in zip(todo, pairs, strict=True):
            plain[i] = out
    return [_scene_parts(_load(p, "glb")) for p in plain]


def _glb_extensions(path: Path) -> set[str]:
    with open(path, "rb") as fh:
        head = fh.read(20)
        if len(head) < 20 or head[:4] != b"glTF":
            raise MediaRejected("the GLB file does not start with a glTF header")
        json_len, json_type = struct.unpack_from("<II", head, 12)
        if json_type != 0x4E4F534A or json_len > 64 * 1024**2:
            raise MediaRejected("the GLB file has no readable JSON chunk")
        try:
            doc = json.loads(fh.read(json_len))
        except ValueError as exc:
            raise MediaRejected("the GLB file's JSON chunk is not valid JSON") from exc
    return set(doc.get("extensionsUsed", [])) | set(doc.get("extensionsRequired", []))


def decode_glbs(pairs: list[tuple[Path, Path]], timeout: float = 600) -> None:
    """Write each input GLB without Draco/meshopt compression to its output path."""
    env = {**os.environ, "NODE_PATH": str(nodetools.JS_DIR / "node_modules")}
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(f"{Path(a).resolve()}\t{Path(b).resolve()}" for a, b in pairs))
        list_path = fh.name
    try:
        node = nodetools._node()
        proc = subprocess.run(
            [node, str(DECODER), "--list", list_path],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=nodetools.JS_DIR,
            env=env,
            check=False,
        )
    finally:
        os.unlink(list_path)
    if proc.returncode != 0:
        # the decoder's message names our scratch path; keep only what it says about the data
        reason = (proc.stderr.strip().splitlines() or ["unknown error"])[-1].rsplit(": ", 1)[-1]
        raise MediaRejected(f"the compressed GLB could not be decoded: {reason[:200]}")


def safe_extract(zip_path: Path, dest: Path) -> Path:
    """Unpack a zip into ``dest``, refusing absolute paths, ``..``, links and oversized content."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise MediaRejected("the zip file is damaged or not a zip") from exc
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise MediaRejected(f"the zip holds more than {MAX_ZIP_MEMBERS} files")
        if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
            raise MediaRejected("the zip unpacks to more than 2 GB")
        dest.mkdir(parents=True, exist_ok=True)
        for m in members:
            name = PurePosixPath(m.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or (m.external_attr >> 16) & 0o170000 == 0o120000:
                raise MediaRejected(f"the zip holds an unsafe path: {m.filename[:100]}")
            if name.parts and name.parts[0] == "__MACOSX":  # Finder's resource forks
                continue
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(m) as fin, open(target, "wb") as fout:
                    # copy in chunks and count: a header may lie about the size
                    written = 0
                    while chunk := fin.read(1 << 20):
                        written += len(chunk)
                        if written > m.file_size:
                            raise MediaRejected("the zip holds a file larger than its header says")
                        fout.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise MediaRejected(f"the zip member {m.filename[:100]} cannot be read") from exc
    return dest


def _main_obj(folder: Path) -> Path:
    objs = sorted(folder.rglob("*.obj"), key=lambda p: (-p.stat().st_size, str(p)))
    if not objs:
        raise MediaRejected("the zip holds no .obj file")
    return objs[0]  # several: the largest is the model, the others are usually proxies


def _load(path: Path, file_type: str) -> trimesh.Scene:
    try:
        # process=False keeps the vertices as written (merging would reorder and weld seams)
        loaded = trimesh.load(str(path), file_type=file_type, force="scene", process=False)
    except MediaRejected:
        raise
    except Exception as exc:  # trimesh raises many kinds on bad input; all mean "cannot read"
        raise MediaRejected(f"the {file_type.upper()} file cannot be read ({type(exc).__name__})") from exc
    return loaded


def _scene_parts(scene: trimesh.Scene, *, merge: bool = False) -> list[Part]:
    parts = []
    # dump() applies every node transform of the scene graph to a copy of its geometry
    for mesh in scene.dump():
        if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
            continue  # point clouds and lines are not part of a surface model
        if merge:
            mesh.merge_vertices()  # STL repeats every corner per triangle
        parts.append(_part(mesh))
    if not parts:
        raise MediaRejected("the model holds no triangles (a point cloud belongs to the scans, not to media)")
    return parts


def _part(mesh: trimesh.Trimesh) -> Part:
    vertices = np.asarray(mesh.vertices, np.float64)
    faces = np.asarray(mesh.faces, np.int64)
    visual: Any = mesh.visual
    kind = getattr(visual, "kind", None)
    if kind == "texture":
        material = visual.material
        pbr = material if isinstance(material, PBRMaterial) else material.to_pbr()
        image = pbr.baseColorTexture
        uv = getattr(visual, "uv", None)
        factor = _factor(pbr.baseColorFactor)
        part = Part(vertices, faces, base_color=factor, metallic=_num(pbr.metallicFactor, 0.0))
        part.roughness = _num(pbr.roughnessFactor, 1.0)
        if image is not None and uv is not None and len(uv) == len(vertices):
            part.image = image
            part.uvs = np.c_[uv[:, 0], 1.0 - uv[:, 1]]  # trimesh keeps OpenGL's bottom-left origin
        return part
    if kind == "vertex":
        return Part(vertices, faces, colors=np.asarray(visual.vertex_colors, np.uint8))
    if kind == "face":
        # one colour per triangle: give every triangle its own three vertices
        colors = np.repeat(np.asarray(visual.face_colors, np.uint8), 3, axis=0)
        return Part(vertices[faces].reshape(-1, 3), np.arange(len(faces) * 3).reshape(-1, 3), colors=colors)
    return Part(vertices, faces)


def _factor(value: Any) -> tuple[float, float, float, float]:
    if value is None:
        return (1.0, 1.0, 1.0, 1.0)
    raw = np.asarray(value).ravel()
    arr = raw.astype(np.float64)
    if raw.dtype.kind in "ui" or arr.max() > 1.0:
        arr = arr / 255.0  # trimesh stores colours as 0..255
    rgba = list(arr[:4]) + [1.0] * (4 - len(arr[:4]))
    return (float(rgba[0]), float(rgba[1]), float(rgba[2]), float(rgba[3]))


def _num(value: Any, default: float) -> float:
    return default if value is None else float(value)
