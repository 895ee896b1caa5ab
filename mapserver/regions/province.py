"""The province outline used to check that uploaded positions are plausibly in Bà Rịa–Vũng Tàu."""

from __future__ import annotations

import psycopg
import shapely
from shapely import wkb

from . import queries

# The outline plus this margin (degrees, about 5.5 km): coastal sites, islets and the simplified
# boundary's vertices must not reject a true position.
TOLERANCE_DEG = 0.05


def province_area(conn: psycopg.Connection, tolerance_deg: float = TOLERANCE_DEG):
    """The buffered, prepared outline of the province, or None when no boundary is loaded."""
    row = conn.execute(queries.PROVINCE_OUTLINE).fetchone()
    if row is None:
        return None
    area = wkb.loads(bytes(row[0])).buffer(tolerance_deg)
    shapely.prepare(area)
    return area
