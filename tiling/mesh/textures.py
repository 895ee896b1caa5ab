"""Per-tile textures: crop to the UVs a tile uses, downsize for coarser levels, encode.

A leaf embeds only the part of the texture atlas its faces reference (UV bounding box +
a 2-pixel margin, UVs remapped), so a 16-leaf model does not ship the whole atlas 16
times.  Parents are built at ``scale`` = 2^-height of the leaf resolution.  Sizes are
rounded to powers of two (mipmaps on every WebGL), JPEG unless alpha is really used.
"""

from __future__ import annotations

import io
import math

import numpy as np

from ..gltf import Texture

MAX_SIZE = 4096
MIN_SIZE = 16
MARGIN = 2  # px kept around the used UV rectangle (bilinear filtering reads neighbours)


def _pot(n: float) -> int:
    """Nearest power of two (in log scale), clamped to [MIN_SIZE, MAX_SIZE]."""
    return int(min(MAX_SIZE, max(MIN_SIZE, 2 ** round(math.log2(max(n, 1.0))))))


def encode(image, *, quality: int = 85) -> Texture:
    """JPEG (RGB) unless the image has transparency that matters, then PNG."""
    buf = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P") and image.convert("RGBA").getextrema()[3][0] < 255:
        image.convert("RGBA").save(buf, "PNG", optimize=False)
        return Texture(buf.getvalue(), "image/png")
    image.convert("RGB").save(buf, "JPEG", quality=quality)
    return Texture(buf.getvalue(), "image/jpeg")


def tile_texture(image, uv: np.ndarray, scale: float) -> tuple[Texture, np.ndarray, bool]:
    """Crop/resize ``image`` for the given UVs (origin bottom-left).

    Returns the encoded texture, glTF UVs (origin top-left, float32) and whether the
    sampler must repeat (UVs outside 0..1: no crop possible).
    """
    from PIL import Image

    w, h = image.size
    u, v = uv[:, 0], uv[:, 1]
    eps = 1e-4
    if len(uv) and u.min() >= -eps and u.max() <= 1 + eps and v.min() >= -eps and v.max() <= 1 + eps:
        x0 = max(0, math.floor(u.min() * w) - MARGIN)
        x1 = min(w, math.ceil(u.max() * w) + MARGIN)
        y0 = max(0, math.floor((1 - v.max()) * h) - MARGIN)
        y1 = min(h, math.ceil((1 - v.min()) * h) + MARGIN)
        x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
        crop = image.crop((x0, y0, x1, y1)) if (x0, y0, x1, y1) != (0, 0, w, h) else image
        cw, ch = x1 - x0, y1 - y0
        out_uv = np.column_stack([(u * w - x0) / cw, ((1 - v) * h - y0) / ch])
        repeat = False
    else:
        crop, cw, ch = image, w, h
        out_uv = np.column_stack([u, 1 - v])
        repeat = True
    size = (_pot(cw * scale), _pot(ch * scale))
    if size != crop.size:
        crop = crop.resize(size, Image.Resampling.BILINEAR if scale < 1 else Image.Resampling.BICUBIC, reducing_gap=2.0)
    return encode(crop), out_uv.astype(np.float32), repeat
