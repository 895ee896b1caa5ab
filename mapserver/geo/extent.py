"""Where the product's data can be: Vietnam with its islands (lon 100–120°E, lat 5–25°N). A
geometry outside it is a CRS mix-up (wrong zone, swapped axes), never data to store."""

from __future__ import annotations

import shapely

VIETNAM = shapely.box(100.0, 5.0, 120.0, 25.0)
