"""Gaussian splats (3DGS PLY, .splat, .spz) → 3D Tiles 1.1 with KHR_gaussian_splatting.

The fixture is a known shape: splats on a 3 × 3 × 3 lattice of 5 m cells, each carrying its
index in its colour bytes, in a local frame (x right, y forward, z up) placed with an anchor
(E 426900, N 1144200, H 15 in EPSG:5899) and a heading of 30°. Every decoded splat must sit
within 2 mm of where the notes' explicit PROJ pipeline + EGM96 (not ``crs``) puts it, and its
long axis must point where local +x points on the ground.
"""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from tiling_helpers import ANCHOR_ENH, decoded_splats, expected_ecef_5899, glb_json

from tiling import TilingError, detect_kind, tile_scan
from tiling.splats import spz
from tiling.splats.readers import write_ply
from tiling.splats.spz import Splats

HEADING = 30.0
LONG = 0.4  # metres: the splats are long along local x, thin across
COLOR_UNIT = spz.COLOR_SCALE * 255.0


def lattice() -> tuple[Splats, np.ndarray]:
    """Splats at (−5, 0, 5)³ + a thicket of 1 500 filler splats near the origin; returns the
    splats and each one's index (encoded in its three colour bytes)."""
    g = np.array([-5.0, 0.0, 5.0])
    corners = np.array([[x, y, z + 5] for x in g for y in g for z in g])
    rng = np.random.default_rng(4)
    filler = np.c_[rng.uniform(-4, 4, 1500), rng.uniform(-4, 4, 1500), rng.uniform(0.5, 9.5, 1500)]
    pos = np.concatenate([corners, filler])
    n = len(pos)
    idx = np.arange(n)
    colour_bytes = np.c_[idx % 256, (idx // 256) % 256, np.full(n, 100)]
    dc = (colour_bytes - 127.5) / COLOR_UNIT  # decodes to exactly these bytes
    rot = np.tile([0.0, 0.0, 0.0, 1.0], (n, 1))
    scales = np.tile(np.log([LONG, 0.02, 0.02]), (n, 1))
    return Splats(pos, rot, scales, np.full(n, 3.0), dc), idx


def splat_index(dc: np.ndarray) -> np.ndarray:
    b = np.rint(dc * COLOR_UNIT + 127.5).astype(np.int64)
    return b[:, 0] + 256 * b[:, 1]


def local_to_grid(xyz: np.ndarray) -> np.ndarray:
    c, s = np.cos(np.radians(HEADING)), np.sin(np.radians(HEADING))
    e0, n0, h0 = ANCHOR_ENH
    x, y, z = xyz.T
    return np.c_[e0 + x * c + y * s, n0 - x * s + y * c, h0 + z]


def tiled(tmp_path: Path, name: str, splats: Splats, **kw) -> tuple[object, dict]:
    src = tmp_path / name
    if name.endswith(".ply"):
        write_ply(src, splats)
    elif name.endswith(".splat"):
        write_dot_splat(src, splats)
    else:
        # the SPZ library stores its own axes (right-up-back): the .ply's y and z negated
        flipped = Splats(
            splats.positions * [1, -1, -1],
            splats.rotations * [1, -1, -1, 1],
            splats.log_scales,
            splats.opacity_logits,
            splats.colors_dc,
        )
        src.write_bytes(spz.encode(flipped, bits=12))
    out = tmp_path / f"out-{name}"
    stats = tile_scan(src, out, src_crs=5899, anchor=ANCHOR_ENH, heading=HEADING, **kw)
    return stats, decoded_splats(out)


def write_dot_splat(path: Path, s: Splats) -> None:
    rec = np.dtype([("p", "<f4", 3), ("s", "<f4", 3), ("c", "u1", 4), ("r", "u1", 4)])
    out = np.zeros(len(s), rec)
    out["p"], out["s"] = s.positions, np.exp(s.log_scales)
    rgb = 0.5 + 0.28209479177387814 * s.colors_dc
    out["c"][:, :3] = np.clip(np.rint(rgb * 255), 0, 255)
    out["c"][:, 3] = np.rint(spz.sigmoid(s.opacity_logits) * 255)
    wxyz = s.rotations[:, [3, 0, 1, 2]]
    out["r"] = np.clip(np.rint(wxyz * 128 + 128), 0, 255)
    path.write_bytes(out.tobytes())


def test_ply_splats_land_where_the_anchor_puts_them(tmp_path: Path) -> None:
    splats, idx = lattice()
    stats, got = tiled(tmp_path, "lattice.ply", splats)
    assert stats.kind == "splat" and stats.splats == len(splats) and stats.compressed
    order = np.argsort(splat_index(got_dc(tmp_path / "out-lattice.ply")))
    assert len(order) == len(splats)
    ecef = got["ECEF"][order]
    want = np.array([expected_ecef_5899(*p) for p in local_to_grid(splats.positions[:27])])
    err = np.linalg.norm(ecef[:27] - want, axis=1)
    assert err.max() < 0.002, err.max()
    # the long axis (local +x) points where local +x goes on the ground
    origin, east_1 = (
        expected_ecef_5899(*local_to_grid(np.zeros((1, 3)))[0]),
        expected_ecef_5899(*local_to_grid(np.array([[1.0, 0.0, 0.0]]))[0]),
    )
    want_dir = (east_1 - origin) / np.linalg.norm(east_1 - origin)
    ts = json.loads((tmp_path / "out-lattice.ply" / "tileset.json").read_text())
    to_ecef = np.asarray(ts["root"]["transform"], float).reshape(4, 4).T[:3, :3]
    axis = rotate(got["q"][order][:27], np.array([1.0, 0.0, 0.0]))  # glTF axes
    from tiling.gltf import gltf_to_enu

    dirs = gltf_to_enu(axis) @ to_ecef.T
    angle = np.degrees(np.arccos(np.clip(dirs @ want_dir, -1, 1)))
    assert angle.max() < 1.0, angle.max()  # 8-bit quaternions: a fraction of a degree
    assert np.allclose(np.exp(got["log_scale"][order][:27, 0]), LONG, rtol=0.05)
    # the tileset tells CesiumJS the glb are splats; SPZ and the base extension are required
    ext = ts["extensions"]["3DTILES_content_gltf"]
    assert ext["extensionsRequired"] == ["KHR_gaussian_splatting", "KHR_gaussian_splatting_compression_spz_2"]
    assert ts["asset"]["version"] == "1.1" and ts["root"]["refine"] == "ADD" and stats.tiles >= 1


def got_dc(out: Path) -> np.ndarray:
    """The DC colour of every splat, in decoding order (the same walk as decoded_splats)."""
    from tiling.gltf_read import read_glb

    ts = json.loads((out / "tileset.json").read_text())
    parts = []

    def walk(tile):
        if "content" in tile:
            g = read_glb(out / tile["content"]["uri"])
            ext = g.doc["meshes"][0]["primitives"][0]["extensions"]["KHR_gaussian_splatting"]["extensions"]
            view = g.doc["bufferViews"][ext["KHR_gaussian_splatting_compression_spz_2"]["bufferView"]]
            start = view.get("byteOffset", 0)
            parts.append(spz.decode(g.bin[start : start + view["byteLength"]]).colors_dc)
        for c in tile.get("children", []):
            walk(c)

    walk(ts["root"])
    return np.concatenate(parts)


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vector v by each quaternion (x, y, z, w)."""
    u, w = q[:, :3], q[:, 3:4]
    t = 2 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def test_splat_and_spz_land_like_the_ply(tmp_path: Path) -> None:
    splats, _ = lattice()
    _, from_ply = tiled(tmp_path, "a.ply", splats)
    corners = from_ply["ECEF"][np.argsort(splat_index(got_dc(tmp_path / "out-a.ply")))][:27]
    for name in ("a.splat", "a.spz"):
        stats, got = tiled(tmp_path, name, splats)
        assert stats.kind == "splat" and stats.splats == len(got["ECEF"]) == len(splats)
        # .splat keeps 8-bit colour, not the DC coefficients: match the lattice splats by position
        nearest = np.argmin(np.linalg.norm(got["ECEF"][None, :, :] - corners[:, None, :], axis=2), axis=1)
        d = np.linalg.norm(got["ECEF"][nearest] - corners, axis=1)
        assert d.max() < 0.002, (name, d.max())
        axis = rotate(got["q"][nearest], np.array([1.0, 0.0, 0.0]))
        want = rotate(
            from_ply["q"][np.argsort(splat_index(got_dc(tmp_path / "out-a.ply")))][:27], np.array([1.0, 0, 0])
        )
        assert np.min(np.sum(axis * want, axis=1)) > 0.999, name


def test_uncompressed_splats_validate(tmp_path: Path) -> None:
    splats, _ = lattice()
    stats, got = tiled(tmp_path, "u.ply", splats, compress=False)  # tile_scan ran gltf-validator
    assert not stats.compressed and len(got["ECEF"]) == len(splats)
    ts = json.loads((tmp_path / "out-u.ply" / "tileset.json").read_text())
    assert ts["extensions"]["3DTILES_content_gltf"]["extensionsRequired"] == ["KHR_gaussian_splatting"]
    g = glb_json(tmp_path / "out-u.ply" / ts["root"]["content"]["uri"])
    prim = g["meshes"][0]["primitives"][0]
    assert prim["mode"] == 0 and {"POSITION", "COLOR_0", "_ROTATION", "_SCALE", "_OPACITY"} <= set(prim["attributes"])


def test_a_3dgs_ply_is_told_from_a_point_cloud(tmp_path: Path) -> None:
    splats, _ = lattice()
    write_ply(tmp_path / "s.ply", splats)
    head = b"ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
    (tmp_path / "p.ply").write_bytes(head + b"property float z\nend_header\n" + struct.pack("<3f", 0, 0, 0))
    assert detect_kind(tmp_path / "s.ply") == "splat"
    assert detect_kind(tmp_path / "p.ply") == "pointcloud"
    assert detect_kind(tmp_path / "x.splat") == "splat" and detect_kind(tmp_path / "x.spz") == "splat"


def test_bad_splat_inputs(tmp_path: Path) -> None:
    splats, _ = lattice()
    splats.positions = splats.positions * 1e-5 + [107.0843, 10.346, 20.0]  # longitude/latitude degrees
    write_ply(tmp_path / "s.ply", splats)
    with pytest.raises(TilingError, match="metric coordinates"):
        tile_scan(tmp_path / "s.ply", tmp_path / "o1", src_crs=4326, heights="ellipsoidal")
    (tmp_path / "bad.splat").write_bytes(b"\0" * 33)
    with pytest.raises(TilingError, match="multiple of 32"):
        tile_scan(tmp_path / "bad.splat", tmp_path / "o2", src_crs=5899, anchor=ANCHOR_ENH)
    (tmp_path / "bad.spz").write_bytes(gzip.compress(b"not a splat file at all"))
    with pytest.raises(TilingError, match="SPZ"):
        tile_scan(tmp_path / "bad.spz", tmp_path / "o3", src_crs=5899, anchor=ANCHOR_ENH)


def test_splats_get_levels_of_detail(tmp_path: Path) -> None:
    """More splats than a leaf holds: an additive octree, every splat in exactly one tile."""
    from tiling.pointcloud.octree import OctreeParams

    splats, _ = lattice()
    stats, got = tiled(tmp_path, "lod.ply", splats, octree=OctreeParams(max_leaf=200, max_node=150))
    ts = json.loads((tmp_path / "out-lod.ply" / "tileset.json").read_text())

    def depth(t: dict, parent_ge: float) -> int:
        assert t["geometricError"] <= parent_ge and ("children" in t or t["geometricError"] == 0)
        return 1 + max((depth(c, t["geometricError"]) for c in t.get("children", [])), default=0)

    assert depth(ts["root"], ts["geometricError"]) >= 3 and stats.tiles > 5
    assert len(got["ECEF"]) == len(splats)
    idx = splat_index(got_dc(tmp_path / "out-lod.ply"))
    assert np.array_equal(np.sort(idx), np.arange(len(splats)))  # each splat once
