"""The offline basemap: light vector-style imagery tiles (sea, land, shoreline, the province's land
border, place names) rendered with Pillow from GSHHG full-resolution shorelines and the shipped
province outline, for a box around the province, geographic TMS like the terrain.

Only tiles with something drawn on them are subdivided: a tile that is all sea or all land is
written once as ``{z}/{x}/{y}.fill.png`` and stands for every tile below it, so the deep levels cost
in proportion to the length of the lines, not the area (the tile server answers a deeper request
with the nearest such fill tile above it). Lines are drawn at twice the size and scaled down, so
they stay smooth; the deepest level is street scale (≈ 1.2 m per pixel at level 16).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFont
from shapely.geometry import Point, box

from .grid import Tile, tiles_in

TILE_PX = 256
SUPERSAMPLE = 2
PALETTE_COLOURS = 64
FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SEA = (203, 224, 238)
LAND = (246, 243, 236)
SHORE = (120, 160, 190)
BORDER = (192, 103, 43)
LABEL = (45, 52, 60)
HALO = (255, 255, 255)
# The province border is drawn where the shipped outline runs over land (its coastal parts are a
# simplified copy of the shoreline, which GSHHG draws in full detail).
INLAND_DEG = 0.008
SPLIT_LEVELS = 4  # levels drawn before the rest is shared among worker processes
ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class Label:
    text: str
    lon: float
    lat: float
    min_level: int = 9
    size_px: int = 13


@dataclass
class BasemapSpec:
    bounds: tuple[float, float, float, float]
    land: shapely.Geometry  # GSHHG land (MultiPolygon), lon/lat
    province: shapely.Geometry | None = None  # the province outline (for its land border)
    labels: list[Label] = field(default_factory=list)
    min_level: int = 6
    max_level: int = 16
    attribution: str = ""
    provenance: list[dict] = field(default_factory=list)


@dataclass
class BasemapStats:
    rendered: int = 0
    filled: int = 0
    bytes: int = 0
    seconds: float = 0.0
    per_level: dict[int, int] = field(default_factory=dict)


def _font(size: int):
    for path in FONT_PATHS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


class Renderer:
    def __init__(self, spec: BasemapSpec):
        self.spec = spec
        land = spec.land
        border = None
        if spec.province is not None:
            inland = land.buffer(-INLAND_DEG)
            border = spec.province.boundary.intersection(inland)
        self.border = border if border is not None and not border.is_empty else None
        self.lines = shapely.union_all([g for g in (land.boundary, self.border) if g is not None])
        shapely.prepare(self.lines)
        shapely.prepare(land)
        self._simplified: dict[int, tuple] = {}
        self.fonts = {lb.size_px: _font(lb.size_px * SUPERSAMPLE) for lb in spec.labels}
        self._label_px = {
            lb: self.fonts[lb.size_px].getbbox(lb.text, stroke_width=3 * SUPERSAMPLE) for lb in spec.labels
        }
        self.fills = {colour: _png(Image.new("RGB", (TILE_PX, TILE_PX), colour)) for colour in (SEA, LAND)}

    def _level_geometry(self, z: int):
        """Land and border simplified to a quarter pixel of level z (drawing detail below that is waste)."""
        if z not in self._simplified:
            tolerance = 180.0 / (1 << z) / (TILE_PX * SUPERSAMPLE) / 2
            land = self.spec.land.simplify(tolerance, preserve_topology=True)
            border = self.border.simplify(tolerance) if self.border is not None else None
            self._simplified[z] = (land, border)
        return self._simplified[z]

    def labels_on(self, tile: Tile) -> list[Label]:
        west, south, east, north = tile.bounds
        per_px = (east - west) / (TILE_PX * SUPERSAMPLE)
        out = []
        for lb in self.spec.labels:
            if tile.z < lb.min_level:
                continue
            x0, y0, x1, y1 = self._label_px[lb]
            half_w, half_h = (x1 - x0) / 2 * per_px, (y1 - y0) / 2 * per_px
            if (
                lb.lon + half_w >= west
                and lb.lon - half_w <= east
                and lb.lat + half_h >= south
                and lb.lat - half_h <= north
            ):
                out.append(lb)
        return out

    def is_plain(self, tile: Tile) -> bool:
        return not self.lines.intersects(box(*tile.bounds)) and not self.labels_on(tile)

    def fill(self, tile: Tile) -> bytes:
        west, south, east, north = tile.bounds
        inside = self.spec.land.contains(Point((west + east) / 2, (south + north) / 2))
        return self.fills[LAND if inside else SEA]

    def render(self, tile: Tile) -> bytes:
        size = TILE_PX * SUPERSAMPLE
        west, south, east, north = tile.bounds
        scale = size / (east - west)
        margin = 4 / scale
        land, border = self._level_geometry(tile.z)
        image = Image.new("RGB", (size, size), SEA)
        draw = ImageDraw.Draw(image)
        window = (west - margin, south - margin, east + margin, north + margin)

        def pixels(coords: np.ndarray) -> list[tuple[float, float]]:
            return list(zip((coords[:, 0] - west) * scale, (north - coords[:, 1]) * scale, strict=True))

        clipped = shapely.clip_by_rect(land, *window)
        for polygon in _polygons(clipped):
            draw.polygon(pixels(shapely.get_coordinates(polygon.exterior)), fill=LAND)
            for hole in polygon.interiors:
                draw.polygon(pixels(shapely.get_coordinates(hole)), fill=SEA)
        for polygon in _polygons(clipped):
            for ring in (polygon.exterior, *polygon.interiors):
                draw.line(pixels(shapely.get_coordinates(ring)), fill=SHORE, width=SUPERSAMPLE)
        if border is not None:
            for line in _lines(
                shapely.clip_by_rect(border, west - margin, south - margin, east + margin, north + margin)
            ):
                draw.line(pixels(shapely.get_coordinates(line)), fill=BORDER, width=2 * SUPERSAMPLE, joint="curve")
        for lb in self.labels_on(tile):
            x, y = (lb.lon - west) * scale, (north - lb.lat) * scale
            draw.text(
                (x, y),
                lb.text,
                font=self.fonts[lb.size_px],
                fill=LABEL,
                anchor="mm",
                stroke_width=3 * SUPERSAMPLE,
                stroke_fill=HALO,
            )
        # Box-filtered 2:1 (cheap and smooth), then a small palette: the map has few colours and their
        # blends, and palette PNGs are a third of the size.
        return _png(image.reduce(SUPERSAMPLE).quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _polygons(geometry):
    return [g for g in getattr(geometry, "geoms", [geometry]) if g.geom_type == "Polygon" and not g.is_empty]


def _lines(geometry):
    parts = getattr(geometry, "geoms", [geometry])
    return [g for g in parts if g.geom_type in ("LineString", "LinearRing") and not g.is_empty]


_renderer: Renderer | None = None  # a worker process's renderer (or this process's, without workers)


def _start_worker(spec: BasemapSpec) -> None:
    global _renderer
    _renderer = Renderer(spec)


def _write(renderer: Renderer, tile: Tile, out_dir: Path, stats: BasemapStats) -> bool:
    """Write one tile; True when its children must be drawn too."""
    plain = renderer.is_plain(tile)
    data = renderer.fill(tile) if plain else renderer.render(tile)
    target = out_dir / tile.path(".fill.png" if plain else ".png")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    stats.bytes += len(data)
    stats.per_level[tile.z] = stats.per_level.get(tile.z, 0) + 1
    if plain:
        stats.filled += 1
    else:
        stats.rendered += 1
    return not plain and tile.z < renderer.spec.max_level


def _children_in(tile: Tile, bounds: tuple[float, float, float, float]) -> list[Tile]:
    area = box(*bounds)
    return [c for c in tile.children() if area.intersects(box(*c.bounds))]


def _subtree(job: tuple[Tile, str]) -> BasemapStats:
    root, folder = job
    assert _renderer is not None
    stats = BasemapStats()
    stack = [root]
    while stack:
        tile = stack.pop()
        if _write(_renderer, tile, Path(folder), stats):
            stack.extend(_children_in(tile, _renderer.spec.bounds))
    return stats


def build_basemap(
    spec: BasemapSpec, out_dir: Path, *, progress: ProgressFn | None = None, workers: int = 2
) -> BasemapStats:
    """Render the pyramid into out_dir (must not exist) and write basemap.json beside the tiles. The
    first levels are drawn here; the subtrees below them are shared among ``workers`` processes."""
    global _renderer
    started = time.perf_counter()
    report = progress or (lambda fraction, stage: None)
    out_dir.mkdir(parents=True)
    renderer = Renderer(spec)
    stats = BasemapStats()
    split = min(spec.max_level, spec.min_level + SPLIT_LEVELS)
    level = tiles_in(spec.min_level, spec.bounds)
    roots: list[Tile] = []
    while level:
        deeper = []
        for tile in level:
            if _write(renderer, tile, out_dir, stats):
                deeper.extend(_children_in(tile, spec.bounds))
        if deeper and deeper[0].z >= split:
            roots = deeper
            break
        level = deeper
    report(0.05, f"{len(roots)} subtrees below level {split} to draw")
    _renderer = renderer
    try:
        jobs = [(root, str(out_dir)) for root in roots]
        if workers > 1 and len(jobs) > 1:
            import multiprocessing

            # spawn, not fork: the caller may be a multi-threaded server; each worker draws with its own renderer
            context = multiprocessing.get_context("spawn")
            with context.Pool(workers, initializer=_start_worker, initargs=(spec,)) as pool:
                parts = []
                for i, part in enumerate(pool.imap_unordered(_subtree, jobs)):
                    parts.append(part)
                    report(0.05 + 0.95 * (i + 1) / len(jobs), f"{i + 1} of {len(jobs)} subtrees drawn")
        else:
            parts = [_subtree(job) for job in jobs]
    finally:
        _renderer = None
    for part in parts:
        stats.rendered += part.rendered
        stats.filled += part.filled
        stats.bytes += part.bytes
        for z, n in part.per_level.items():
            stats.per_level[z] = stats.per_level.get(z, 0) + n
    stats.seconds = time.perf_counter() - started
    manifest = {
        "bounds": list(spec.bounds),
        "min_level": spec.min_level,
        "max_level": spec.max_level,
        "tiling_scheme": "geographic",
        "tiles": "{z}/{x}/{reverseY}.png",
        "fill_tiles": "a missing tile is shown by the nearest {z}/{x}/{y}.fill.png above it",
        "attribution": spec.attribution,
        "provenance": spec.provenance,
        "rendered_tiles": stats.rendered,
        "fill_tiles_written": stats.filled,
        "bytes": stats.bytes,
        "seconds": round(stats.seconds, 1),
    }
    (out_dir / "basemap.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    report(1.0, "basemap done")
    return stats
