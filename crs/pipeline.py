"""Explicit PROJ pipelines, with the VN-2000 ↔ WGS 84 datum step pinned to EPSG:6960.

Why explicit: ``Transformer.from_crs`` holds several candidate operations and picks one *per point*
by area of use; between VN-2000 and WGS 84 it uses EPSG:5194 "VN-2000 to WGS 84 (1)" west of
about 107.11°E (Vũng Tàu city included), 0.8 m away from the official EPSG:6960 "VN-2000 to
WGS 84 (2)" (Decision 05/2007/QĐ-BTNMT). We therefore write every pipeline ourselves:

    native(src) -> geodetic lon/lat (radians) on src datum
    [-> 7-parameter Helmert, coordinate-frame convention, EPSG:6960, horizontal positions taken
        at WGS 84 ellipsoidal height 0 (see _VN2000_TO_WGS84 for why and how)]
    -> native(dst)

The Helmert parameters are the Decision's values; before the first use they are checked against
pyproj's EPSG database entry 6960 and PinnedOperationUnavailable is raised on any mismatch — there
is no fallback. Projection parameters come from the Zone (i.e. from EPSG via pyproj).

Two kinds of pipeline are built here:

* ``pipeline_2d``: horizontal positions only, the datum step taken at WGS 84 ellipsoidal height 0
  (the convention when no height is known; see _VN2000_TO_WGS84);
* ``pipeline_3d``: x, y and z, z being the *ellipsoidal* height on each side's own datum; the
  Helmert acts on the point's true geocentric position, as PROJ does with three coordinates.
  Which height a surveyor's number is (normal or ellipsoidal) is decided in ``crs.datum3d``.
"""

from __future__ import annotations

from functools import lru_cache

from pyproj.crs import CoordinateOperation
from pyproj.exceptions import CRSError

from .errors import PinnedOperationUnavailable
from .zones import Zone

PINNED_EPSG = 6960
PINNED_NAME = "VN-2000 to WGS 84 (2)"
# Decision 05/2007/QĐ-BTNMT, VN-2000 -> WGS 84, coordinate-frame rotation convention.
# Translations in metres, rotations in arc-seconds, scale difference in ppm.
HELMERT_6960: dict[str, float] = {
    "x": -191.90441429,
    "y": -39.30318279,
    "z": -111.45032835,
    "rx": -0.00928836,
    "ry": 0.01975479,
    "rz": -0.00427372,
    "s": 0.252906278,
}
_EPSG_PARAM_NAMES = {
    "X-axis translation": "x",
    "Y-axis translation": "y",
    "Z-axis translation": "z",
    "X-axis rotation": "rx",
    "Y-axis rotation": "ry",
    "Z-axis rotation": "rz",
    "Scale difference": "s",
}

HELMERT_STEP = (
    "+proj=helmert " + " ".join(f"+{k}={v!r}" for k, v in HELMERT_6960.items()) + " +convention=coordinate_frame"
)


def check_operation(epsg: int = PINNED_EPSG) -> None:
    """Raise PinnedOperationUnavailable unless EPSG:``epsg`` in pyproj's database is
    "VN-2000 to WGS 84 (2)" (coordinate frame) with exactly the Decision 05/2007 parameters."""
    try:
        op = CoordinateOperation.from_epsg(epsg)
    except CRSError as exc:
        raise PinnedOperationUnavailable(
            f"EPSG:{epsg} ({PINNED_NAME}) is not in pyproj's EPSG database: {exc}"
        ) from exc
    if op.name != PINNED_NAME or not op.method_name.startswith("Coordinate Frame rotation"):
        raise PinnedOperationUnavailable(
            f"EPSG:{epsg} is {op.name!r} ({op.method_name}), expected {PINNED_NAME!r} "
            "with the coordinate-frame convention"
        )
    found = {_EPSG_PARAM_NAMES[p.name]: float(p.value) for p in op.params if p.name in _EPSG_PARAM_NAMES}
    if found != HELMERT_6960:
        raise PinnedOperationUnavailable(
            f"EPSG:{epsg} parameters in the database {found} differ from Decision 05/2007 "
            f"{HELMERT_6960}; refusing to transform"
        )


@lru_cache(maxsize=1)
def verify_pinned_operation() -> None:
    """``check_operation()`` once per process, before the first VN-2000 <-> WGS 84 pipeline."""
    check_operation(PINNED_EPSG)


# A step is (definition, inverted). Steps are kept symbolic so a list can be reversed.
Step = tuple[str, bool]


def _native_steps(zone: Zone) -> list[Step]:
    """Steps from geodetic lon/lat (radians, x=lon) on the zone's datum to its native x/y."""
    if zone.kind == "geographic":
        return [("+proj=unitconvert +xy_in=rad +xy_out=deg", False)]
    if zone.kind == "projected":
        return [
            (
                f"+proj=tmerc +lat_0={zone.latitude_of_origin!r} +lon_0={zone.central_meridian!r} "
                f"+k={zone.scale_factor!r} +x_0={zone.false_easting!r} +y_0={zone.false_northing!r} "
                "+ellps=WGS84",
                False,
            )
        ]
    raise ValueError(f"{zone}: geocentric CRSs have no 2D pipeline")


# The Helmert acts on 3D points; a 2D position needs a height convention. PROJ's EPSG:6960 takes
# h = 0 on the *source* side in both directions, so its two directions are not inverses of each
# other: the round trip drifts by up to 1.4 mm over Vietnam's extent (< 0.1 mm in BR-VT), because
# the two ellipsoids are up to tens of metres apart vertically. We take h_WGS84 = 0 in both directions:
# WGS 84 -> VN-2000 is exactly PROJ's EPSG:6960 (same check values), and VN-2000 -> WGS 84 is its
# exact inverse, obtained with one fixed-point refinement inside the pipeline:
#   (lon_v, lat_v, 0) -Helmert-> (lon1, lat1, ·); (lon1, lat1, 0) -inverse-> (·, ·, h_v);
#   (lon_v, lat_v, h_v) -Helmert-> (lon_w, lat_w, ≈0)
# Round trips then close to < 1 µm. push/pop of v_3 returns the caller's z untouched.
_CART = ("+proj=cart +ellps=WGS84", False)
_INV_CART = ("+proj=cart +ellps=WGS84", True)
_H0 = ("+proj=set +v_3=0", False)

_WGS84_TO_VN2000: list[Step] = [
    ("+proj=push +v_3", False),
    _H0,
    _CART,
    (HELMERT_STEP, True),
    _INV_CART,
    ("+proj=pop +v_3", False),
]
_VN2000_TO_WGS84: list[Step] = [
    ("+proj=push +v_3", False),
    ("+proj=push +v_1 +v_2", False),
    _H0,
    _CART,
    (HELMERT_STEP, False),
    _INV_CART,  # first guess of the WGS 84 position
    _H0,
    _CART,
    (HELMERT_STEP, True),
    _INV_CART,  # VN-2000 height h_v of that point at h_WGS84 = 0
    ("+proj=pop +v_1 +v_2", False),  # back to the input lon/lat, now with h_v
    _CART,
    (HELMERT_STEP, False),
    _INV_CART,  # final position, h_WGS84 ≈ 0
    ("+proj=pop +v_3", False),
]


# With the height known, the Helmert is applied to the point itself (PROJ's inverse Helmert is the
# exact inverse of its forward one: round trips close to < 0.1 µm, measured over Vietnam).
_WGS84_TO_VN2000_3D: list[Step] = [_CART, (HELMERT_STEP, True), _INV_CART]
_VN2000_TO_WGS84_3D: list[Step] = [_CART, (HELMERT_STEP, False), _INV_CART]


def _invert(steps: list[Step]) -> list[Step]:
    """Inverse of a list of invertible steps (used for the projection/unit steps)."""
    return [(definition, not inverted) for definition, inverted in reversed(steps)]


def _datum_steps(src: Zone, dst: Zone, *, with_height: bool = False) -> list[Step]:
    if src.datum == dst.datum:
        return []
    verify_pinned_operation()
    if (src.datum, dst.datum) == ("VN2000", "WGS84"):
        return list(_VN2000_TO_WGS84_3D if with_height else _VN2000_TO_WGS84)
    if (src.datum, dst.datum) == ("WGS84", "VN2000"):
        return list(_WGS84_TO_VN2000_3D if with_height else _WGS84_TO_VN2000)
    raise PinnedOperationUnavailable(f"no pinned operation from {src.datum} to {dst.datum}")


def _simplify(steps: list[Step]) -> list[Step]:
    """Drop adjacent step/inverse-step pairs (e.g. deg->rad then rad->deg for 4326 -> 4756)."""
    out: list[Step] = []
    for step in steps:
        if out and out[-1][0] == step[0] and out[-1][1] != step[1]:
            out.pop()
        else:
            out.append(step)
    return out


def _pipeline(steps: list[Step]) -> str | None:
    if not steps:
        return None
    body = " ".join(f"+step {'+inv ' if inverted else ''}{definition}" for definition, inverted in steps)
    return f"+proj=pipeline {body}"


@lru_cache(maxsize=512)
def pipeline_2d(src: Zone, dst: Zone) -> str | None:
    """PROJ pipeline string for horizontal coordinates src -> dst (x=lon/easting order), or None
    when the operation is the identity (e.g. EPSG:4326 -> OGC:CRS84)."""
    return _pipeline(_simplify(_invert(_native_steps(src)) + _datum_steps(src, dst) + _native_steps(dst)))


@lru_cache(maxsize=512)
def pipeline_3d(src: Zone, dst: Zone) -> str | None:
    """PROJ pipeline for (x, y, h) src -> dst, h the ellipsoidal height on each side's datum (VN-2000
    or WGS 84; both use the WGS 84 ellipsoid). The projection steps pass h through; the datum step
    uses it. Same datum: identical to ``pipeline_2d`` (h unchanged)."""
    steps = _invert(_native_steps(src)) + _datum_steps(src, dst, with_height=True) + _native_steps(dst)
    return _pipeline(_simplify(steps))


# Geodetic (lon, lat degrees, h metres) <-> ECEF, both on the WGS 84 ellipsoid.
GEODETIC_TO_ECEF = "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=cart +ellps=WGS84"
