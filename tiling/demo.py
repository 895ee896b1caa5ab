"""Deterministic demo monument: a small temple (đình-like) as a textured mesh and a point cloud.

Used to show a 3D model on the map on first run, before any real scan is uploaded.  The
geometry is procedural and in *local metres* (x east, y north at heading 0, z up) around
the origin at the base of the platform, so it can be attached to any relic whose position
is sourced, through an :class:`~tiling.georef.Anchor` — this module invents no coordinate.

* mesh: stepped stone platform, 16 red lacquered columns, plastered back wall and a
  curved hip roof with up-turned corners, one 1024² texture atlas (~50 k faces, OBJ+MTL+PNG);
* point cloud: ~200 k points sampled on that surface plus the surrounding ground, with
  colours from the texture, intensity and ASPRS classes (2 ground, 6 building), as LAS.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .georef import Anchor

ATLAS = 1024
# atlas cells (u0, v0, u1, v1), origin bottom-left: stone, lacquer, roof tiles, plaster
CELLS = {
    "stone": (0.0, 0.5, 0.5, 1.0),
    "lacquer": (0.5, 0.5, 1.0, 1.0),
    "roof": (0.0, 0.0, 0.5, 0.5),
    "plaster": (0.5, 0.0, 1.0, 0.5),
}


def _grid(nu: int, nv: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parameter grid (u, v in 0..1) and its triangle faces."""
    u, v = np.meshgrid(np.linspace(0, 1, nu + 1), np.linspace(0, 1, nv + 1))
    i = np.arange((nu + 1) * (nv + 1)).reshape(nv + 1, nu + 1)
    a, b, c, d = i[:-1, :-1].ravel(), i[:-1, 1:].ravel(), i[1:, :-1].ravel(), i[1:, 1:].ravel()
    return u.ravel(), v.ravel(), np.r_[np.c_[a, b, d], np.c_[a, d, c]]


def _cell_uv(u: np.ndarray, v: np.ndarray, cell: str) -> np.ndarray:
    u0, v0, u1, v1 = CELLS[cell]
    m = 0.01  # stay clear of the neighbouring cell
    return np.c_[u0 + m + u * (u1 - u0 - 2 * m), v0 + m + v * (v1 - v0 - 2 * m)]


def _box(cx: float, cy: float, z0: float, sx: float, sy: float, sz: float, cell: str, n: int = 12):
    """Closed box made of 6 subdivided faces (so LOD has something to remove)."""
    out = []
    for axis in range(3):
        for sign in (-1, 1):
            u, v, f = _grid(n, n)
            p = np.zeros((len(u), 3))
            others = [a for a in range(3) if a != axis]
            p[:, others[0]], p[:, others[1]] = u - 0.5, v - 0.5
            p[:, axis] = 0.5 * sign
            if sign < 0:
                f = f[:, ::-1]
            if axis == 1:  # keep outward winding for the y faces
                f = f[:, ::-1]
            p = p * [sx, sy, sz] + [cx, cy, z0 + sz / 2]
            out.append((p, f, _cell_uv(u, v, cell)))
    return out


def _cylinder(cx: float, cy: float, z0: float, r: float, h: float, cell: str, seg: int = 32, rings: int = 12):
    u, v, f = _grid(seg, rings)
    a = u * 2 * np.pi
    rr = r * (1 - 0.08 * v)  # slight entasis
    p = np.c_[cx + rr * np.cos(a), cy + rr * np.sin(a), z0 + v * h]
    return [(p, f, _cell_uv(u, v, cell))]


def _roof(x0: float, y0: float, sx: float, sy: float, z0: float, rise: float, nx: int = 100, ny: int = 66):
    """Hip roof over a rectangle with sagging slopes and up-turned corners (both sides)."""
    u, v, f = _grid(nx, ny)
    du, dv = np.abs(u - 0.5) * 2, np.abs(v - 0.5) * 2  # 0 at the ridge line, 1 at the eaves
    t = np.maximum((du - 0.3) / 0.7, dv)  # hip roof: a level ridge (|x| < 3 m), hips meet it
    t = np.clip(t, 0, 1)
    z = z0 + rise * (1 - t) ** 1.4  # concave (sagging) slopes
    z += 0.6 * (du * dv) ** 4  # corners curl up
    p = np.c_[x0 + u * sx, y0 + v * sy, z]
    uv = _cell_uv((u * 6) % 1.0 * 0.999, v, "roof")
    top = (p, f, uv)
    under = (p - [0, 0, 0.12], f[:, ::-1], uv)  # underside, so the roof has thickness from below
    return [top, under]


def temple_parts() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """All pieces (vertices, faces, uv) of the demo temple, in local metres."""
    parts = []
    for k, (sx, sy) in enumerate([(22.0, 16.0), (20.0, 14.0), (18.0, 12.0)]):
        parts += _box(0.0, 0.0, 0.4 * k, sx, sy, 0.4, "stone", n=16)
    for ix in np.linspace(-7.5, 7.5, 4):
        for iy in np.linspace(-4.5, 4.5, 4):
            if abs(ix) < 7 and abs(iy) < 4:
                parts += _cylinder(float(ix), float(iy), 1.2, 0.3, 3.8, "lacquer")
            else:
                parts += _cylinder(float(ix), float(iy), 1.2, 0.22, 3.8, "lacquer", seg=24)
    parts += _box(0.0, 4.9, 1.2, 15.0, 0.3, 3.5, "plaster", n=16)
    parts += _roof(-10.5, -7.0, 21.0, 14.0, 4.9, 3.6)
    parts += _box(0.0, 0.0, 8.45, 6.0, 0.35, 0.35, "plaster", n=8)  # ridge
    return parts


def temple_mesh() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    vs, fs, uvs, off = [], [], [], 0
    for p, f, uv in temple_parts():
        vs.append(p)
        fs.append(f + off)
        uvs.append(uv)
        off += len(p)
    return np.concatenate(vs), np.concatenate(fs), np.concatenate(uvs)


def atlas_image() -> np.ndarray:
    """1024² RGB atlas: stone blocks, red lacquer with gold bands, terracotta tiles, plaster."""
    rng = np.random.default_rng(233)
    h = w = ATLAS
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    noise = rng.normal(0, 1, (h, w))
    half = ATLAS // 2
    # rows are top-down: v in 0.5..1 is the top half of the image
    stone = (
        np.array([150, 145, 135])
        + 12 * noise[..., None]
        - 60 * (((y % 64) < 2) | (((x + 32 * ((y // 64) % 2)) % 96) < 2))[..., None]
    )
    lacquer = np.array([150, 25, 20]) + 8 * noise[..., None] + (np.array([90, 150, 30]) * ((y % 128) < 10)[..., None])
    roof = (
        np.array([165, 80, 45])
        + 10 * noise[..., None]
        - 50 * ((x % 32) < 3)[..., None]
        - 25 * ((y % 24) < 2)[..., None]
    )
    plaster = np.array([225, 200, 120]) + 6 * noise[..., None]
    img[:half, :half] = stone[:half, :half]
    img[:half, half:] = lacquer[:half, half:]
    img[half:, :half] = roof[half:, :half]
    img[half:, half:] = plaster[half:, half:]
    return np.clip(img, 0, 255).astype(np.uint8)


def write_demo_mesh(directory: Path) -> Path:
    """Write temple.obj + temple.mtl + temple.png; returns the OBJ path."""
    from PIL import Image

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    v, f, uv = temple_mesh()
    Image.fromarray(atlas_image()).save(directory / "temple.png")
    (directory / "temple.mtl").write_text("newmtl temple\nKa 1 1 1\nKd 1 1 1\nmap_Kd temple.png\n")
    idx = f + 1
    with open(directory / "temple.obj", "w") as fh:
        fh.write("# heritage-map demo temple, local metres (x east, y north, z up)\nmtllib temple.mtl\n")
        fh.write("".join(f"v {a:.4f} {b:.4f} {c:.4f}\n" for a, b, c in v))
        fh.write("".join(f"vt {a:.5f} {b:.5f}\n" for a, b in uv))
        fh.write("usemtl temple\n")
        fh.write("".join(f"f {a}/{a} {b}/{b} {c}/{c}\n" for a, b, c in idx))
    return directory / "temple.obj"


def demo_points(n: int = 200_000) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(xyz, rgb uint8, intensity uint16, classification uint8) sampled on the temple + ground."""
    rng = np.random.default_rng(2030)
    v, f, uv = temple_mesh()
    tri = v[f]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    nb = int(n * 0.7)
    pick = rng.choice(len(f), nb, p=area / area.sum())
    r1, r2 = rng.random(nb), rng.random(nb)
    s = np.sqrt(r1)
    w = np.c_[1 - s, s * (1 - r2), s * r2]
    pts = np.einsum("ij,ijk->ik", w, tri[pick])
    puv = np.einsum("ij,ijk->ik", w, uv[f[pick]])
    img = atlas_image()
    px = np.clip((puv[:, 0] * ATLAS).astype(int), 0, ATLAS - 1)
    py = np.clip(((1 - puv[:, 1]) * ATLAS).astype(int), 0, ATLAS - 1)
    rgb = img[py, px]
    ng = n - nb
    ground = np.c_[rng.uniform(-20, 20, ng), rng.uniform(-16, 16, ng), rng.normal(0, 0.02, ng)]
    grass = np.clip(np.array([70, 120, 45]) + rng.normal(0, 12, (ng, 3)), 0, 255).astype(np.uint8)
    xyz = np.r_[pts + rng.normal(0, 0.003, pts.shape), ground]
    colors = np.r_[rgb, grass]
    inten = (colors.astype(np.float64) @ [0.3, 0.59, 0.11] * 257).astype(np.uint16)
    cls = np.r_[np.full(nb, 6, np.uint8), np.full(ng, 2, np.uint8)]
    return xyz, colors, inten, cls


def write_demo_pointcloud(directory: Path, n: int = 200_000) -> Path:
    """Write temple.las (local metres, mm resolution, 16-bit colour); returns its path."""
    import laspy

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    xyz, rgb, inten, cls = demo_points(n)
    header = laspy.LasHeader(point_format=3, version="1.2")
    header.scales = np.array([0.001, 0.001, 0.001])
    header.offsets = np.array([0.0, 0.0, 0.0])
    las = laspy.LasData(header)
    las.x, las.y, las.z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    las.red, las.green, las.blue = (rgb.astype(np.uint16) * 257).T
    las.intensity = inten
    las.classification = cls
    path = directory / "temple.las"
    las.write(str(path))
    return path


def build_demo(
    out_dir: Path,
    anchor: Anchor,
    *,
    heights: str = "normal",
    compress: bool = True,
    points: int = 200_000,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Generate the sources and tile both into ``out_dir/mesh`` and ``out_dir/pointcloud``.

    ``anchor`` places the local origin (base of the platform, centre); the caller must take
    it from a sourced relic position.  Returns {"mesh": TileStats, "pointcloud": TileStats}.
    """
    import tempfile

    from .mesh.hlod import MeshParams
    from .pipeline import tile_scan

    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="heritage-demo-") as tmp:
        obj = write_demo_mesh(Path(tmp) / "mesh")
        las = write_demo_pointcloud(Path(tmp) / "pc", points)
        # small leaves so that even the demo streams as a real HLOD (root + 4 leaves)
        first_half = (lambda f, s: progress(0.5 * f, s)) if progress else None
        mesh = tile_scan(
            obj,
            out_dir / "mesh",
            src_crs=anchor.crs,
            heights=heights,
            anchor=anchor,
            compress=compress,
            mesh=MeshParams(max_leaf_faces=16_000),
            progress=first_half,
        )
        pc = tile_scan(
            las,
            out_dir / "pointcloud",
            src_crs=anchor.crs,
            heights=heights,
            anchor=anchor,
            progress=(lambda f, s: progress(0.5 + 0.5 * f, s)) if progress else None,
        )
    return {"mesh": mesh, "pointcloud": pc}
