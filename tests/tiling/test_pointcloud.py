"""Point clouds in every input format → validated 3D Tiles, positions within 2 cm.

Each fixture holds one tagged point (intensity 65535, classification 9 where the format has
it, colour 10/200/30) exactly at the notes' check point E 426900, N 1144200, H 15 (EPSG:5899,
normal height); its decoded position must be within 2 cm of the expected ECEF computed
without ``crs``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import laspy
import numpy as np
import pytest
from tiling_helpers import (
    ANCHOR_ENH,
    ANCHOR_H,
    ANCHOR_LAT,
    ANCHOR_LON,
    decoded_tiles,
    expected_ecef_5899,
    geodetic_to_ecef,
    glb_json,
    write_ply_points,
)

from tiling import TilingError, tile_scan
from tiling.pointcloud.octree import OctreeParams

N = 6000
TAG_RGB = np.array([10, 200, 30], np.uint8)
EXPECTED = geodetic_to_ecef(ANCHOR_LON, ANCHOR_LAT, ANCHOR_H)


def cloud(seed: int = 3, centre=ANCHOR_ENH, spread: float = 20.0):
    rng = np.random.default_rng(seed)
    xyz = np.c_[rng.uniform(-spread, spread, N), rng.uniform(-spread, spread, N), rng.uniform(0, 5, N)]
    xyz = xyz + np.asarray(centre, float)
    xyz[0] = centre
    rgb = rng.integers(0, 256, (N, 3)).astype(np.uint8)
    rgb[0] = TAG_RGB
    inten = rng.integers(0, 60000, N).astype(np.uint16)
    inten[0] = 65535
    cls = np.full(N, 2, np.uint8)
    cls[0] = 9
    return xyz, rgb, inten, cls


def write_las(path: Path, xyz, rgb, inten, cls, *, crs: int | None = None) -> None:
    h = laspy.LasHeader(point_format=3, version="1.2")
    h.scales = np.array([0.001, 0.001, 0.001])
    h.offsets = np.floor(xyz.min(axis=0))
    if crs is not None:
        from pyproj import CRS

        h.add_crs(CRS.from_epsg(crs))
    las = laspy.LasData(h)
    las.x, las.y, las.z = xyz.T
    las.red, las.green, las.blue = (rgb.astype(np.uint16) * 257).T  # LAS colour is 16-bit
    las.intensity, las.classification = inten, cls
    las.write(str(path))


def tagged(out: Path) -> dict:
    """The decoded record of the tagged point (intensity 65535) across all tiles (ADD refinement)."""
    found = []
    for prim in decoded_tiles(out):
        hit = np.flatnonzero(prim["_INTENSITY"] == 65535)
        for i in hit:
            found.append(
                {
                    "ecef": prim["ECEF"][i],
                    "rgb": prim["COLOR_0"][i][:3] if "COLOR_0" in prim else None,
                    "cls": prim["_CLASSIFICATION"][i] if "_CLASSIFICATION" in prim else None,
                }
            )
    assert len(found) == 1, f"tagged point found {len(found)} times"
    return found[0]


def total_points(out: Path) -> int:
    return sum(len(p["POSITION"]) for p in decoded_tiles(out))


def check(out: Path, stats, *, has_cls: bool, has_rgb: bool = True) -> None:
    assert stats.points == N and total_points(out) == N
    t = tagged(out)
    assert np.linalg.norm(t["ecef"] - EXPECTED) < 0.02
    if has_rgb:
        assert t["rgb"].tolist() == TAG_RGB.tolist()
    if has_cls:
        assert t["cls"] == 9
    ts = json.loads((out / "tileset.json").read_text())
    assert ts["asset"]["version"] == "1.1" and ts["root"]["refine"] == "ADD"
    g = glb_json(out / ts["root"]["content"]["uri"])
    attrs = g["meshes"][0]["primitives"][0]["attributes"]
    assert g["meshes"][0]["primitives"][0]["mode"] == 0  # POINTS
    if has_rgb:
        col = g["accessors"][attrs["COLOR_0"]]
        assert (col["type"], col["componentType"], col.get("normalized")) == ("VEC4", 5121, True)
    assert "EXT_structural_metadata" in g["extensionsUsed"]


def test_las_5899_normal_heights(tmp_path: Path) -> None:
    xyz, rgb, inten, cls = cloud()
    write_las(tmp_path / "a.las", xyz, rgb, inten, cls)
    seen = []
    stats = tile_scan(
        tmp_path / "a.las",
        tmp_path / "out",
        src_crs="EPSG:5899",
        heights="normal",
        progress=lambda f, s: seen.append(f),
    )
    check(tmp_path / "out", stats, has_cls=True)
    assert seen[-1] == 1.0 and all(b >= a - 1e-9 for a, b in itertools.pairwise(seen))
    assert stats.bbox["lon_min"] < ANCHOR_LON < stats.bbox["lon_max"]
    assert abs(stats.bbox["h_min"] - ANCHOR_H) < 0.05  # the tagged point is the lowest
    assert (tmp_path / "out" / "scan.json").is_file()


def test_laz_with_crs_in_file_and_small_buckets(tmp_path: Path) -> None:
    """LAZ (lazrs), CRS read from the file, and the out-of-core path (tiny buckets/leaves)."""
    xyz, rgb, inten, cls = cloud(5)
    write_las(tmp_path / "a.laz", xyz, rgb, inten, cls, crs=5899)
    stats = tile_scan(
        tmp_path / "a.laz",
        tmp_path / "out",
        heights="normal",
        octree=OctreeParams(max_leaf=300, max_node=200, bucket=1000, chunk=700),
    )
    check(tmp_path / "out", stats, has_cls=True)
    ts = json.loads((tmp_path / "out" / "tileset.json").read_text())

    def walk(t, parent_ge, depth=0):
        assert t["geometricError"] <= parent_ge
        if not t.get("children"):
            assert t["geometricError"] == 0
        return max([depth] + [walk(c, t["geometricError"], depth + 1) for c in t.get("children", [])])

    assert walk(ts["root"], ts["geometricError"]) >= 2 and stats.tiles > 10


@pytest.mark.parametrize("ascii", [False, True])
def test_ply(tmp_path: Path, ascii: bool) -> None:
    xyz, rgb, inten, _ = cloud(7)
    write_ply_points(tmp_path / "a.ply", xyz, rgb, inten, ascii=ascii)
    stats = tile_scan(tmp_path / "a.ply", tmp_path / "out", src_crs=5899, heights="normal")
    check(tmp_path / "out", stats, has_cls=False)


def test_xyz_text(tmp_path: Path) -> None:
    xyz, rgb, inten, _ = cloud(8)
    rows = np.c_[xyz, rgb, inten]
    np.savetxt(tmp_path / "a.xyz", rows, fmt=["%.4f"] * 3 + ["%d"] * 4)
    stats = tile_scan(tmp_path / "a.xyz", tmp_path / "out", src_crs=5899)
    check(tmp_path / "out", stats, has_cls=False)


def test_csv_with_header(tmp_path: Path) -> None:
    xyz, rgb, inten, cls = cloud(9)
    rows = np.c_[xyz, rgb, inten, cls]
    np.savetxt(
        tmp_path / "a.csv",
        rows,
        fmt=["%.4f"] * 3 + ["%d"] * 5,
        delimiter=",",
        header="Easting,Northing,Height,Red,Green,Blue,Intensity,Classification",
        comments="",
    )
    stats = tile_scan(tmp_path / "a.csv", tmp_path / "out", src_crs=5899)
    check(tmp_path / "out", stats, has_cls=True)


def test_pts_leica(tmp_path: Path) -> None:
    xyz, rgb, inten, _ = cloud(10)
    rows = np.c_[xyz, inten, rgb]  # PTS: x y z intensity r g b
    np.savetxt(tmp_path / "a.pts", rows, fmt=["%.4f"] * 3 + ["%d"] * 4, header=str(N), comments="")
    stats = tile_scan(tmp_path / "a.pts", tmp_path / "out", src_crs=5899)
    check(tmp_path / "out", stats, has_cls=False)


def test_e57_with_pose(tmp_path: Path) -> None:
    pye57 = pytest.importorskip("pye57")  # declared dependency; installed from PyPI wheels
    xyz, rgb, inten, _ = cloud(11)
    origin = np.array([426000.0, 1144000.0, 0.0])
    e57 = pye57.E57(str(tmp_path / "a.e57"), mode="w")
    rel = xyz - origin  # the scan's pose carries the translation
    e57.write_scan_raw(
        {
            "cartesianX": rel[:, 0],
            "cartesianY": rel[:, 1],
            "cartesianZ": rel[:, 2],
            "intensity": inten.astype(np.float64),
            "colorRed": rgb[:, 0],
            "colorGreen": rgb[:, 1],
            "colorBlue": rgb[:, 2],
        },
        name="scan0",
        translation=origin,
        rotation=np.array([1.0, 0.0, 0.0, 0.0]),
    )
    e57.close()
    stats = tile_scan(tmp_path / "a.e57", tmp_path / "out", src_crs=5899)
    check(tmp_path / "out", stats, has_cls=False)


def test_wgs84_ellipsoidal(tmp_path: Path) -> None:
    """lon/lat + WGS 84 ellipsoidal heights: no datum shift, no geoid."""
    rng = np.random.default_rng(12)
    lon = 107.0843 + rng.uniform(-2e-4, 2e-4, N)
    lat = 10.3460 + rng.uniform(-2e-4, 2e-4, N)
    h = 20 + rng.uniform(0, 3, N)
    lon[0], lat[0], h[0] = 107.0843, 10.3460, 20.0
    inten = rng.integers(0, 60000, N)
    inten[0] = 65535
    np.savetxt(tmp_path / "a.txt", np.c_[lon, lat, h, inten], fmt=["%.9f", "%.9f", "%.4f", "%d"])
    stats = tile_scan(tmp_path / "a.txt", tmp_path / "out", src_crs="EPSG:4326", heights="ellipsoidal")
    assert stats.points == N
    t = tagged(tmp_path / "out")
    assert np.linalg.norm(t["ecef"] - geodetic_to_ecef(107.0843, 10.3460, 20.0)) < 0.02


def test_local_frame_with_anchor_and_heading(tmp_path: Path) -> None:
    """Local metres + anchor (E, N, H in 5899) + heading 30° clockwise from grid north."""
    rng = np.random.default_rng(13)
    xyz = np.c_[rng.uniform(-15, 15, N), rng.uniform(-15, 15, N), rng.uniform(0, 4, N)]
    xyz[:3] = [[0, 0, 0], [10, 0, 0], [0, 10, 2]]
    inten = rng.integers(0, 60000, N).astype(np.uint16)
    inten[:3] = [65535, 65534, 65533]
    write_las(tmp_path / "local.las", xyz, np.zeros((N, 3), np.uint8), inten, np.full(N, 1, np.uint8))
    stats = tile_scan(
        tmp_path / "local.las", tmp_path / "out", src_crs=5899, heights="normal", anchor=ANCHOR_ENH, heading=30.0
    )
    assert stats.points == N
    e0, n0, h0 = ANCHOR_ENH
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    want = {
        65535: geodetic_to_ecef(ANCHOR_LON, ANCHOR_LAT, ANCHOR_H),
        # x=10 → E0 + 10 cos θ, N0 − 10 sin θ; y=10 → E0 + 10 sin θ, N0 + 10 cos θ (scale 0.99997: 0.3 mm)
        65534: expected_ecef_5899(e0 + 10 * c, n0 - 10 * s, h0),
        65533: expected_ecef_5899(e0 + 10 * s, n0 + 10 * c, h0 + 2),
    }
    got = {}
    for prim in decoded_tiles(tmp_path / "out"):
        for tag in want:
            for i in np.flatnonzero(prim["_INTENSITY"] == tag):
                got[tag] = prim["ECEF"][i]
    for tag, w in want.items():
        assert np.linalg.norm(got[tag] - w) < 0.02, (tag, np.linalg.norm(got[tag] - w))


def test_no_crs_is_an_error(tmp_path: Path) -> None:
    xyz, rgb, inten, cls = cloud()
    write_las(tmp_path / "a.las", xyz, rgb, inten, cls)
    with pytest.raises(TilingError, match="coordinate system of the scan is not known"):
        tile_scan(tmp_path / "a.las", tmp_path / "out")


def test_parallel_transform_gives_identical_tiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """workers=2 (spawned processes for the datum/geoid step) must not change a single byte."""
    from tiling.pointcloud import ingest

    monkeypatch.setattr(ingest, "PARALLEL_MIN_POINTS", 1000)
    xyz, rgb, inten, cls = cloud(21)
    write_las(tmp_path / "a.las", xyz, rgb, inten, cls)
    outs = {}
    for w in (1, 2):
        tile_scan(tmp_path / "a.las", tmp_path / f"w{w}", src_crs=5899, octree=OctreeParams(chunk=1000, workers=w))
        outs[w] = {p.name: p.read_bytes() for p in (tmp_path / f"w{w}" / "tiles").glob("*.glb")}
    assert outs[1] == outs[2]
    assert (tmp_path / "w1" / "tileset.json").read_bytes() == (tmp_path / "w2" / "tileset.json").read_bytes()


def test_out_of_core_split_is_the_same_every_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small buckets force upper levels above them: the dense "taken" tables and the sorted-set
    fallback (the original way) must pick the same points, and so must the worker processes
    (count grid and upper tiles written there)."""
    from tiling.pointcloud import ingest, split

    monkeypatch.setattr(ingest, "PARALLEL_MIN_POINTS", 1000)
    levels: list[int] = []
    level = split._Level
    monkeypatch.setattr(split, "_Level", lambda d, *a: levels.append(d) or level(d, *a))
    xyz, rgb, inten, cls = cloud(22)
    write_las(tmp_path / "a.las", xyz, rgb, inten, cls)
    params = dict(max_leaf=300, max_node=400, bucket=700, chunk=1000)
    outs = {}
    for name, workers, limit in (("dense", 1, split.DENSE_LIMIT), ("sorted", 1, 0), ("pool", 2, split.DENSE_LIMIT)):
        monkeypatch.setattr(split, "DENSE_LIMIT", limit)
        out = tmp_path / name
        tile_scan(tmp_path / "a.las", out, src_crs=5899, octree=OctreeParams(**params, workers=workers))
        outs[name] = {p.name: p.read_bytes() for p in (out / "tiles").glob("*.glb")}
        outs[name]["tileset.json"] = (out / "tileset.json").read_bytes()
    assert total_points(tmp_path / "dense") == N
    assert max(levels) >= 1  # two upper levels above the buckets
    assert outs["dense"] == outs["sorted"] == outs["pool"]
