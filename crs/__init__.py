"""Pure geodesy for the Bà Rịa–Vũng Tàu heritage map (no web code).

* ``crs.zones``: supported CRSs (WGS 84, VN-2000 geographic, all VN-2000 TM-3 zones, UTM 48N/49N),
  lookup by EPSG code, CRS URI or province.
* ``crs.transform``: vectorised transforms, x = lon/easting always; VN-2000 ↔ WGS 84 pinned to
  EPSG:6960 (Decision 05/2007/QĐ-BTNMT), never pyproj's per-point default.
* ``crs.heights``: normal (Hòn Dấu) ↔ WGS 84 ellipsoidal heights with an offline geoid grid.
* ``crs.datum3d``: positions with a height — the datum step at the point's height, heights
  converted explicitly between normal and ellipsoidal.
* ``crs.ecef``: ECEF positions and East-North-Up frames for 3D Tiles.
* ``crs.parse``: surveyor notations (DMS angles, decimal commas, swapped columns).
* ``crs.axis_order``: a CSV's column order checked against its numbers (refused, never swapped).
* ``crs.stream`` / ``crs.cli``: CSV conversion and the ``heritage crs`` commands.
"""

from .axis_order import AXIS_ORDERS, SwappedColumns
from .datum3d import HEIGHT_KINDS, HeightKind, resolve_kinds, transform_3d
from .ecef import ecef_to_enu, enu_to_ecef, enu_to_ecef_matrix, from_ecef, to_ecef
from .errors import AmbiguousHeights, CSVFormatError, GeoidUnavailable, PinnedOperationUnavailable, UnsupportedCRS
from .heights import (
    ellipsoidal_to_normal,
    geoid_grid_path,
    geoid_undulation,
    normal_to_ellipsoidal,
)
from .parse import (
    AxisCheck,
    axis_fit,
    decide_axis_order,
    detect_swapped_axes,
    parse_angle,
    parse_number,
    plausible_ranges,
)
from .pipeline import HELMERT_6960, PINNED_EPSG, PINNED_NAME
from .stream import convert_csv
from .transform import (
    ecef_to_geodetic,
    from_wgs84,
    geodetic_to_ecef,
    pinned_transformer,
    pipeline_definition,
    to_wgs84,
    transform,
)
from .zones import (
    Zone,
    all_zones,
    as_zone,
    parse_crs,
    tm3_zone_for_longitude,
    zone_for_epsg,
    zone_for_province,
)

__all__ = [
    "AXIS_ORDERS",
    "AmbiguousHeights",
    "AxisCheck",
    "CSVFormatError",
    "GeoidUnavailable",
    "HEIGHT_KINDS",
    "HELMERT_6960",
    "HeightKind",
    "PINNED_EPSG",
    "PINNED_NAME",
    "PinnedOperationUnavailable",
    "SwappedColumns",
    "UnsupportedCRS",
    "Zone",
    "all_zones",
    "as_zone",
    "axis_fit",
    "convert_csv",
    "decide_axis_order",
    "detect_swapped_axes",
    "ecef_to_enu",
    "ecef_to_geodetic",
    "ellipsoidal_to_normal",
    "enu_to_ecef",
    "enu_to_ecef_matrix",
    "from_ecef",
    "from_wgs84",
    "geodetic_to_ecef",
    "geoid_grid_path",
    "geoid_undulation",
    "normal_to_ellipsoidal",
    "parse_angle",
    "parse_crs",
    "parse_number",
    "pinned_transformer",
    "pipeline_definition",
    "plausible_ranges",
    "resolve_kinds",
    "tm3_zone_for_longitude",
    "to_ecef",
    "to_wgs84",
    "transform",
    "transform_3d",
    "zone_for_epsg",
    "zone_for_province",
]
