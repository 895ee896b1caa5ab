"""ZIP archives that unpack to far more than they weigh (real files): refused for scans and as a
zipped Shapefile for the planner from their declarations, before anything is unpacked, with nothing
left in the store or the temporary folder; archives whose headers lie are stopped while unpacking.
Vector files with too many features are refused before their geometries are read."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely

from mapserver.importer import vector_files
from mapserver.importer.vector_files import VectorFileError, read_vector_file
from mapserver.scans.originals import LIMITS as SCAN_LIMITS
from mapserver.web.uploads import ArchiveLimits, ArchiveRejected, Unpacker, open_archive
from tests.mapserver.web.test_upload_guard import assert_problem

MiB = 1 << 20


def zeros_member(archive: zipfile.ZipFile, name: str, size: int) -> None:
    block = bytes(MiB)
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as fh:
        for _ in range(size // MiB):
            fh.write(block)


def deflated(path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)


@pytest.fixture(scope="module")
def scan_bomb(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "scan.zip"
    with deflated(path) as archive:
        archive.writestr("model.mtl", "newmtl a\n")
        zeros_member(archive, "model.obj", 200 * MiB)
    return path


def shapefile_zip(path: Path, dbf_zeros: int | None = None) -> Path:
    """A zipped Shapefile (one point); with ``dbf_zeros`` its .dbf is that many zeros instead."""
    folder = path.parent / (path.stem + "-parts")
    folder.mkdir()
    wkb = np.array([shapely.to_wkb(shapely.Point(107.17, 10.5))], dtype=object)
    pyogrio.raw.write(
        str(folder / "f.shp"),
        wkb,
        [np.array(["p"], dtype=object)],
        ["name"],
        driver="ESRI Shapefile",
        crs="EPSG:4326",
        geometry_type="Point",
    )
    with deflated(path) as archive:
        for part in folder.iterdir():
            if dbf_zeros is None or part.suffix != ".dbf":
                archive.write(part, part.name)
        if dbf_zeros is not None:
            zeros_member(archive, "f.dbf", dbf_zeros)
    return path


def store_scans(live_server) -> list[str]:
    root = live_server.app.state.settings.store_dir / "scans"
    return sorted(str(p) for p in root.rglob("*")) if root.exists() else []


def test_scan_zip_bomb_is_refused_and_nothing_stored(live_server, surveyor, scan_bomb, spool_dir):
    assert scan_bomb.stat().st_size < 2 * MiB
    before = store_scans(live_server)
    with open(scan_bomb, "rb") as fh:
        r = live_server.client.post(
            "/api/scans",
            headers={"Authorization": f"Bearer {surveyor}"},
            data={"site_id": "bach-dinh", "crs": "EPSG:5899"},
            files={"file": ("scan.zip", fh, "application/zip")},
        )
    assert "compresses model.obj more than 100:1" in assert_problem(r, 422)["detail"]
    assert store_scans(live_server) == before


@pytest.mark.parametrize(("dbf_size", "reason"), [(200 * MiB, "once unpacked"), (100 * MiB, "more than 500:1")])
def test_planner_zipped_shapefile_bomb_is_refused(live_server, tmp_path, spool_dir, dbf_size, reason):
    bomb = shapefile_zip(tmp_path / "f.zip", dbf_size)
    with open(bomb, "rb") as fh:
        r = live_server.client.post("/api/planner/impact", files={"file": ("f.zip", fh, "application/zip")})
    body = assert_problem(r, 400)
    assert body["parameter"] == "file" and reason in body["detail"], body


def test_zipped_shapefile_within_the_limits_is_read(tmp_path, spool_dir):
    vf = read_vector_file(shapefile_zip(tmp_path / "ok.zip"))
    assert len(vf.features) == 1 and vf.features[0].geometry.equals(shapely.Point(107.17, 10.5))


def test_declared_sizes_that_lie_are_stopped_while_unpacking(tmp_path):
    path = tmp_path / "lying.zip"
    payload = np.random.default_rng(1).bytes(3 * MiB)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("scan.ply", payload)
    # Make the central directory (which zipfile trusts) declare 1 MiB instead of 3.
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1 * MiB).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    limits = ArchiveLimits(members=10, unpacked_bytes=2 * MiB, ratio=100)
    archive, members = open_archive(path, limits)  # the declarations are within the limits
    target = tmp_path / "scan.ply"
    with archive, pytest.raises(ArchiveRejected):
        Unpacker(archive, limits).write(members[0], target)
    assert target.stat().st_size <= 1 * MiB  # never more than declared on disk


def test_too_many_entries_are_refused_before_the_directory_is_parsed(tmp_path, monkeypatch):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(SCAN_LIMITS.members + 1):
            archive.writestr(f"t/{i}.jpg", b"")

    def parse(*_args, **_kwargs):
        raise AssertionError("the archive was parsed")

    monkeypatch.setattr(zipfile, "ZipFile", parse)
    with pytest.raises(ArchiveRejected, match="more than 2000 entries"):
        open_archive(path, SCAN_LIMITS)


def test_feature_count_is_refused_before_geometries_are_read(tmp_path, monkeypatch):
    features = [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [107.1, 10.5]}}] * (
        vector_files.MAX_FEATURES + 1
    )
    path = tmp_path / "many.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))

    def read(*_args, **_kwargs):
        raise AssertionError("the geometries were read")

    monkeypatch.setattr(pyogrio.raw, "read", read)
    with pytest.raises(VectorFileError, match="more than 10000 features"):
        read_vector_file(path)


def test_too_much_geometry_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    ring = shapely.Point(107.17, 10.5).buffer(0.01, quad_segs=64)  # 257 vertices
    path = tmp_path / "big.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(ring)}))
    monkeypatch.setattr(vector_files, "MAX_WKB_BYTES", 1000)
    with pytest.raises(VectorFileError, match="vertices"):
        read_vector_file(path)
