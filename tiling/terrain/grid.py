"""The geographic tiling scheme of Cesium terrain and imagery: EPSG:4326, TMS numbering.

Level z has 2^(z+1) × 2^z tiles of 180/2^z degrees; tile (z, x, y) spans lon −180 + x·d … +d and
lat −90 + y·d … +d (y = 0 is the southernmost row, as layer.json's ``"scheme": "tms"`` says).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Metres per degree of latitude (and of longitude at the equator), for resolution estimates only.
METRES_PER_DEGREE = 111_320.0
# Cesium's level-zero geometric error for a 65-sample heightmap and two root tiles
# (TerrainProvider.getEstimatedLevelZeroGeometricErrorForAHeightmap): 2πa·0.25 / (65·2).
LEVEL_ZERO_ERROR_M = 2 * math.pi * 6378137.0 * 0.25 / (65 * 2)


@dataclass(frozen=True, order=True)
class Tile:
    z: int
    x: int
    y: int

    @property
    def size_deg(self) -> float:
        return 180.0 / (1 << self.z)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees."""
        d = self.size_deg
        return (-180.0 + self.x * d, -90.0 + self.y * d, -180.0 + (self.x + 1) * d, -90.0 + (self.y + 1) * d)

    @property
    def parent(self) -> Tile | None:
        return Tile(self.z - 1, self.x >> 1, self.y >> 1) if self.z > 0 else None

    def children(self) -> list[Tile]:
        z, x, y = self.z + 1, self.x * 2, self.y * 2
        return [Tile(z, x, y), Tile(z, x + 1, y), Tile(z, x, y + 1), Tile(z, x + 1, y + 1)]

    def path(self, suffix: str) -> str:
        return f"{self.z}/{self.x}/{self.y}{suffix}"


def tile_range(z: int, bounds: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """Inclusive (x0, y0, x1, y1) of the level-z tiles that touch bounds (west, south, east, north)."""
    d = 180.0 / (1 << z)
    w, s, e, n = bounds
    nx, ny = 2 << z, 1 << z

    def clamp(v: int, top: int) -> int:
        return max(0, min(top - 1, v))

    # A bound exactly on a tile edge does not pull in the neighbour beyond it.
    x0 = clamp(math.floor((w + 180.0) / d), nx)
    x1 = clamp(math.ceil((e + 180.0) / d) - 1, nx)
    y0 = clamp(math.floor((s + 90.0) / d), ny)
    y1 = clamp(math.ceil((n + 90.0) / d) - 1, ny)
    return x0, y0, max(x0, x1), max(y0, y1)


def tiles_in(z: int, bounds: tuple[float, float, float, float]) -> list[Tile]:
    x0, y0, x1, y1 = tile_range(z, bounds)
    return [Tile(z, x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]


def level_for_spacing(spacing_deg: float, samples: int) -> int:
    """The first level whose sample spacing (tile size / (samples − 1)) is at most spacing_deg."""
    z = math.ceil(math.log2(180.0 / ((samples - 1) * max(spacing_deg, 1e-9))))
    return max(0, z)


def geometric_error_m(z: int) -> float:
    """The error Cesium allows a terrain tile of level z before it refines (metres)."""
    return LEVEL_ZERO_ERROR_M / (1 << z)
