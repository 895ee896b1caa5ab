"""Meshes (OBJ+MTL, PLY colours, STL, GLB) → HLOD 3D Tiles; positions, LOD rules, textures, Draco."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image
from tiling_helpers import (
    ANCHOR_ENH,
    ANCHOR_H,
    ANCHOR_LAT,
    ANCHOR_LON,
    decoded_tiles,
    expected_ecef_5899,
    geodetic_to_ecef,
    glb_json,
    grid_mesh,
    write_obj,
    write_ply_mesh,
)

from tiling import tile_scan
from tiling.gltf_read import position_bounds, read_glb
from tiling.mesh.hlod import MeshParams
from tiling.mesh.simplify import _collapse_mapping, cluster, simplify

ORIGIN = geodetic_to_ecef(ANCHOR_LON, ANCHOR_LAT, ANCHOR_H)
SMALL = MeshParams(max_leaf_faces=1500)


def nearest(out: Path, target: np.ndarray) -> float:
    """Distance from target to the closest vertex of the finest (leaf) tiles."""
    return min(float(np.linalg.norm(p["ECEF"] - target, axis=1).min()) for p in decoded_tiles(out, leaves_only=True))


def textured_obj(d: Path, n: int = 40) -> tuple[Path, int]:
    v, f = grid_mesh(n, 30.0)
    uv = (v[:, :2] + 15.0) / 30.0
    rng = np.random.default_rng(4)
    img = np.clip(rng.normal(128, 40, (256, 256, 3)), 0, 255).astype(np.uint8)
    img[:128, :128] = [200, 30, 30]  # top-left quadrant red (v high, u low)
    Image.fromarray(img).save(d / "tex.png")
    write_obj(d / "site.obj", v, f, uv, texture="tex.png")
    return d / "site.obj", len(f)


def walk(tile: dict, parent_ge: float, out: list) -> None:
    assert tile["geometricError"] <= parent_ge
    out.append(tile)
    for c in tile.get("children", []):
        walk(c, tile["geometricError"], out)


def test_obj_textured_local_anchor_hlod(tmp_path: Path) -> None:
    obj, faces = textured_obj(tmp_path)
    stats = tile_scan(obj, tmp_path / "out", src_crs=5899, anchor=ANCHOR_ENH, compress=False, mesh=SMALL)
    out = tmp_path / "out"
    assert stats.kind == "mesh" and stats.faces == faces and stats.tiles > 4
    assert nearest(out, ORIGIN) < 0.02
    ts = json.loads((out / "tileset.json").read_text())
    root = ts["root"]
    assert root["refine"] == "REPLACE" and len(root["transform"]) == 16
    tiles: list = []
    walk(root, ts["geometricError"], tiles)
    leaves = [t for t in tiles if not t.get("children")]
    assert all(t["geometricError"] == 0 for t in leaves)
    assert all(t["geometricError"] > 0 for t in tiles if t.get("children"))

    # full detail in the leaves, fewer faces in every parent than in its children together
    def nfaces(t):
        return sum(len(p["indices"]) for p in decoded_one(out / t["content"]["uri"]))

    assert sum(nfaces(t) for t in leaves) == faces
    for t in tiles:
        if t.get("children"):
            assert nfaces(t) < 0.5 * sum(nfaces(c) for c in t["children"])
    # textures: every tile has one; parents' are downsized
    leaf_img = max(_image_size(out / t["content"]["uri"]) for t in leaves)
    assert _image_size(out / root["content"]["uri"])[0] <= leaf_img[0]
    g = glb_json(out / root["content"]["uri"])
    assert g["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]["index"] == 0
    assert "KHR_materials_unlit" in g["extensionsUsed"]


def decoded_one(path: Path) -> list[dict]:
    from tiling.gltf_read import primitives_enu

    return primitives_enu(path)


def _image_size(path: Path) -> tuple[int, int]:
    g = read_glb(path)
    view = g.doc["bufferViews"][g.doc["images"][0]["bufferView"]]
    data = g.bin[view.get("byteOffset", 0) : view.get("byteOffset", 0) + view["byteLength"]]
    return Image.open(io.BytesIO(data)).size


def test_texture_colours_follow_uv_crop(tmp_path: Path) -> None:
    """The red quadrant of the texture must stay on the north-west of the model after cropping."""
    obj, _ = textured_obj(tmp_path)
    tile_scan(obj, tmp_path / "out", src_crs=5899, anchor=ANCHOR_ENH, compress=False, mesh=SMALL)
    ts = json.loads((tmp_path / "out" / "tileset.json").read_text())
    leaves: list = []
    walk(ts["root"], ts["geometricError"], leaves)
    checked = 0
    for t in (x for x in leaves if not x.get("children")):
        path = tmp_path / "out" / t["content"]["uri"]
        g = read_glb(path)
        view = g.doc["bufferViews"][g.doc["images"][0]["bufferView"]]
        img = np.asarray(Image.open(io.BytesIO(g.bin[view["byteOffset"] : view["byteOffset"] + view["byteLength"]])))
        prim = decoded_one(path)[0]
        uv, enu = prim["TEXCOORD_0"], prim["POSITION"]
        h, w = img.shape[:2]
        px = img[np.clip((uv[:, 1] * h).astype(int), 0, h - 1), np.clip((uv[:, 0] * w).astype(int), 0, w - 1)]
        nw = (enu[:, 0] < -1) & (enu[:, 1] > 1)  # well inside the north-west quadrant
        se = (enu[:, 0] > 1) & (enu[:, 1] < -1)
        if nw.any():
            assert np.median(px[nw, 0]) > 150 and np.median(px[nw, 1]) < 90
            checked += 1
        if se.any():
            assert np.median(px[se, 0]) < 190
    assert checked >= 1


def test_draco_compression_validates(tmp_path: Path) -> None:
    obj, _ = textured_obj(tmp_path)
    plain = tile_scan(obj, tmp_path / "plain", src_crs=5899, anchor=ANCHOR_ENH, compress=False, mesh=SMALL)
    comp = tile_scan(obj, tmp_path / "draco", src_crs=5899, anchor=ANCHOR_ENH, compress=True, mesh=SMALL)
    assert comp.compressed and comp.bytes < plain.bytes  # tile_scan has validated both (gltf-validator)
    for f in (tmp_path / "draco" / "tiles").glob("*.glb"):
        g = glb_json(f)
        assert "KHR_draco_mesh_compression" in g["extensionsRequired"]
        lo_c, hi_c = position_bounds(f)
        lo_p, hi_p = position_bounds(tmp_path / "plain" / "tiles" / f.name)
        assert np.abs(lo_c - lo_p).max() < 0.01 and np.abs(hi_c - hi_p).max() < 0.01


def test_ply_vertex_colours_in_5899(tmp_path: Path) -> None:
    v, f = grid_mesh(30, 20.0)
    v = v + np.array(ANCHOR_ENH)
    rgba = np.c_[np.full((len(v), 3), [250, 120, 10]), np.full(len(v), 255)].astype(np.uint8)
    write_ply_mesh(tmp_path / "m.ply", v, f, rgba)
    stats = tile_scan(tmp_path / "m.ply", tmp_path / "out", src_crs="EPSG:5899", compress=False)
    assert stats.kind == "mesh" and stats.faces == len(f)
    assert nearest(tmp_path / "out", ORIGIN) < 0.02
    g = glb_json(tmp_path / "out" / "tiles" / "0.glb")
    acc = g["accessors"][g["meshes"][0]["primitives"][0]["attributes"]["COLOR_0"]]
    assert (acc["type"], acc["componentType"], acc["normalized"]) == ("VEC4", 5121, True)
    col = decoded_one(tmp_path / "out" / "tiles" / "0.glb")[0]["COLOR_0"]
    assert col[:, :3].tolist()[0] == [250, 120, 10]


def test_stl_local_heading_90(tmp_path: Path) -> None:
    """STL is float32 triangle soup: welded, then placed with heading 90° (local +y = grid east)."""
    v, f = grid_mesh(20, 20.0, bump=0.0)
    v[:, 2] += 1.0
    trimesh.Trimesh(v, f, process=False).export(tmp_path / "m.stl")
    stats = tile_scan(
        tmp_path / "m.stl", tmp_path / "out", src_crs=5899, anchor=ANCHOR_ENH, heading=90.0, compress=False
    )
    assert stats.faces == len(f)
    e0, n0, h0 = ANCHOR_ENH
    # local (10, 0, 1): heading 90 → E0, N0 − 10 ; local (0, 10, 1) → E0 + 10, N0
    assert nearest(tmp_path / "out", expected_ecef_5899(e0, n0 - 10, h0 + 1)) < 0.02
    assert nearest(tmp_path / "out", expected_ecef_5899(e0 + 10, n0, h0 + 1)) < 0.02


def test_glb_input_is_y_up(tmp_path: Path) -> None:
    v, f = grid_mesh(10, 10.0, bump=0.0)
    v[:, 2] += 5.0  # z-up: a flat square 5 m above the anchor
    gl = np.c_[v[:, 0], v[:, 2], -v[:, 1]]  # → glTF y-up
    trimesh.Trimesh(gl, f, process=False).export(tmp_path / "m.glb")
    tile_scan(tmp_path / "m.glb", tmp_path / "out", src_crs=5899, anchor=ANCHOR_ENH, compress=False)
    e0, n0, h0 = ANCHOR_ENH
    assert nearest(tmp_path / "out", expected_ecef_5899(e0, n0, h0 + 5)) < 0.02
    assert nearest(tmp_path / "out", expected_ecef_5899(e0 + 5, n0 + 5, h0 + 5)) < 0.02


def test_obj_georeferenced_5899(tmp_path: Path) -> None:
    v, f = grid_mesh(20, 10.0)
    write_obj(tmp_path / "g.obj", v + np.array(ANCHOR_ENH), f)
    stats = tile_scan(tmp_path / "g.obj", tmp_path / "out", src_crs=5899, heights="normal", compress=False)
    assert stats.faces == len(f)
    assert nearest(tmp_path / "out", ORIGIN) < 0.02
    assert abs(stats.origin["lon"] - ANCHOR_LON) < 1e-5


# ----------------------------------------------------------------------------- decimation
def test_collapse_mapping_matches_replay() -> None:
    import fast_simplification

    v, f = grid_mesh(40, 30.0)
    p, _nf, coll = fast_simplification.simplify(v, f, target_count=len(f) // 4, return_collapses=True)
    _, _f2, ref = fast_simplification.replay_simplification(v, f, coll)
    mine = _collapse_mapping(len(v), f, coll, len(p))
    assert mine is not None and np.array_equal(mine, ref)


def test_simplify_reaches_target_even_when_qem_stalls() -> None:
    # a perfectly planar, regular grid is where fast-simplification stalls (notes §4)
    v, f = grid_mesh(60, 30.0, bump=0.0)
    v[:, 2] = 0.0
    uv = (v[:, :2] + 15) / 30
    target = len(f) // 16
    v2, f2, a2, method = simplify(v, f, {"uv": uv}, target)
    assert len(f2) <= 1.5 * target and len(a2["uv"]) == len(v2) and method in ("qem", "cluster")
    v3, f3, _a3 = cluster(v, f, {"uv": uv}, target)
    assert 0 < len(f3) <= 1.2 * target and f3.max() < len(v3)


@pytest.mark.parametrize("n", [1, 3])
def test_tiny_meshes(tmp_path: Path, n: int) -> None:
    v, f = grid_mesh(2 * n, 2.0)
    write_obj(tmp_path / "t.obj", v, f)
    stats = tile_scan(tmp_path / "t.obj", tmp_path / "out", src_crs=5899, anchor=ANCHOR_ENH)
    assert stats.tiles == 1 and stats.faces == len(f)


def test_missing_texture_is_reported(tmp_path: Path) -> None:
    obj, _ = textured_obj(tmp_path)
    (tmp_path / "tex.png").unlink()
    stats = tile_scan(obj, tmp_path / "out", src_crs=5899, anchor=ANCHOR_ENH, compress=False)
    assert any("tex.png" in w and "not found" in w for w in stats.warnings)
