"""Surveyor-facing errors (corrupt files, wrong CRS), atomic publication, CLI and demo."""

from __future__ import annotations

import json
from pathlib import Path

import laspy
import numpy as np
import pytest
from tiling_helpers import ANCHOR_ENH, write_obj, write_ply_points
from typer.testing import CliRunner

from tiling import Anchor, TilingError, ValidationFailed, tile_scan, validate_output
from tiling.cli import app
from tiling.georef import Georef, parse_anchor


def small_las(path: Path, xyz: np.ndarray) -> Path:
    h = laspy.LasHeader(point_format=0, version="1.2")
    h.scales = np.array([0.001] * 3)
    h.offsets = np.floor(xyz.min(axis=0))
    las = laspy.LasData(h)
    las.x, las.y, las.z = xyz.T
    las.write(str(path))
    return path


def local_cloud(n: int = 500) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.c_[rng.uniform(-10, 10, n), rng.uniform(-10, 10, n), rng.uniform(0, 3, n)]


def no_leftovers(parent: Path, name: str = "out") -> None:
    assert not (parent / name).exists()
    assert not [p for p in parent.iterdir() if p.name.startswith(f".{name}.")]


def test_corrupt_las(tmp_path: Path) -> None:
    bad = tmp_path / "scan.las"
    bad.write_bytes(b"LASF" + bytes(range(256)) * 4)
    with pytest.raises(TilingError, match="cannot be read as LAS/LAZ"):
        tile_scan(bad, tmp_path / "out", src_crs=5899)
    no_leftovers(tmp_path)


def test_truncated_las(tmp_path: Path) -> None:
    p = small_las(tmp_path / "scan.las", local_cloud(5000) + np.array(ANCHOR_ENH))
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(TilingError, match="scan.las"):
        tile_scan(p, tmp_path / "out", src_crs=5899)
    no_leftovers(tmp_path)


def test_truncated_ply(tmp_path: Path) -> None:
    xyz = local_cloud() + np.array(ANCHOR_ENH)
    write_ply_points(tmp_path / "a.ply", xyz)
    data = (tmp_path / "a.ply").read_bytes()
    (tmp_path / "a.ply").write_bytes(data[:-100])
    with pytest.raises(TilingError, match="truncated"):
        tile_scan(tmp_path / "a.ply", tmp_path / "out", src_crs=5899)


def test_garbage_text(tmp_path: Path) -> None:
    (tmp_path / "a.xyz").write_text("426900 1144200 15\n426901 1144201 oops\n")
    with pytest.raises(TilingError, match=r"line 2: '426901 1144201 oops'"):
        tile_scan(tmp_path / "a.xyz", tmp_path / "out", src_crs=5899)


def test_local_coordinates_declared_as_vn2000(tmp_path: Path) -> None:
    p = small_las(tmp_path / "scan.las", local_cloud())
    with pytest.raises(TilingError) as exc:
        tile_scan(p, tmp_path / "out", src_crs="EPSG:5899")
    msg = str(exc.value)
    assert "not plausible for EPSG:5899" in msg and "eastings" in msg and "--anchor" in msg
    no_leftovers(tmp_path)


def test_wrong_zone_lands_outside_vietnam(tmp_path: Path) -> None:
    # an easting 350 km west of the 107°45' meridian is in Vietnam but far outside zone 5899's use
    xyz = local_cloud() + np.array([150000.0, 1144200.0, 15.0])
    p = small_las(tmp_path / "scan.las", xyz)
    with pytest.raises(TilingError, match="outside the area where this zone is used"):
        tile_scan(p, tmp_path / "out", src_crs=5899)
    # easting and northing swapped
    p = small_las(tmp_path / "scan2.las", local_cloud() + np.array([1144200.0, 426900.0, 15.0]))
    with pytest.raises(TilingError, match="not plausible for EPSG:5899"):
        tile_scan(p, tmp_path / "out", src_crs=5899)


def test_swapped_lat_lon(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("lat,lon,h\n10.346,107.0843,5\n10.347,107.0844,6\n")
    # header names are aliases: lat → y, lon → x, so this one is fine
    tile_scan(tmp_path / "a.csv", tmp_path / "ok", src_crs=4326, heights="ellipsoidal")
    (tmp_path / "b.xyz").write_text("10.346 107.0843 5\n10.347 107.0844 6\n")
    with pytest.raises(TilingError, match="swapped"):
        tile_scan(tmp_path / "b.xyz", tmp_path / "out", src_crs=4326, heights="ellipsoidal")


def test_metres_declared_as_degrees(tmp_path: Path) -> None:
    p = small_las(tmp_path / "scan.las", local_cloud() + np.array(ANCHOR_ENH))
    with pytest.raises(TilingError, match="look like metres"):
        tile_scan(p, tmp_path / "out", src_crs=4326)


def test_implausible_heights(tmp_path: Path) -> None:
    p = small_las(tmp_path / "scan.las", local_cloud() + np.array([*ANCHOR_ENH[:2], 9000.0]))
    with pytest.raises(TilingError, match="Heights"):
        tile_scan(p, tmp_path / "out", src_crs=5899)


def test_unsupported_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.dwg").write_bytes(b"AC1032")
    with pytest.raises(TilingError, match="unsupported file type"):
        tile_scan(tmp_path / "a.dwg", tmp_path / "out", src_crs=5899)
    (tmp_path / "e.las").write_bytes(b"")
    with pytest.raises(TilingError, match="empty"):
        tile_scan(tmp_path / "e.las", tmp_path / "out", src_crs=5899)
    with pytest.raises(TilingError, match="does not exist"):
        tile_scan(tmp_path / "nope.las", tmp_path / "out", src_crs=5899)
    with pytest.raises(TilingError, match="Unsupported coordinate system"):
        tile_scan(small_las(tmp_path / "s.las", local_cloud()), tmp_path / "out", src_crs="EPSG:2154")
    (tmp_path / "m.obj").write_text("v 0 0 0\nv 1 0 0\n")
    with pytest.raises(TilingError, match="no triangles"):
        tile_scan(tmp_path / "m.obj", tmp_path / "out", src_crs=5899, anchor=ANCHOR_ENH)


def test_anchor_parsing_and_convention() -> None:
    assert parse_anchor("426900, 1144200, 15") == (426900.0, 1144200.0, 15.0)
    with pytest.raises(TilingError, match="E,N,H"):
        parse_anchor("426900;1144200")
    g = Georef(5899, "normal", Anchor(*ANCHOR_ENH, heading=90.0, scale=1.0))
    enh = g.local_to_projected(np.array([[0.0, 10.0, 0.0], [10.0, 0.0, 2.0]]))
    assert np.allclose(enh, [[426910.0, 1144200.0, 15.0], [426900.0, 1144190.0, 17.0]])
    auto = Georef(5899, "normal", Anchor(*ANCHOR_ENH))
    assert 0.9999 < auto.scale < 1.0  # ground → grid (k ≈ 0.99997 in BR-VT)
    with pytest.raises(TilingError, match="anchor"):
        Georef(5899, "normal", Anchor(10.0, 20.0, 0.0))


def test_republish_replaces_atomically(tmp_path: Path) -> None:
    obj = tmp_path / "m.obj"
    v = np.array([[0, 0, 0], [5, 0, 0], [0, 5, 0], [5, 5, 1]], float)
    write_obj(obj, v, np.array([[0, 1, 2], [1, 3, 2]]))
    out = tmp_path / "site"
    first = tile_scan(obj, out, src_crs=5899, anchor=ANCHOR_ENH)
    marker = out / "old-marker"
    marker.write_text("x")
    second = tile_scan(obj, out, src_crs=5899, anchor=ANCHOR_ENH, heading=45.0)
    assert not marker.exists() and (out / "tileset.json").is_file()
    assert first.tileset == second.tileset and validate_output(out) == []
    meta = json.loads((out / "scan.json").read_text())
    assert meta["anchor"]["heading"] == 45.0 and meta["crs"] == "EPSG:5899"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.obj", "site"]
    # a failing job leaves the published tileset untouched
    (tmp_path / "bad.las").write_bytes(b"garbage")
    with pytest.raises(TilingError):
        tile_scan(tmp_path / "bad.las", out, src_crs=5899)
    assert validate_output(out) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["bad.las", "m.obj", "site"]


def test_validation_failure_is_not_published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the produced tileset breaks a rule, nothing is published (simulated broken writer)."""
    from tiling.mesh import hlod

    real = hlod.HlodBuilder._tile_json

    def broken(self, node):
        t = real(self, node)
        t["geometricError"] = -1.0
        return t

    monkeypatch.setattr(hlod.HlodBuilder, "_tile_json", broken)
    obj = tmp_path / "m.obj"
    write_obj(obj, np.array([[0, 0, 0], [5, 0, 0], [0, 5, 0]], float), np.array([[0, 1, 2]]))
    with pytest.raises(ValidationFailed, match="GEOMETRIC_ERROR_NEGATIVE"):
        tile_scan(obj, tmp_path / "out", src_crs=5899, anchor=ANCHOR_ENH)
    no_leftovers(tmp_path)


def test_cli_tile_and_validate(tmp_path: Path) -> None:
    p = small_las(tmp_path / "local.las", local_cloud())
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "tile",
            str(p),
            str(tmp_path / "out"),
            "--crs",
            "EPSG:5899",
            "--anchor",
            "426900,1144200,15",
            "--heading",
            "12.5",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    stats = json.loads(r.stdout[r.stdout.index("{") :])
    assert stats["points"] == 500 and stats["kind"] == "pointcloud"
    r = runner.invoke(app, ["validate", str(tmp_path / "out")])
    assert r.exit_code == 0 and "0 error(s)" in r.output
    r = runner.invoke(app, ["tile", str(p), str(tmp_path / "out2"), "--crs", "EPSG:5899"])
    assert r.exit_code == 2 and "not plausible" in r.output


def test_demo_builds_and_validates(tmp_path: Path) -> None:
    from tiling.demo import build_demo, temple_mesh

    v, f, _ = temple_mesh()
    assert 40_000 <= len(f) <= 60_000
    res = build_demo(tmp_path / "demo", Anchor(*ANCHOR_ENH), points=60_000)
    mesh, pc = res["mesh"], res["pointcloud"]
    assert mesh.faces == len(f) and mesh.tiles >= 5 and mesh.compressed
    assert pc.points == 60_000
    for d in ("mesh", "pointcloud"):
        assert validate_output(tmp_path / "demo" / d) == []
    # determinism: the same sources every time
    v2, f2, _ = temple_mesh()
    assert np.array_equal(v, v2) and np.array_equal(f, f2)


def test_zip_upload_with_obj_mtl_texture(tmp_path: Path) -> None:
    import zipfile

    from tiling.demo import write_demo_mesh

    obj = write_demo_mesh(tmp_path / "src")
    (tmp_path / "src" / "README.txt").write_text("scanned 2024")
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in obj.parent.iterdir():
            zf.write(p, f"model/{p.name}")
    stats = tile_scan(archive, tmp_path / "out", src_crs=5899, anchor=ANCHOR_ENH, compress=False)
    assert stats.kind == "mesh" and stats.warnings == []  # texture found next to the OBJ
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []
    bad = tmp_path / "slip.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../evil.obj", "v 0 0 0\n")
    with pytest.raises(TilingError, match="unsafe path"):
        tile_scan(bad, tmp_path / "out2", src_crs=5899)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a.las", "x")
        zf.writestr("b.obj", "x")
    with pytest.raises(TilingError, match="exactly one scan file"):
        tile_scan(two, tmp_path / "out3", src_crs=5899)
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(TilingError, match="not a valid ZIP"):
        tile_scan(tmp_path / "broken.zip", tmp_path / "out4", src_crs=5899)
