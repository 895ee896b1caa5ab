"""Mesh readers: OBJ (+MTL, textures), PLY (vertex colours), GLB/glTF, STL → :class:`MeshPart`s.

trimesh does the parsing; we only normalise what comes out: one part per material with
float64 vertices, faces, optional UVs (OBJ convention, origin bottom-left), optional RGBA
vertex colours, and the base-colour image/factor.  glTF files are Y-up, so their
coordinates are turned to Z-up (x, −z, y) before georeferencing, like every other format.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import TilingError

MESH_EXTENSIONS = {".obj", ".ply", ".glb", ".gltf", ".stl"}


@dataclass
class MeshPart:
    vertices: np.ndarray  # (n, 3) float64, source coordinates, Z up
    faces: np.ndarray  # (m, 3) int64
    uv: np.ndarray | None = None  # (n, 2) float64, origin bottom-left (OBJ / trimesh)
    colors: np.ndarray | None = None  # (n, 4) uint8
    image: object | None = None  # PIL.Image.Image base colour texture
    base_color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    name: str = "part"
    warnings: list[str] = field(default_factory=list)


def _material(visual) -> tuple[object | None, tuple[float, float, float, float]]:
    mat = getattr(visual, "material", None)
    if mat is None:
        return None, (1.0, 1.0, 1.0, 1.0)
    image = getattr(mat, "baseColorTexture", None) or getattr(mat, "image", None)
    color = getattr(mat, "baseColorFactor", None)
    if color is None:
        color = getattr(mat, "diffuse", None)
    if color is None:
        rgba = (1.0, 1.0, 1.0, 1.0)
    else:
        c = np.asarray(color, float).ravel()
        c = c / 255.0 if c.max(initial=0) > 1.0 else c
        rgba = tuple(float(v) for v in (list(c) + [1.0] * 4)[:4])
    if image is not None:
        rgba = (1.0, 1.0, 1.0, rgba[3])  # OBJ Kd is often grey; the texture carries the colour
    return image, rgba  # type: ignore[return-value]


def _part(mesh, name: str, y_up: bool) -> MeshPart | None:
    v = np.asarray(mesh.vertices, np.float64)
    f = np.asarray(mesh.faces, np.int64)
    if not len(f):
        return None
    if y_up:
        v = np.column_stack([v[:, 0], -v[:, 2], v[:, 1]])
    part = MeshPart(v, f, name=name)
    visual = mesh.visual
    kind = getattr(visual, "kind", None)
    if kind == "texture":
        uv = getattr(visual, "uv", None)
        part.image, part.base_color = _material(visual)
        if uv is not None and len(uv) == len(v) and part.image is not None:
            part.uv = np.asarray(uv, np.float64)
        else:
            part.image = None
    elif kind in ("vertex", "face"):
        # face colours become vertex colours (trimesh averages them at shared vertices)
        part.colors = np.asarray(visual.vertex_colors, np.uint8)[:, :4]
    return part


def load_mesh(path: Path) -> list[MeshPart]:
    """Read a mesh file into parts; TilingError for corrupt or empty files."""
    import trimesh

    ext = path.suffix.lower()
    if ext not in MESH_EXTENSIONS:
        raise TilingError(f"{path.name}: unsupported mesh format {ext!r}; use OBJ, PLY, GLB, glTF or STL.")
    logging.getLogger("trimesh").setLevel(logging.ERROR)  # it logs missing MTLs as warnings; we report
    try:
        # process=False: keep vertices as in the file (no merge, no reordering)
        loaded = trimesh.load(str(path), process=False, maintain_order=True)
    except Exception as exc:  # noqa: BLE001 - readers raise any type on corrupt input
        raise TilingError(
            f"{path.name} cannot be read as {ext[1:].upper()}: {exc}.",
            hint="The file may be corrupt or truncated; export it again.",
        ) from None
    y_up = ext in (".glb", ".gltf")
    if isinstance(loaded, trimesh.Scene):
        meshes = [(g, n) for n, g in zip(loaded.graph.nodes_geometry, loaded.dump(concatenate=False))]
        meshes = [(m, str(n)) for m, n in meshes if isinstance(m, trimesh.Trimesh)]
    elif isinstance(loaded, trimesh.Trimesh):
        meshes = [(loaded, path.stem)]
    else:
        meshes = []
    parts = [p for p in (_part(m, n, y_up) for m, n in meshes) if p is not None]
    if not parts:
        raise TilingError(f"{path.name} contains no triangles (is it a point cloud? then tile it as one).")
    for p in parts:
        if not np.all(np.isfinite(p.vertices)):
            raise TilingError(f"{path.name}: some vertices have non-numeric or infinite coordinates.")
        if p.faces.max(initial=0) >= len(p.vertices) or p.faces.min(initial=0) < 0:
            raise TilingError(f"{path.name}: faces refer to vertices that do not exist (corrupt file).")
    if ext == ".obj":
        parts[0].warnings.extend(_missing_textures(path))
    if ext == ".ply" and np.max(np.abs(parts[0].vertices)) > 1e5 and _ply_float32(path):
        parts[0].warnings.append(
            "PLY vertices are float32 with large (projected) coordinates: precision is only "
            f"~{np.spacing(np.float32(np.max(np.abs(parts[0].vertices)))):.3f} m; export with double or "
            "subtract an offset and use --anchor."
        )
    return parts


def _ply_float32(path: Path) -> bool:
    from ..plyio import read_header

    v = read_header(path).element("vertex")
    return bool(v and dict(v.props).get("x") == "f4")


def _missing_textures(obj: Path) -> list[str]:
    """Textures named by the OBJ's MTL files that are not there (trimesh silently drops them)."""
    out = []
    try:
        head = obj.read_text(errors="replace").splitlines()[:2000]
    except OSError:
        return out
    for line in head:
        if line.startswith("mtllib "):
            mtl = obj.parent / line[7:].strip()
            if not mtl.is_file():
                out.append(f"material file {mtl.name} not found: the model is shown without its colours.")
                continue
            for ml in mtl.read_text(errors="replace").splitlines():
                tok = ml.strip().split()
                if tok and tok[0].lower() in ("map_kd", "map_ka") and len(tok) > 1:
                    tex = obj.parent / tok[-1]
                    if not tex.is_file():
                        out.append(
                            f"texture {tok[-1]} named in {mtl.name} not found: the model is shown "
                            f"without it (upload the image next to the OBJ)."
                        )
    return out
