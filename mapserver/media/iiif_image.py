"""Photos and scans → IIIF Image API 3, level 0: static tiles made once by libvips at ingest.

`build_iiif(src, out_dir)` writes the whole tree a viewer reads: `info.json`, the 512 px tiles of
every scale factor (`dzsave --layout iiif3`), and the pre-rendered `full/{w},{h}/0/default.jpg` of
every scale factor whose image is at most 1600 px wide, listed exactly in `sizes` (Mirador 4 asks
for the region of a missing size otherwise and draws a single tile), plus `full/90,/0/default.jpg`
(the thumbnail Universal Viewer always asks for).

What the public gets is made web-safe: the EXIF orientation is applied to the pixels, colours are
converted to sRGB, 16-bit scans are scaled to 8 bits, transparency is flattened onto white, and
every derivative is written without metadata (no EXIF, no GPS position, no XMP/IPTC), whatever
the record: the position of a sensitive relic must never leak through a photo.

The `id` in the stored info.json is a placeholder: the app writes the public base URL in at serve
time (media.delivery), so the same files work behind any host name or proxy.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

from .errors import MediaRejected

TILE_SIZE = 512
JPEG_QUALITY = 85
LARGEST_SIZE_WIDTH = 1600
THUMBNAIL_WIDTH = 90
PLACEHOLDER_ID = "https://iiif.invalid/media"
MAX_PIXELS = 2_000_000_000  # four A0 sheets at 600 dpi; anything larger is a mistake or a bomb
# Below this many pixels an upload is decoded completely before it is accepted, so a truncated
# photo is a 422 at once; larger scans are decoded by the ingest job (which fails with a reason).
FULL_CHECK_PIXELS = 40_000_000

Progress = Callable[[float], None]


def _vips():
    import pyvips

    return pyvips


def inspect(src: Path) -> dict:
    """Width and height of an image the registry can take, from its header (and, for photos, a
    complete decode); MediaRejected when libvips cannot read it."""
    pyvips = _vips()
    try:
        image = pyvips.Image.new_from_file(str(src), access="sequential", fail_on="error")
        width, height = _oriented_size(image)
        if width * height > MAX_PIXELS:
            raise MediaRejected(f"The image has {width * height:,} pixels; at most {MAX_PIXELS:,} are taken.")
        if width * height <= FULL_CHECK_PIXELS:
            image.avg()  # reads every pixel: a truncated or damaged file fails here
    except pyvips.Error:
        raise MediaRejected("The image cannot be read: the file is damaged or truncated.") from None
    return {"width": width, "height": height}


def _oriented_size(image) -> tuple[int, int]:
    orientation = image.get("orientation") if image.get_typeof("orientation") else 1
    return (image.height, image.width) if orientation in (5, 6, 7, 8) else (image.width, image.height)


def web_ready(src: Path, *, access: str = "sequential"):
    """The image as the public sees it: upright, sRGB, 8 bits per band, no alpha."""
    pyvips = _vips()
    image = pyvips.Image.new_from_file(str(src), access=access, fail_on="error")
    orientation = image.get("orientation") if image.get_typeof("orientation") else 1
    if orientation not in (1, 0) and access == "sequential":
        # Turning 90° reads the image across its rows: sequential access cannot do that.
        image = pyvips.Image.new_from_file(str(src), access="random", fail_on="error")
    image = image.autorot()
    if image.get_typeof("icc-profile-data"):
        image = image.icc_transform("srgb", embedded=True, intent="relative")
    image = _eight_bit(image)
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    return image


def _eight_bit(image):
    """16-bit (and float) scans to 8 bits, scaled over the whole range, not clipped; CMYK to sRGB."""
    if image.interpretation == "cmyk":  # no embedded profile (else web_ready converted it already)
        return image.colourspace("srgb").cast("uchar")
    if image.format == "uchar":
        return image.copy(interpretation="b-w" if image.bands < 3 else "srgb")
    grey = image.bands < 3
    if image.format in ("ushort", "short"):
        wide = image.copy(interpretation="grey16" if grey else "rgb16")
        return wide.colourspace("b-w" if grey else "srgb").cast("uchar")
    # float or int images: stretch their own range to 0–255
    low, high = image.min(), image.max()
    scale = 255.0 / (high - low) if high > low else 1.0
    out = ((image - low) * scale).cast("uchar")
    return out.copy(interpretation="b-w" if grey else "srgb")


def level_sizes(width: int, height: int, scale_factors: list[int]) -> list[tuple[int, int]]:
    """The image size at each scale factor as IIIF computes it (ceil), up to the largest size."""
    sizes = [(math.ceil(width / sf), math.ceil(height / sf)) for sf in scale_factors]
    return sorted({s for s in sizes if s[0] <= LARGEST_SIZE_WIDTH})


def size_path(width: int, height: int | None = None) -> str:
    return f"full/{width},{'' if height is None else height}/0/default.jpg"


def build_iiif(src: Path, out_dir: Path, *, progress: Progress | None = None) -> dict:
    """Write the IIIF tree of ``src`` into ``out_dir`` (which must not exist); returns the facts
    (width, height, sizes, scale factors, tile count)."""
    pyvips = _vips()
    report = progress or (lambda fraction: None)
    staging = out_dir.parent / f".{out_dir.name}-dz"
    staging.mkdir(parents=True)
    try:
        image = web_ready(src)
        _watch(image, lambda fraction: report(0.85 * fraction))
        # dzsave writes <name>/ plus metadata files beside it: only <name>/ is kept.
        image.dzsave(
            str(staging / "iiif"),
            layout="iiif3",
            tile_size=TILE_SIZE,
            overlap=0,
            suffix=f".jpg[Q={JPEG_QUALITY}]",
            id=PLACEHOLDER_ID.rsplit("/", 1)[0],
            keep=pyvips.enums.ForeignKeep.NONE,
        )
        (staging / "iiif").rename(out_dir)
    except pyvips.Error:
        raise MediaRejected("The image cannot be read: the file is damaged or truncated.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    info = json.loads((out_dir / "info.json").read_text())
    width, height = info["width"], info["height"]
    scale_factors = info["tiles"][0]["scaleFactors"]
    sizes = level_sizes(width, height, scale_factors)
    _write_sizes(out_dir, width, height, scale_factors, sizes)
    report(1.0)
    info.update(
        id=PLACEHOLDER_ID,
        tiles=[{"width": TILE_SIZE, "height": TILE_SIZE, "scaleFactors": scale_factors}],
        sizes=[{"width": w, "height": h} for w, h in sizes],
    )
    (out_dir / "info.json").write_text(json.dumps(info, indent=1))
    tiles = sum(1 for _ in out_dir.rglob("*.jpg"))
    return {"width": width, "height": height, "sizes": sizes, "scale_factors": scale_factors, "tiles": tiles}


def _write_sizes(out_dir: Path, width: int, height: int, scale_factors: list[int], sizes) -> None:
    """The listed sizes and the 90 px thumbnail, made from the tiles dzsave just wrote: the level of
    the largest size is joined from its few tiles, and the smaller sizes shrunk from it. A huge
    scan is thus decoded once (by dzsave), not once more for its overviews."""
    pyvips = _vips()
    largest = sizes[-1]
    factor = next(sf for sf in scale_factors if (math.ceil(width / sf), math.ceil(height / sf)) == largest)
    large = _level_image(out_dir, width, height, factor).copy_memory()  # at most 1600 px wide: small
    keep = pyvips.enums.ForeignKeep.NONE
    for w, h in [*sizes, (THUMBNAIL_WIDTH, None)]:
        h_exact = h if h is not None else max(1, round(large.height * w / large.width))
        same = (w, h_exact) == (large.width, large.height)
        resized = large if same else large.thumbnail_image(w, height=h_exact, size="force")
        target = out_dir / size_path(w, h)
        target.parent.mkdir(parents=True, exist_ok=True)
        resized.jpegsave(str(target), Q=JPEG_QUALITY, keep=keep)


def _level_image(out_dir: Path, width: int, height: int, sf: int):
    """The whole image at scale factor ``sf``, joined from that level's tiles (named as IIIF names
    them: region in full-resolution pixels, size = ceil(region / sf); a level that fits one tile is
    written as region 'full')."""
    pyvips = _vips()
    span = TILE_SIZE * sf
    level_w, level_h = math.ceil(width / sf), math.ceil(height / sf)
    if level_w <= TILE_SIZE and level_h <= TILE_SIZE:
        return pyvips.Image.new_from_file(str(out_dir / size_path(level_w, level_h)))
    tiles, columns = [], math.ceil(width / span)
    for y in range(0, height, span):
        for x in range(0, width, span):
            w, h = min(span, width - x), min(span, height - y)
            name = f"{x},{y},{w},{h}/{math.ceil(w / sf)},{math.ceil(h / sf)}/0/default.jpg"
            tiles.append(pyvips.Image.new_from_file(str(out_dir / name)))
    # arrayjoin gives every cell the size of the largest tile: the short last row and column
    # leave padding at the right and bottom, cut off here.
    return pyvips.Image.arrayjoin(tiles, across=columns).crop(0, 0, level_w, level_h)


def _watch(image, report: Progress) -> None:
    """Report libvips' own progress of the write (it knows how many pixels it has computed)."""
    image.set_progress(True)
    image.signal_connect("eval", lambda img, state: report(min(1.0, state.percent / 100)))
