"""Scans (point clouds incl. COPC, meshes, Gaussian splats) → validated 3D Tiles 1.1 for CesiumJS.

Big point clouds can be tiled in parts on many machines: :mod:`tiling.fanout`.

Public API::

    from tiling import tile_scan, TilingError, Anchor, validate_output
    stats = tile_scan("scan.laz", "out/site-12", src_crs=5899, heights="normal")

Coordinates always go through ``crs`` (VN-2000 datum pinned to EPSG:6960, geoid for normal
heights).  No web code lives here; ``mapserver`` calls this package.
"""

from .errors import TilingError, ValidationFailed
from .georef import Anchor
from .pipeline import TileStats, detect_kind, tile_scan
from .tileset import Issue, validate_glb_files, validate_output, validate_tileset

__all__ = [
    "Anchor",
    "Issue",
    "TileStats",
    "TilingError",
    "ValidationFailed",
    "detect_kind",
    "tile_scan",
    "validate_glb_files",
    "validate_output",
    "validate_tileset",
]
