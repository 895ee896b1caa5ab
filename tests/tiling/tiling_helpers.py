"""Helpers for the tiling tests: fixture writers and crs-independent position decoding.

Expected positions are computed here without ``crs`` (and without ``tiling.volumes``):
WGS 84 geodetic → ECEF with the textbook formula, from check values in
shared/notes/3d-tiles-and-vn2000.md or from the explicit, fully spelled-out PROJ
pipeline of those notes.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np

from tiling.gltf_read import primitives_enu

# Notes §6: anchor E 426900, N 1144200, H 15 (normal) in EPSG:5899 →
ANCHOR_ENH = (426900.0, 1144200.0, 15.0)
ANCHOR_LON, ANCHOR_LAT, ANCHOR_H = 107.084278395, 10.345995457, 13.181
GEOID_N = -1.819  # EGM96 at Vũng Tàu (notes §2)

# Notes §1: explicit 5899 → WGS 84 lon/lat pipeline with the EPSG:6960 parameters.
PIPE_5899 = (
    "+proj=pipeline +step +inv +proj=tmerc +lat_0=0 +lon_0=107.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+step +proj=push +v_3 +step +proj=cart +ellps=WGS84 +step +proj=helmert +x=-191.90441429 "
    "+y=-39.30318279 +z=-111.45032835 +rx=-0.00928836 +ry=0.01975479 +rz=-0.00427372 +s=0.252906278 "
    "+convention=coordinate_frame +step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
    "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
)


def geodetic_to_ecef(lon: float, lat: float, h: float) -> np.ndarray:
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    lo, la = math.radians(lon), math.radians(lat)
    n = a / math.sqrt(1 - e2 * math.sin(la) ** 2)
    return np.array(
        [
            (n + h) * math.cos(la) * math.cos(lo),
            (n + h) * math.cos(la) * math.sin(lo),
            (n * (1 - e2) + h) * math.sin(la),
        ]
    )


def expected_ecef_5899(e: float, n: float, H: float) -> np.ndarray:
    """5899 (E, N, normal H) near the anchor → ECEF, via the notes' explicit pipeline + EGM96 N."""
    from pyproj import Transformer

    lon, lat = Transformer.from_pipeline(PIPE_5899).transform(e, n)
    return geodetic_to_ecef(lon, lat, H + GEOID_N)


def _matrix(t: list[float] | None) -> np.ndarray:
    return np.eye(4) if t is None else np.asarray(t, float).reshape(4, 4).T


def decoded_tiles(tileset_dir: Path, *, leaves_only: bool = False) -> list[dict]:
    """Decode every (or every leaf) tile's primitives into ECEF, through all tile transforms."""
    root_dir = Path(tileset_dir)
    ts = json.loads((root_dir / "tileset.json").read_text())
    out = []

    def walk(tile: dict, world: np.ndarray) -> None:
        world = world @ _matrix(tile.get("transform"))
        kids = tile.get("children", [])
        if "content" in tile and (not leaves_only or not kids):
            for prim in primitives_enu(root_dir / tile["content"]["uri"]):
                p = prim["POSITION"]
                prim["ECEF"] = p @ world[:3, :3].T + world[:3, 3]
                prim["uri"] = tile["content"]["uri"]
                out.append(prim)
        for c in kids:
            walk(c, world)

    walk(ts["root"], np.eye(4))
    return out


def write_ply_points(
    path: Path,
    xyz: np.ndarray,
    rgb: np.ndarray | None = None,
    intensity: np.ndarray | None = None,
    *,
    ascii: bool = False,
) -> None:
    """PLY point cloud with double coordinates (float32 would cost 0.125 m at N 1.1e6)."""
    props = [("x", "double", "<f8"), ("y", "double", "<f8"), ("z", "double", "<f8")]
    if rgb is not None:
        props += [("red", "uchar", "u1"), ("green", "uchar", "u1"), ("blue", "uchar", "u1")]
    if intensity is not None:
        props += [("intensity", "ushort", "<u2")]
    head = (
        [
            "ply",
            f"format {'ascii' if ascii else 'binary_little_endian'} 1.0",
            "comment test",
            f"element vertex {len(xyz)}",
        ]
        + [f"property {t} {n}" for n, t, _ in props]
        + ["end_header"]
    )
    arr = np.zeros(len(xyz), np.dtype([(n, d) for n, _, d in props]))
    arr["x"], arr["y"], arr["z"] = xyz.T
    if rgb is not None:
        arr["red"], arr["green"], arr["blue"] = rgb.T
    if intensity is not None:
        arr["intensity"] = intensity
    with open(path, "wb") as fh:
        fh.write(("\n".join(head) + "\n").encode())
        if ascii:
            fh.writelines(
                (" ".join(repr(float(v)) if isinstance(v, np.floating) else str(v) for v in row) + "\n").encode()
                for row in arr
            )
        else:
            fh.write(arr.tobytes())


def write_ply_mesh(path: Path, v: np.ndarray, f: np.ndarray, rgba: np.ndarray) -> None:
    """Binary PLY mesh with double vertices and uchar RGBA vertex colours."""
    head = [
        "ply",
        "format binary_little_endian 1.0",
        f"element vertex {len(v)}",
        "property double x",
        "property double y",
        "property double z",
        "property uchar red",
        "property uchar green",
        "property uchar blue",
        "property uchar alpha",
        f"element face {len(f)}",
        "property list uchar int vertex_indices",
        "end_header",
    ]
    vert = np.zeros(len(v), np.dtype([("p", "<f8", 3), ("c", "u1", 4)]))
    vert["p"], vert["c"] = v, rgba
    face = np.zeros(len(f), np.dtype([("n", "u1"), ("i", "<i4", 3)]))
    face["n"], face["i"] = 3, f
    with open(path, "wb") as fh:
        fh.write(("\n".join(head) + "\n").encode())
        fh.write(vert.tobytes())
        fh.write(face.tobytes())


def grid_mesh(n: int, size: float, *, bump: float = 0.3, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A bumpy square of 2·n² triangles centred on the origin (a vertex sits exactly at 0,0,0)."""
    rng = np.random.default_rng(seed)
    x, y = np.meshgrid(np.linspace(-size / 2, size / 2, n + 1), np.linspace(-size / 2, size / 2, n + 1))
    z = bump * np.sin(x / 3) * np.cos(y / 4) + rng.normal(0, 0.005, x.shape)
    z[n // 2, n // 2] = 0.0  # exact origin vertex (n even)
    v = np.c_[x.ravel(), y.ravel(), z.ravel()]
    i = np.arange((n + 1) ** 2).reshape(n + 1, n + 1)
    a, b, c, d = i[:-1, :-1].ravel(), i[:-1, 1:].ravel(), i[1:, :-1].ravel(), i[1:, 1:].ravel()
    return v, np.r_[np.c_[a, b, d], np.c_[a, d, c]]


def write_obj(
    path: Path, v: np.ndarray, f: np.ndarray, uv: np.ndarray | None = None, texture: str | None = None
) -> None:
    lines = []
    if texture:
        (path.with_suffix(".mtl")).write_text(f"newmtl m\nKd 1 1 1\nmap_Kd {texture}\n")
        lines.append(f"mtllib {path.with_suffix('.mtl').name}")
    lines += [f"v {a!r} {b!r} {c!r}" for a, b, c in v.tolist()]
    if uv is not None:
        lines += [f"vt {a:.6f} {b:.6f}" for a, b in uv.tolist()]
        lines.append("usemtl m")
        lines += [f"f {a}/{a} {b}/{b} {c}/{c}" for a, b, c in (f + 1).tolist()]
    else:
        lines += [f"f {a} {b} {c}" for a, b, c in (f + 1).tolist()]
    path.write_text("\n".join(lines) + "\n")


def glb_json(path: Path) -> dict:
    data = Path(path).read_bytes()
    jlen = struct.unpack_from("<I", data, 12)[0]
    return json.loads(data[20 : 20 + jlen])


def decoded_splats(tileset_dir: Path) -> dict[str, np.ndarray]:
    """Every splat of a splat tileset: ECEF positions, glTF-axis quaternions, log scales, opacity
    logits (from the SPZ blobs, or the plain accessors of an uncompressed tileset)."""
    from tiling.gltf import gltf_to_enu
    from tiling.gltf_read import read_glb
    from tiling.splats import spz

    root_dir = Path(tileset_dir)
    ts = json.loads((root_dir / "tileset.json").read_text())
    parts: dict[str, list[np.ndarray]] = {"ECEF": [], "q": [], "log_scale": [], "logit": []}

    def walk(tile: dict, world: np.ndarray) -> None:
        world = world @ _matrix(tile.get("transform"))
        if "content" in tile:
            g = read_glb(root_dir / tile["content"]["uri"])
            prim = g.doc["meshes"][0]["primitives"][0]
            blob = prim["extensions"]["KHR_gaussian_splatting"].get("extensions", {})
            if "KHR_gaussian_splatting_compression_spz_2" in blob:
                view = g.doc["bufferViews"][blob["KHR_gaussian_splatting_compression_spz_2"]["bufferView"]]
                start = view.get("byteOffset", 0)
                s = spz.decode(g.bin[start : start + view["byteLength"]])
                local, q, ls, lg = s.positions, s.rotations, s.log_scales, s.opacity_logits
            else:
                a = prim["attributes"]
                local = g.accessor(a["POSITION"]).astype(np.float64)
                q = g.accessor(a["_ROTATION"]).astype(np.float64)
                ls = np.log(g.accessor(a["_SCALE"]).astype(np.float64))
                op = g.accessor(a["_OPACITY"]).astype(np.float64)
                lg = np.log(op / (1 - op))
            enu = gltf_to_enu(local + g.node_translation())
            parts["ECEF"].append(enu @ world[:3, :3].T + world[:3, 3])
            parts["q"].append(q)
            parts["log_scale"].append(ls)
            parts["logit"].append(lg)
        for c in tile.get("children", []):
            walk(c, world)

    walk(ts["root"], np.eye(4))
    return {k: np.concatenate(v) for k, v in parts.items()}
