"""Terrain tiles from generated DEMs: heights through crs/ (pinned datum, EGM96), the tiling scheme
Cesium expects, merging by resolution with nodata fallbacks, and quantized-mesh details (edges,
normals, water mask)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from shapely.geometry import box

import crs
from tests.tiling.terrain.rasters import (
    APEX_E,
    APEX_H,
    APEX_N,
    RESOLUTION_M,
    SLOPE,
    apex_wgs84,
    cone_height,
    read_tile,
    write_cone_vn2000,
    write_cone_wgs84,
    write_flat,
)
from tiling.terrain.build import DemInput, HeightSampler, build_terrain, max_error_m
from tiling.terrain.grid import Tile, tile_range
from tiling.terrain.raster import SourceRaster


def tile_at(z: int, lon: float, lat: float) -> Tile:
    x0, y0, _, _ = tile_range(z, (lon, lat, lon, lat))
    return Tile(z, x0, y0)


@pytest.fixture(scope="module")
def cone_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cone")
    dem = write_cone_vn2000(folder / "cone.tif")
    stats = build_terrain([DemInput(dem, heights="normal")], folder / "terrain")
    return folder / "terrain", stats


def test_layer_json_is_the_geographic_tms_cesium_expects(cone_build):
    out, stats = cone_build
    layer = json.loads((out / "layer.json").read_text())
    assert layer["format"] == "quantized-mesh-1.0"
    assert layer["scheme"] == "tms" and layer["projection"] == "EPSG:4326"
    assert layer["available"][0] == [{"startX": 0, "startY": 0, "endX": 1, "endY": 0}]  # two root tiles
    assert layer["extensions"] == ["octvertexnormals"]
    # a 5 m DEM needs samples of 5 m: level 14 (180°/2^14/256 = 4.3e-5° ≈ 4.8 m)
    assert layer["maxzoom"] == stats.max_level == 14
    lon, lat = apex_wgs84()
    deepest = tile_at(14, lon, lat)
    ranges = layer["available"][14]
    assert any(r["startX"] <= deepest.x <= r["endX"] and r["startY"] <= deepest.y <= r["endY"] for r in ranges)
    for z in range(layer["maxzoom"] + 1):
        for r in layer["available"][z]:
            for x in range(r["startX"], r["endX"] + 1):
                for y in range(r["startY"], r["endY"] + 1):
                    assert (out / f"{z}/{x}/{y}.terrain").read_bytes()[:2] == b"\x1f\x8b"  # gzipped


def test_apex_height_is_normal_height_plus_geoid_undulation(cone_build):
    out, _ = cone_build
    lon, lat = apex_wgs84()
    n = float(crs.geoid_undulation(lon, lat))
    assert -2.0 < n < -1.6  # EGM96 at Vũng Tàu, about −1.82 m
    tile = tile_at(14, lon, lat)
    mesh = read_tile((out / tile.path(".terrain")).read_bytes(), tile.bounds)
    height = mesh.height_at(lon, lat)
    # A sharp peak between samples 4.3 m apart: within one raster resolution of the slope.
    assert abs(height - (APEX_H + n)) < RESOLUTION_M * SLOPE, (height, APEX_H + n)
    # 40 m from the apex the slope is 0.5: 20 m lower
    lon2, lat2 = crs.to_wgs84(APEX_E + 40.0, APEX_N, 5899)
    assert abs(mesh.height_at(float(lon2), float(lat2)) - (APEX_H - 20.0 + n)) < 1.0


def test_tiles_have_exact_edges_normals_and_a_bounded_error(cone_build):
    out, _ = cone_build
    lon, lat = apex_wgs84()
    tile = tile_at(13, lon, lat)
    mesh = read_tile((out / tile.path(".terrain")).read_bytes(), tile.bounds)
    assert set(mesh.u[mesh.edges["west"]]) == {0} and set(mesh.u[mesh.edges["east"]]) == {32767}
    assert set(mesh.v[mesh.edges["south"]]) == {0} and set(mesh.v[mesh.edges["north"]]) == {32767}
    assert len(mesh.edges["west"]) >= 2 and len(mesh.edges["north"]) >= 2
    assert len(mesh.extensions[1]) == 2 * len(mesh.u)  # oct-encoded normal per vertex
    # level 13 samples every 8.6 m: the peak is cut by up to a sample's worth of slope, never raised
    top = APEX_H + float(crs.geoid_undulation(lon, lat))
    assert top - 8.6 * SLOPE < mesh.header["maximumHeight"] <= top + 0.01
    assert max_error_m(13) < 1.5


def test_neighbouring_tiles_agree_on_their_shared_edge(cone_build):
    out, _ = cone_build
    written = {(int(p.parent.name), int(p.stem)) for p in (out / "14").glob("*/*.terrain")}
    pairs = [(x, y) for x, y in written if (x + 1, y) in written]
    assert pairs, written
    tile = Tile(14, *pairs[0])
    east = Tile(14, tile.x + 1, tile.y)
    a = read_tile((out / tile.path(".terrain")).read_bytes(), tile.bounds)
    b = read_tile((out / east.path(".terrain")).read_bytes(), east.bounds)
    x = tile.bounds[2]
    for lat in (tile.bounds[1], tile.bounds[3]):  # the shared corners are vertices of both
        assert a.height_at(x, lat) == pytest.approx(b.height_at(x, lat), abs=0.01)


def test_vn2000_and_wgs84_dems_of_the_same_cone_give_the_same_heights(tmp_path):
    vn = SourceRaster(write_cone_vn2000(tmp_path / "vn.tif"), heights="normal")
    wgs = SourceRaster(write_cone_wgs84(tmp_path / "wgs.tif"), heights="normal")
    assert vn.info.epsg == 5899 and wgs.info.epsg == 4326
    lon, lat = apex_wgs84()
    tile = tile_at(15, lon, lat)
    a, b = HeightSampler([vn]).grid(tile), HeightSampler([wgs]).grid(tile)
    west, south, east, north = tile.bounds
    lons, lats = np.meshgrid(np.linspace(west, east, 257), np.linspace(north, south, 257))
    e, n = crs.from_wgs84(lons, lats, 5899)
    r = np.hypot(e - APEX_E, n - APEX_N)
    ring = (r > 15) & (r < 250)  # away from the kinks at the apex and the foot
    assert ring.sum() > 1000
    assert np.abs(a - b)[ring].max() < 0.3
    # and both are the analytic cone + N
    expected = cone_height(e, n) + crs.geoid_undulation(lons, lats)
    assert np.abs(a - expected)[ring].max() < 0.3
    vn.close()
    wgs.close()


def test_lattice_transform_matches_the_exact_one(tmp_path):
    with SourceRaster(write_cone_vn2000(tmp_path / "vn.tif"), heights="normal") as raster:
        lon, lat = apex_wgs84()
        west, south, east, north = tile_at(12, lon, lat).bounds
        lons, lats = np.linspace(west, east, 257), np.linspace(north, south, 257)
        col, row, undulation = raster.pixel_coordinates(lons, lats)
        glon, glat = np.meshgrid(lons, lats)
        x, y = crs.transform(glon, glat, src=4326, dst=5899)
        inv = raster.inverse
        exact_col = inv.a * x + inv.b * y + inv.c
        assert np.abs(col - exact_col).max() * RESOLUTION_M < 0.001  # < 1 mm
        assert np.abs(undulation - crs.geoid_undulation(glon, glat)).max() < 0.001


def test_finest_dem_wins_and_nodata_falls_back_to_the_coarser_then_the_ellipsoid(tmp_path):
    fine = write_cone_vn2000(tmp_path / "fine.tif", nodata_hole=True)
    coarse = write_flat(
        tmp_path / "coarse.tif", 42.0, (APEX_E - 2000, APEX_N - 2000, APEX_E + 2000, APEX_N + 2000), 25.0
    )
    rasters = [SourceRaster(coarse, heights="ellipsoidal"), SourceRaster(fine, heights="normal")]
    sampler = HeightSampler(rasters)
    assert [r.info.resolution_m for r in sampler.rasters] == [5.0, 25.0]
    lon, lat = apex_wgs84()
    grid_tile = tile_at(15, lon, lat)
    heights = sampler.grid(grid_tile)
    west, south, east, north = grid_tile.bounds
    lons, lats = np.meshgrid(np.linspace(west, east, 257), np.linspace(north, south, 257))
    e, n = crs.from_wgs84(lons, lats, 5899)
    in_hole = (np.abs(e - APEX_E) < 30) & (np.abs(n - APEX_N) < 30)
    assert in_hole.any() and np.allclose(heights[in_hole], 42.0)  # the coarse DEM (ellipsoidal: no N)
    on_cone = (np.hypot(e - APEX_E, n - APEX_N) > 80) & (np.hypot(e - APEX_E, n - APEX_N) < 250)
    assert np.abs(heights[on_cone] - (cone_height(e, n) + crs.geoid_undulation(lons, lats))[on_cone]).max() < 0.3
    far = Tile(15, grid_tile.x + 40, grid_tile.y)  # beyond both DEMs: the ellipsoid
    assert np.all(sampler.grid(far) == 0.0)
    for r in rasters:
        r.close()


def test_water_mask_from_gshhg(tmp_path):
    gshhg = pytest.importorskip("tiling.terrain.gshhg")
    if not gshhg.available():
        pytest.skip("gmt-gshhg-full is not installed")
    bounds = (106.9, 10.2, 107.3, 10.5)
    mask = gshhg.WaterMask(gshhg.land_polygons(bounds), bounds)
    assert mask((107.2, 10.25, 107.21, 10.26)) == 255  # open sea south-east of Vũng Tàu
    assert mask((107.15, 10.45, 107.16, 10.46)) == 0  # inland, Bà Rịa
    coast = mask(tile_at(12, 107.084, 10.346).bounds)  # Vũng Tàu peninsula: land and sea
    assert isinstance(coast, np.ndarray) and coast.shape == (256, 256)
    assert (coast == 0).mean() > 0.05 and (coast == 255).mean() > 0.05
    assert mask((100.0, 10.0, 100.1, 10.1)) is None  # outside what was read: not known
    land = gshhg.land_polygons(bounds)
    assert land.intersects(box(107.08, 10.34, 107.09, 10.35))


def test_a_build_with_water_mask_lists_the_extension(tmp_path):
    gshhg = pytest.importorskip("tiling.terrain.gshhg")
    if not gshhg.available():
        pytest.skip("gmt-gshhg-full is not installed")
    dem = write_cone_vn2000(tmp_path / "cone.tif")
    bounds = (106.9, 10.2, 107.3, 10.5)
    water = gshhg.WaterMask(gshhg.land_polygons(bounds), bounds)
    build_terrain([DemInput(dem)], tmp_path / "t", water=water, max_level=12)
    layer = json.loads((tmp_path / "t" / "layer.json").read_text())
    assert layer["extensions"] == ["octvertexnormals", "watermask"]
    tile = tile_at(12, *apex_wgs84())
    mesh = read_tile(gzip.decompress((tmp_path / "t" / tile.path(".terrain")).read_bytes()), tile.bounds)
    assert 2 in mesh.extensions and len(mesh.extensions[2]) in (1, 256 * 256)
