"""An orthophoto (GeoTIFF/COG, RGB or RGBA, any supported CRS) → PNG tiles in the geographic TMS of the
terrain: ``{z}/{x}/{y}.png`` (y = 0 in the south) plus ``imagery.json`` describing the levels and
the footprint. Pixels are resampled at each tile pixel's centre through ``crs/`` (pinned datum),
bilinearly, averaged down first where the photo is finer than the tile; pixels off the photo or on
its nodata are transparent. PNG keeps the source colours exactly (a JPEG would blur a checkerboard).
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import TilingError
from .grid import METRES_PER_DEGREE, Tile, level_for_spacing, tiles_in
from .raster import SourceRaster

TILE_PX = 256
MAX_LEVEL = 21
MAX_TILES = 200_000  # per orthophoto
ProgressFn = Callable[[float, str], None]


@dataclass
class ImageryStats:
    tiles: int = 0
    min_level: int = 0
    max_level: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "tiles": self.tiles,
            "min_level": self.min_level,
            "max_level": self.max_level,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 2),
        }


def levels_for(raster: SourceRaster) -> tuple[int, int]:
    """From the level where the photo fills about one tile down to the one matching its pixels."""
    w, s, e, n = raster.info.bounds
    top = min(MAX_LEVEL, level_for_spacing(raster.info.resolution_m / METRES_PER_DEGREE, TILE_PX + 1))
    span = max(e - w, n - s)
    low = max(0, min(top, math.floor(math.log2(180.0 / span))))
    return low, top


def tile_pixels(raster: SourceRaster, tile: Tile, colour_bands: list[int]) -> np.ndarray:
    """RGBA (256, 256, 4) uint8 of one tile."""
    west, south, east, north = tile.bounds
    step = (east - west) / TILE_PX
    lons = west + (np.arange(TILE_PX) + 0.5) * step
    lats = north - (np.arange(TILE_PX) + 0.5) * step
    spacing_m = step * METRES_PER_DEGREE * math.cos(math.radians((north + south) / 2))
    values = raster.sample(lons, lats, spacing_m, bands=colour_bands)
    alpha = np.all(np.isfinite(values), axis=0)
    rgba = np.zeros((TILE_PX, TILE_PX, 4), dtype=np.uint8)
    colours = np.clip(np.rint(np.nan_to_num(values, nan=0.0)), 0, 255).astype(np.uint8)
    if len(colour_bands) == 1:
        colours = np.repeat(colours, 3, axis=0)
    rgba[..., :3] = np.moveaxis(colours[:3], 0, -1)
    rgba[..., 3] = np.where(alpha, 255, 0)
    return rgba


def build_imagery(
    path: Path,
    out_dir: Path,
    *,
    crs: str | int | None = None,
    progress: ProgressFn | None = None,
    max_level: int | None = None,
) -> tuple[ImageryStats, dict]:
    """Write the tiles of one orthophoto into out_dir (must not exist); returns the stats and the
    source's description."""
    started = time.perf_counter()
    report = progress or (lambda fraction, stage: None)
    with SourceRaster(path, crs_code=crs) as raster:
        if raster.dataset.dtypes[0] != "uint8":
            raise TilingError(
                f"The orthophoto's pixels are {raster.dataset.dtypes[0]}; 8-bit RGB(A) is expected.",
                hint="Export it as an 8-bit GeoTIFF (e.g. gdal_translate -ot Byte -scale).",
            )
        colour_bands = [1, 2, 3] if raster.dataset.count >= 3 else [1]
        low, top = levels_for(raster)
        if max_level is not None:
            top = max(low, min(top, max_level))
        plan = {z: tiles_in(z, raster.info.bounds) for z in range(low, top + 1)}
        # A very large, very fine photo stops a level or more short of its pixels rather than
        # flooding the store; imagery.json says which level it reached.
        while sum(len(t) for t in plan.values()) > MAX_TILES and len(plan) > 1:
            plan.pop(max(plan))
        top = max(plan)
        total = sum(len(t) for t in plan.values())
        out_dir.mkdir(parents=True)
        stats = ImageryStats(min_level=low, max_level=top)
        for z, tiles in plan.items():
            for tile in tiles:
                buffer = io.BytesIO()
                Image.fromarray(tile_pixels(raster, tile, colour_bands), "RGBA").save(buffer, "PNG", compress_level=6)
                target = out_dir / tile.path(".png")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(buffer.getvalue())
                stats.tiles += 1
                stats.bytes += len(buffer.getvalue())
                report(stats.tiles / total, f"level {z}: {stats.tiles} of {total} tiles")
        source = raster.info.to_dict()
    stats.seconds = time.perf_counter() - started
    (out_dir / "imagery.json").write_text(
        json.dumps({"source": source, **stats.to_dict(), "tiles_url": "{z}/{x}/{reverseY}.png"}, indent=1),
        encoding="utf-8",
    )
    return stats, source
