"""360° panoramas: an equirectangular image (twice as wide as high) re-encoded for the tour viewer.

The panorama is published as one JPEG (upright, sRGB, no metadata: a camera writes its GPS
position into every shot) no wider than 8192 px, which every WebGL viewer can upload as a
texture, and a 512 × 256 thumbnail for lists and tour editors.
"""

from __future__ import annotations

from pathlib import Path

from .errors import MediaRejected
from .iiif_image import JPEG_QUALITY, web_ready

MAX_WIDTH = 8192
THUMB_WIDTH = 512
# Cameras and stitchers round: 2:1 within half a percent (6000 × 3000, 5376 × 2688, 8192 × 4096 …).
RATIO_TOLERANCE = 0.005
MIN_WIDTH = 1024


def check_equirectangular(width: int, height: int) -> None:
    if height <= 0 or abs(width / height - 2) > 2 * RATIO_TOLERANCE:
        raise MediaRejected(
            f"A 360° panorama must be equirectangular, twice as wide as high; this image is {width} × {height}."
        )
    if width < MIN_WIDTH:
        raise MediaRejected(f"A 360° panorama must be at least {MIN_WIDTH} px wide; this one is {width}.")


def build_panorama(src: Path, out_dir: Path, *, progress=None) -> dict:
    import pyvips

    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        image = web_ready(src)
        check_equirectangular(image.width, image.height)
        if image.width > MAX_WIDTH:
            image = image.thumbnail_image(MAX_WIDTH, height=MAX_WIDTH // 2, size="force")
        elif image.width != 2 * image.height:
            image = image.thumbnail_image(image.width, height=image.width // 2, size="force")
        keep = pyvips.enums.ForeignKeep.NONE
        image.jpegsave(str(out_dir / "panorama.jpg"), Q=JPEG_QUALITY, keep=keep, interlace=True)
        if progress:
            progress(0.8)
        written = pyvips.Image.new_from_file(str(out_dir / "panorama.jpg"))
        thumb = written.thumbnail_image(THUMB_WIDTH, height=THUMB_WIDTH // 2, size="force")
        thumb.jpegsave(str(out_dir / "thumb.jpg"), Q=JPEG_QUALITY, keep=keep)
    except pyvips.Error:
        raise MediaRejected("The panorama cannot be read: the file is damaged or truncated.") from None
    return {"files": ["panorama.jpg", "thumb.jpg"], "width": written.width, "height": written.height}
