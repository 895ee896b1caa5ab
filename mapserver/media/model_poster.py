"""A still picture of a 3D model (``poster.jpg``), drawn without a GPU or a browser.

Record pages show it while model-viewer loads the GLB, and the map panel uses it as the thumbnail
of a relic that has a model but no photo. The triangles are drawn back to front (painter's
algorithm) with Pillow at twice the size and scaled down, which smooths the edges; each triangle
gets one colour (its vertex colours, its texture at the triangle's centre, or the material colour)
with simple Lambert shading. A three-quarter view from above, as a museum photographer would take.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tiling import gltf

POSTER_SIZE = 512
SUPERSAMPLE = 2
BACKGROUND = (238, 241, 244)  # the grey model-viewer is shown on (media_section.html)
# view: turned 35° about the vertical, looking 20° down
YAW, PITCH = np.radians(-35.0), np.radians(20.0)
LIGHT = np.array([0.4, 0.8, 0.45]) / np.linalg.norm([0.4, 0.8, 0.45])
MARGIN = 0.08


def _view_matrix() -> np.ndarray:
    cy, sy, cp, sp = np.cos(YAW), np.sin(YAW), np.cos(PITCH), np.sin(PITCH)
    yaw = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    pitch = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    return pitch @ yaw


def _face_colours(p: gltf.Primitive, faces: np.ndarray) -> np.ndarray:
    """(m, 3) float colours 0..1 of each triangle before shading."""
    m = p.material
    base = np.asarray(m.base_color[:3] if m else (1.0, 1.0, 1.0), np.float64)
    if p.colors is not None:
        return np.asarray(p.colors, np.float64)[faces, :3].mean(axis=1) / 255 * base
    if m is not None and m.texture is not None and p.uvs is not None:
        with Image.open(io.BytesIO(m.texture.data)) as img:
            small = np.asarray(img.convert("RGB").resize((256, 256)), np.float64) / 255
        uv = np.asarray(p.uvs, np.float64)[faces].mean(axis=1) % 1.0  # REPEAT textures wrap
        px = np.clip((uv * 256).astype(int), 0, 255)
        return small[px[:, 1], px[:, 0]] * base
    return np.tile(base, (len(faces), 1))


def write_poster(primitives: list[gltf.Primitive], path: Path) -> None:
    """Draw the centred, Y-up primitives to a JPEG at ``path``."""
    view = _view_matrix()
    polys, depths, colours = [], [], []
    for p in primitives:
        if p.indices is None or not len(p.indices):
            continue
        faces = np.asarray(p.indices).reshape(-1, 3)
        eye = np.asarray(p.positions, np.float64) @ view.T  # x right, y up, z towards the viewer
        tri = eye[faces]
        normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        length = np.linalg.norm(normal, axis=1, keepdims=True)
        normal = normal / np.where(length > 0, length, 1)
        # scans are often open or double-sided: light both sides alike
        shade = 0.35 + 0.65 * np.abs(normal @ (view @ LIGHT))
        colours.append(_face_colours(p, faces) * shade[:, None])
        polys.append(tri[:, :, :2])
        depths.append(tri[:, :, 2].mean(axis=1))
    size = POSTER_SIZE * SUPERSAMPLE
    img = Image.new("RGB", (size, size), BACKGROUND)
    if polys:
        xy = np.concatenate(polys)
        lo, hi = xy.reshape(-1, 2).min(axis=0), xy.reshape(-1, 2).max(axis=0)
        scale = size * (1 - 2 * MARGIN) / max(float(np.max(hi - lo)), 1e-9)
        centre = (lo + hi) / 2
        screen = (xy - centre) * [scale, -scale] + size / 2  # image y grows downwards
        rgb = np.clip(np.concatenate(colours) * 255, 0, 255).astype(np.uint8)
        draw = ImageDraw.Draw(img)
        for i in np.argsort(np.concatenate(depths)):  # far first, near drawn over it
            draw.polygon(screen[i].ravel().tolist(), fill=tuple(int(c) for c in rgb[i]))
    img.resize((POSTER_SIZE, POSTER_SIZE), Image.Resampling.LANCZOS).save(path, "JPEG", quality=85)
