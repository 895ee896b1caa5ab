"""Orthophoto tiles keep the source's pixels (checkerboard in VN-2000, resampled through crs/), and
the GSHHG basemap: shoreline reading, plain tiles not subdivided, lines and names drawn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from shapely.geometry import Point, box

import crs
from tests.tiling.terrain.rasters import CHECKER_M, CHECKER_ORIGIN, checker_colour, write_checkerboard
from tiling.terrain.grid import Tile, tile_range
from tiling.terrain.imagery import build_imagery


def test_orthophoto_tiles_match_the_source_pixels(tmp_path):
    ortho = write_checkerboard(tmp_path / "ortho.tif")
    stats, source = build_imagery(ortho, tmp_path / "tiles")
    assert source["crs"] == "EPSG:5899" and source["resolution_m"] == 1.0
    assert stats.max_level == 17  # 1 m pixels: 180°/2^17/256 = 5.4e-6° ≈ 0.6 m
    manifest = json.loads((tmp_path / "tiles" / "imagery.json").read_text())
    assert manifest["tiles_url"] == "{z}/{x}/{reverseY}.png"
    checked = 0
    for path in sorted((tmp_path / "tiles" / "17").glob("*/*.png")):
        tile = Tile(17, int(path.parent.name), int(path.stem))
        rgba = np.asarray(Image.open(path).convert("RGBA"))
        west, south, east, north = tile.bounds
        step = (east - west) / 256
        lons, lats = np.meshgrid(west + (np.arange(256) + 0.5) * step, north - (np.arange(256) + 0.5) * step)
        e, n = crs.from_wgs84(lons, lats, 5899)
        # away from square edges (1.5 m) and inside the photo
        fe = np.mod(e - CHECKER_ORIGIN[0], CHECKER_M)
        fn = np.mod(CHECKER_ORIGIN[1] - n, CHECKER_M)
        inner = (fe > 1.5) & (fe < CHECKER_M - 1.5) & (fn > 1.5) & (fn < CHECKER_M - 1.5)
        inner &= (e > CHECKER_ORIGIN[0] + 2) & (e < CHECKER_ORIGIN[0] + 398)
        inner &= (n < CHECKER_ORIGIN[1] - 2) & (n > CHECKER_ORIGIN[1] - 398)
        if not inner.any():
            continue
        expected = checker_colour(e, n)
        assert np.array_equal(rgba[..., :3][inner], expected[inner])
        assert (rgba[..., 3][inner] == 255).all()
        outside = (e < CHECKER_ORIGIN[0] - 2) | (n > CHECKER_ORIGIN[1] + 2)
        assert (rgba[..., 3][outside] == 0).all()
        checked += int(inner.sum())
    assert checked > 20_000


@pytest.fixture(scope="module")
def gshhg():
    module = pytest.importorskip("tiling.terrain.gshhg")
    if not module.available():
        pytest.skip("gmt-gshhg-full is not installed")
    return module


def test_gshhg_land_of_the_province(gshhg):
    land = gshhg.land_polygons((106.4, 8.3, 107.8, 10.95))
    for lon, lat in ((107.084, 10.346), (107.17, 10.50), (106.61, 8.69), (107.40, 10.60)):  # VT, BR, Côn Sơn, XM
        assert land.contains(Point(lon, lat)), (lon, lat)
    for lon, lat in ((107.20, 10.20), (106.90, 9.50), (106.70, 8.60)):
        assert not land.contains(Point(lon, lat)), (lon, lat)
    islands = [g for g in land.geoms if g.intersects(box(106.5, 8.5, 106.8, 8.8))]
    assert len(islands) >= 5  # the Côn Đảo archipelago has 16 islands; small ones too


def test_basemap_draws_lines_and_names_and_does_not_subdivide_plain_tiles(gshhg, tmp_path):
    from tiling.terrain.basemap import LAND, SEA, BasemapSpec, Label, build_basemap

    bounds = (106.95, 10.25, 107.25, 10.55)
    land = gshhg.land_polygons(bounds)
    label = Label("Vũng Tàu", 107.067, 10.350)
    spec = BasemapSpec(bounds=bounds, land=land, labels=[label], min_level=9, max_level=12)
    stats = build_basemap(spec, tmp_path / "bm", workers=1)
    out = tmp_path / "bm"
    assert stats.rendered > 10 and stats.filled > 0
    manifest = json.loads((out / "basemap.json").read_text())
    assert manifest["max_level"] == 12 and manifest["rendered_tiles"] == stats.rendered
    fills = list(out.rglob("*.fill.png"))
    for fill in fills:  # a plain tile has no children written
        z, x, y = int(fill.parts[-3]), int(fill.parts[-2]), int(fill.name.split(".")[0])
        assert not any((out / f"{z + 1}/{2 * x + dx}/{2 * y + dy}.png").exists() for dx in (0, 1) for dy in (0, 1))
        colours = {tuple(c) for c in np.asarray(Image.open(fill).convert("RGB")).reshape(-1, 3)}
        assert colours in ({SEA}, {LAND})
    x, y, _, _ = tile_range(12, (label.lon, label.lat, label.lon, label.lat))
    drawn = np.asarray(Image.open(out / f"12/{x}/{y}.png").convert("RGB")).reshape(-1, 3)
    assert (drawn.sum(axis=1) < 250).sum() > 30  # the dark letters of the name
    assert (np.abs(drawn - SEA).sum(axis=1) < 6).sum() > 1000 and (np.abs(drawn - LAND).sum(axis=1) < 6).sum() > 1000
