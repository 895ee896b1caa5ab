"""Several DEMs → one Cesium terrain tileset: ``layer.json`` + ``{z}/{x}/{y}.terrain`` (gzipped
quantized-mesh-1.0), written into a fresh folder the caller publishes as a whole.

Merging: at every sample the finest DEM that has a value there wins; where it has none (nodata,
outside its footprint) the next coarser DEM is asked, and where no DEM has a value the surface is
the WGS 84 ellipsoid (h = 0), which is what the viewer shows without terrain. Each DEM adds tiles
down to the level its own resolution calls for; deeper tiles are listed as available only where a
DEM that fine covers them, so Cesium refines over the fine DEM and stops early elsewhere.
"""

from __future__ import annotations

import gzip
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import TilingError
from .grid import METRES_PER_DEGREE, Tile, geometric_error_m, level_for_spacing, tile_range, tiles_in
from .quantized import encode_tile
from .raster import SourceRaster

SAMPLES = 257  # height samples per tile side (256 intervals)
MAX_LEVEL = 18  # 0.27 m samples at the equator: finer DEMs are averaged down to this
# Mesh error allowed per level: a fraction of the error Cesium tolerates before refining, never finer
# than a DEM's usual vertical accuracy.
ERROR_FRACTION = 1 / 8
MIN_ERROR_M = 0.25
GZIP_LEVEL = 6
# Starting worker processes costs seconds; below this many tiles one process is faster.
PARALLEL_FROM_TILES = 256
ProgressFn = Callable[[float, str], None]
WaterFn = Callable[[tuple[float, float, float, float]], "np.ndarray | int | None"]


@dataclass(frozen=True)
class DemInput:
    """One DEM to merge: its file, its CRS (None: from the file) and its height system."""

    path: Path
    crs: str | int | None = None
    heights: str = "normal"
    label: str = ""


@dataclass
class TerrainStats:
    tiles: int = 0
    max_level: int = 0
    bytes: int = 0
    seconds: float = 0.0
    vertices: int = 0
    sources: list[dict] = field(default_factory=list)
    bounds: tuple[float, float, float, float] | None = None

    def to_dict(self) -> dict:
        return {
            "tiles": self.tiles,
            "max_level": self.max_level,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 2),
            "sources": self.sources,
            "bounds": [round(v, 7) for v in self.bounds] if self.bounds else None,
        }


def max_error_m(z: int) -> float:
    return max(MIN_ERROR_M, geometric_error_m(z) * ERROR_FRACTION)


def source_max_level(resolution_m: float) -> int:
    return min(MAX_LEVEL, level_for_spacing(resolution_m / METRES_PER_DEGREE, SAMPLES))


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


def _intersects(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class HeightSampler:
    """Heights of a tile's sample grid from the merged DEMs (finest first), ellipsoid elsewhere."""

    def __init__(self, rasters: list[SourceRaster], samples: int = SAMPLES):
        self.rasters = sorted(rasters, key=lambda r: r.info.resolution_m)
        self.samples = samples

    def grid(self, tile: Tile) -> np.ndarray:
        west, south, east, north = tile.bounds
        lons = np.linspace(west, east, self.samples)
        lats = np.linspace(north, south, self.samples)
        spacing_m = (east - west) / (self.samples - 1) * METRES_PER_DEGREE * math.cos(math.radians((north + south) / 2))
        heights = np.full((self.samples, self.samples), np.nan)
        for raster in self.rasters:
            if not _intersects(raster.info.bounds, tile.bounds):
                continue
            missing = np.isnan(heights)
            if not missing.any():
                break
            values = raster.sample(lons, lats, spacing_m)[0]
            heights[missing] = values[missing]
        return np.nan_to_num(heights, nan=0.0)


def describe(dems: list[DemInput]) -> list:
    """The RasterInfo of each DEM (its header only)."""
    out = []
    for d in dems:
        with SourceRaster(d.path, crs_code=d.crs, heights=d.heights) as raster:
            out.append(raster.info)
    return out


def plan(rasters: list[SourceRaster], max_level: int | None = None) -> tuple[dict[int, list[Tile]], dict]:
    """The tiles to write per level and layer.json's availability ranges."""
    levels: dict[int, set[Tile]] = {0: {Tile(0, 0, 0), Tile(0, 1, 0)}}
    available: dict[int, list[dict]] = {0: [{"startX": 0, "startY": 0, "endX": 1, "endY": 0}]}
    for raster in rasters:
        top = source_max_level(raster.info.resolution_m)
        if max_level is not None:
            top = min(top, max_level)
        for z in range(1, top + 1):
            levels.setdefault(z, set()).update(tiles_in(z, raster.info.bounds))
            x0, y0, x1, y1 = tile_range(z, raster.info.bounds)
            available.setdefault(z, []).append({"startX": x0, "startY": y0, "endX": x1, "endY": y1})
    return {z: sorted(t) for z, t in sorted(levels.items())}, available


def layer_json(available: dict, version: str, attribution: str, extensions: list[str]) -> dict:
    top = max(available)
    return {
        "tilejson": "2.1.0",
        "name": "Bà Rịa–Vũng Tàu terrain",
        "version": version,
        "format": "quantized-mesh-1.0",
        "scheme": "tms",
        "projection": "EPSG:4326",
        "bounds": [-180, -90, 180, 90],
        "minzoom": 0,
        "maxzoom": top,
        # Cesium fills {version} from "version"; the folder of every build is distinct already.
        "tiles": ["{z}/{x}/{y}.terrain?v={version}"],
        "available": [available.get(z, []) for z in range(top + 1)],
        "extensions": extensions,
        "attribution": attribution,
    }


@dataclass
class _Job:
    """What every tile of a build shares (sent once to each worker process)."""

    dems: list[DemInput]
    out_dir: Path
    water: WaterFn | None
    regular_step: int | None


_worker: tuple[_Job, HeightSampler] | None = None  # a worker process's own job and open rasters


def _open(job: _Job) -> HeightSampler:
    return HeightSampler([SourceRaster(d.path, crs_code=d.crs, heights=d.heights) for d in job.dems])


def _start_worker(job: _Job) -> None:
    global _worker
    # Each process opens the rasters itself (GDAL datasets cannot be shared between processes).
    if job.water is not None and hasattr(job.water, "prepare"):
        job.water.prepare()
    _worker = (job, _open(job))


def _write_tile(tile: Tile, job: _Job | None = None, sampler: HeightSampler | None = None) -> int:
    if job is None or sampler is None:
        assert _worker is not None
        job, sampler = _worker
    water = job.water(tile.bounds) if job.water else None
    data = encode_tile(tile, sampler.grid(tile), max_error_m(tile.z), water, regular_step=job.regular_step)
    target = job.out_dir / tile.path(".terrain")
    target.parent.mkdir(parents=True, exist_ok=True)
    packed = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    target.write_bytes(packed)
    return len(packed)


def build_terrain(
    dems: list[DemInput],
    out_dir: Path,
    *,
    water: WaterFn | None = None,
    progress: ProgressFn | None = None,
    max_level: int | None = None,
    version: str = "1",
    attribution: str = "",
    regular_step: int | None = None,
    workers: int = 1,
) -> TerrainStats:
    """Write the merged terrain of ``dems`` into out_dir (which must not exist yet); ``workers`` > 1
    meshes the tiles in that many processes."""
    if not dems:
        raise TilingError("No DEM to build terrain from.")
    started = time.perf_counter()
    report = progress or (lambda fraction, stage: None)
    job = _Job(dems, out_dir, water, regular_step)
    sampler = _open(job)
    try:
        levels, available = plan(sampler.rasters, max_level)
        stats = TerrainStats(
            max_level=max(levels),
            sources=[
                {**r.info.to_dict(), "label": d.label}
                for r, d in zip(sampler.rasters, _by_resolution(dems, sampler), strict=True)
            ],
            bounds=_union([r.info.bounds for r in sampler.rasters]),
        )
        tiles = [t for level in levels.values() for t in level]
        out_dir.mkdir(parents=True)
        report(0.0, f"meshing {len(tiles)} tiles, levels 0–{stats.max_level}")
        if workers > 1 and len(tiles) >= PARALLEL_FROM_TILES:
            import multiprocessing

            # spawn, not fork: the caller may be a multi-threaded server or job worker
            context = multiprocessing.get_context("spawn")
            with context.Pool(workers, initializer=_start_worker, initargs=(job,)) as pool:
                sizes = pool.imap_unordered(_write_tile, tiles, chunksize=8)
                for size in sizes:
                    stats.tiles += 1
                    stats.bytes += size
                    report(stats.tiles / len(tiles), f"{stats.tiles} of {len(tiles)} tiles")
        else:
            for tile in tiles:
                stats.bytes += _write_tile(tile, job, sampler)
                stats.tiles += 1
                report(stats.tiles / len(tiles), f"level {tile.z}: {stats.tiles} of {len(tiles)} tiles")
        extensions = ["octvertexnormals"] + (["watermask"] if water else [])
        (out_dir / "layer.json").write_text(
            json.dumps(layer_json(available, version, attribution, extensions), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    finally:
        for raster in sampler.rasters:
            raster.close()
    stats.seconds = time.perf_counter() - started
    return stats


def _by_resolution(dems: list[DemInput], sampler: HeightSampler) -> list[DemInput]:
    """The DEMs in the sampler's order (finest first), matched by path."""
    by_path = {str(d.path): d for d in dems}
    return [by_path[r.info.path] for r in sampler.rasters]
