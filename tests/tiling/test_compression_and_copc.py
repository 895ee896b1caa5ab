"""Point tiles compressed (EXT_meshopt_compression, the default) and not (--no-compress): the same
points within 2 mm, both valid; and COPC input tiled node by node without re-sorting.

Every point carries its index in its intensity, so the two tilesets can be compared point by
point. The COPC fixture is written by tests/tiling/copc_writer.py and read back by laspy's
CopcReader before it is tiled.
"""

from __future__ import annotations

import json
from pathlib import Path

import laspy
import numpy as np
import pytest
from copc_writer import write_copc
from test_pointcloud import EXPECTED, write_las
from tiling_helpers import ANCHOR_ENH, decoded_tiles, glb_json
from typer.testing import CliRunner

from tiling import tile_scan, validate_output
from tiling.cli import app
from tiling.pointcloud import copc
from tiling.pointcloud.octree import OctreeParams

N = 12_000
SMALL = OctreeParams(max_leaf=800, max_node=600, bucket=5000, chunk=3000)


def indexed_cloud(seed: int = 31, spread: float = 30.0):
    rng = np.random.default_rng(seed)
    xyz = np.c_[rng.uniform(-spread, spread, N), rng.uniform(-spread, spread, N), rng.uniform(0, 8, N)]
    xyz += np.asarray(ANCHOR_ENH)
    xyz[0] = ANCHOR_ENH  # the notes' check point
    rgb = rng.integers(0, 256, (N, 3)).astype(np.uint8)
    return xyz, rgb, np.arange(N, dtype=np.uint16), np.full(N, 2, np.uint8)


def by_index(out: Path) -> tuple[np.ndarray, np.ndarray]:
    """ECEF positions and colours of all points, ordered by the index kept in their intensity."""
    prims = decoded_tiles(out)
    idx = np.concatenate([p["_INTENSITY"] for p in prims])
    ecef = np.concatenate([p["ECEF"] for p in prims])
    rgb = np.concatenate([p["COLOR_0"][:, :3] for p in prims])
    order = np.argsort(idx)
    assert np.array_equal(idx[order], np.arange(N)), "every point exactly once"
    return ecef[order], rgb[order]


def extensions(out: Path) -> tuple[set[str], set[str]]:
    used, required = set(), set()
    for glb in (out / "tiles").glob("*.glb"):
        doc = glb_json(glb)
        used |= set(doc.get("extensionsUsed", []))
        required |= set(doc.get("extensionsRequired", []))
    return used, required


def test_compressed_and_plain_tiles_hold_the_same_points(tmp_path: Path) -> None:
    xyz, rgb, inten, cls = indexed_cloud()
    write_las(tmp_path / "a.las", xyz, rgb, inten, cls)
    plain = tile_scan(tmp_path / "a.las", tmp_path / "plain", src_crs=5899, compress=False, octree=SMALL)
    packed = tile_scan(tmp_path / "a.las", tmp_path / "packed", src_crs=5899, octree=SMALL)  # default
    assert packed.compressed and not plain.compressed and plain.tiles == packed.tiles > 10
    assert packed.bytes < 0.75 * plain.bytes, (packed.bytes, plain.bytes)
    for out in (tmp_path / "plain", tmp_path / "packed"):  # 3D Tiles rules + gltf-validator, again
        assert validate_output(out) == []
    assert extensions(tmp_path / "plain") == ({"EXT_structural_metadata"}, set())
    used, required = extensions(tmp_path / "packed")
    assert {"EXT_meshopt_compression", "KHR_mesh_quantization"} <= required and "EXT_structural_metadata" in used
    # same tiles: same points per tile (a tile's points are reordered, never moved to another)
    a = {p["uri"]: np.sort(p["_INTENSITY"]) for p in decoded_tiles(tmp_path / "plain")}
    b = {p["uri"]: np.sort(p["_INTENSITY"]) for p in decoded_tiles(tmp_path / "packed")}
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    p_ecef, p_rgb = by_index(tmp_path / "plain")
    c_ecef, c_rgb = by_index(tmp_path / "packed")
    assert np.linalg.norm(c_ecef - p_ecef, axis=1).max() < 0.002
    assert np.array_equal(c_rgb, p_rgb)
    assert np.linalg.norm(p_ecef[0] - EXPECTED) < 0.02  # and both where the notes say


def test_cli_no_compress(tmp_path: Path) -> None:
    xyz, rgb, inten, cls = indexed_cloud(32)
    write_las(tmp_path / "a.las", xyz, rgb, inten, cls)
    r = CliRunner().invoke(app, ["tile", str(tmp_path / "a.las"), str(tmp_path / "out"), "--crs", "EPSG:5899"])
    assert r.exit_code == 0, r.output
    r2 = CliRunner().invoke(
        app, ["tile", str(tmp_path / "a.las"), str(tmp_path / "raw"), "--crs", "EPSG:5899", "--no-compress", "--json"]
    )
    assert r2.exit_code == 0, r2.output
    assert json.loads(r2.stdout)["compressed"] is False
    assert "EXT_meshopt_compression" in extensions(tmp_path / "out")[1]
    assert "EXT_meshopt_compression" not in extensions(tmp_path / "raw")[0]


def copc_file(tmp_path: Path) -> tuple[Path, dict]:
    xyz, rgb, inten, cls = indexed_cloud(33)
    path = tmp_path / "scan.copc.laz"
    nodes = write_copc(path, xyz, rgb, inten, cls, epsg=5899, max_leaf=500)
    with laspy.CopcReader.open(str(path)) as reader:  # the file is COPC as laspy reads it
        assert reader.header.point_count == N and len(reader.query()) == N
        assert len(reader.level_query(0)) == nodes[(0, 0, 0, 0)]
    return path, nodes


def test_copc_is_tiled_node_by_node(tmp_path: Path) -> None:
    path, nodes = copc_file(tmp_path)
    assert len(nodes) > 20
    stats = tile_scan(path, tmp_path / "out", heights="normal")  # CRS from the file's WKT
    assert stats.points == N and stats.tiles == len(nodes)
    meta = json.loads((tmp_path / "out" / "scan.json").read_text())
    assert meta["source_octree"] == "copc"
    # each COPC node became the tile of the same key, with the same points
    per_tile = {Path(p["uri"]).stem: len(p["POSITION"]) for p in decoded_tiles(tmp_path / "out")}
    assert per_tile == {f"{k[0]}-{k[1]}-{k[2]}-{k[3]}": n for k, n in nodes.items()}
    ts = json.loads((tmp_path / "out" / "tileset.json").read_text())
    assert ts["root"]["content"]["uri"] == "tiles/0-0-0-0.glb" and ts["root"]["refine"] == "ADD"
    # the same points as the LAS route, within 2 mm (and the check point where the notes say)
    ecef, _ = by_index(tmp_path / "out")
    assert np.linalg.norm(ecef[0] - EXPECTED) < 0.02
    xyz, rgb, inten, cls = indexed_cloud(33)
    write_las(tmp_path / "same.las", xyz, rgb, inten, cls)
    tile_scan(tmp_path / "same.las", tmp_path / "las", src_crs=5899)
    las_ecef, _ = by_index(tmp_path / "las")
    assert np.linalg.norm(ecef - las_ecef, axis=1).max() < 0.002


def test_copc_with_an_oversized_node_is_sorted_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, nodes = copc_file(tmp_path)
    monkeypatch.setattr(copc, "MAX_NODE_POINTS", 100)  # every node too big: the ordinary octree
    stats = tile_scan(path, tmp_path / "out", heights="normal", octree=SMALL)
    assert stats.points == N
    assert "source_octree" not in json.loads((tmp_path / "out" / "scan.json").read_text())
    ecef, _ = by_index(tmp_path / "out")
    assert np.linalg.norm(ecef[0] - EXPECTED) < 0.02
