"""Which column holds what: named headers (Vietnamese or English) or the receiver layout.

Column meaning is never guessed silently: E/N, lon/lat and Đông/Bắc are explicit; for a bare X/Y
pair (and the header-less receiver layout) the numbers decide which is the easting (surveys.axes),
and `axis_order` ("north-east": X is the northing, as Vietnamese survey tables write it; or
"east-north") is needed only when they cannot. A height column is a normal height in a VN-2000 CRS
unless told otherwise; in WGS 84 its system must be said (surveys.ingest).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..importer.readers import ReadError
from ..text import fold_key

ALIASES: dict[str, tuple[str, ...]] = {
    "point": ("point", "pt", "id", "name", "ten diem", "so hieu diem", "diem", "stt", "so hieu", "ma diem"),
    "east": ("east", "e", "easting", "dong", "toa do e", "e m"),
    "north": ("north", "n", "northing", "bac", "toa do n", "n m"),
    "lon": ("lon", "long", "lng", "longitude", "kinh do"),
    "lat": ("lat", "latitude", "vi do"),
    "x": ("x", "toa do x", "x m"),
    "y": ("y", "toa do y", "y m"),
    "height": ("height", "h", "z", "elevation", "cao do", "do cao", "h m", "z m"),
    "code": ("code", "ma", "description", "desc", "ghi chu", "mo ta"),
    "accuracy": ("accuracy", "accuracy m", "do chinh xac", "sigma", "precision", "rms", "sai so"),
    "time": ("time", "observed at", "observed_at", "datetime", "thoi gian", "ngay do", "timestamp"),
}
AXIS_ORDERS = ("north-east", "east-north")
HEIGHT_SYSTEMS = ("normal", "ellipsoidal")
RECEIVER_LAYOUT = "point,northing,easting,height[,code]"


@dataclass(frozen=True)
class ColumnPlan:
    """Indexes of the columns; `east`/`north` are the first/second horizontal axis (lon/lat too)."""

    east: int
    north: int
    point: int | None = None
    height: int | None = None
    code: int | None = None
    accuracy: int | None = None
    time: int | None = None
    names: tuple[str, ...] = ()
    # The order of east/north is to be decided from the numbers (surveys.axes); axes_default: the
    # planned order stands when they cannot tell (the documented receiver layout).
    axes_from_numbers: bool = False
    axes_default: bool = False

    def name(self, index: int | None, fallback: str) -> str:
        if index is not None and index < len(self.names):
            return self.names[index]
        return fallback


def _find(keys: list[str], field: str) -> int | None:
    for alias in ALIASES[field]:
        if alias in keys:
            return keys.index(alias)
    return None


def plan_columns(header: list[str] | None, *, axis_order: str | None) -> ColumnPlan:
    if axis_order is not None and axis_order not in AXIS_ORDERS:
        raise ReadError(f"axis_order must be one of {', '.join(AXIS_ORDERS)}")
    if header is None:
        # The common receiver export: point, northing (X), easting (Y), height, code.
        return ColumnPlan(
            point=0,
            north=1,
            east=2,
            height=3,
            code=4,
            names=("point", "northing", "easting", "height", "code"),
            axes_from_numbers=True,
            axes_default=True,
        )
    keys = [fold_key(h) for h in header]
    found = {field: _find(keys, field) for field in ALIASES}
    if found["east"] is not None and found["north"] is not None:
        east, north = found["east"], found["north"]
    elif found["lon"] is not None and found["lat"] is not None:
        east, north = found["lon"], found["lat"]
    elif found["x"] is not None and found["y"] is not None:
        if axis_order is None:
            # X/Y say nothing of which is the easting: the numbers will (surveys.axes).
            return _plan(found, found["x"], found["y"], header, axes_from_numbers=True)
        east, north = (found["y"], found["x"]) if axis_order == "north-east" else (found["x"], found["y"])
    else:
        raise ReadError(
            "No coordinate columns found: name them E/N (Đông/Bắc, easting/northing), "
            f"lon/lat (kinh độ/vĩ độ) or X/Y, or use the header-less "
            f"receiver layout {RECEIVER_LAYOUT}."
        )
    return _plan(found, east, north, header)


def _plan(found: dict, east: int, north: int, header: list[str], *, axes_from_numbers: bool = False) -> ColumnPlan:
    return ColumnPlan(
        east=east,
        north=north,
        point=found["point"],
        height=found["height"],
        code=found["code"],
        accuracy=found["accuracy"],
        time=found["time"],
        names=tuple(header),
        axes_from_numbers=axes_from_numbers,
    )
