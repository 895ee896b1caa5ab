"""Validate and convert one chunk of survey rows with numpy; every problem names row and column.

Checks: missing/non-numeric values, the order of the coordinate columns (surveys.axes), coordinates
outside the CRS's zone or the province (with a tolerance), implausible heights, empty point ids,
bad accuracy/time. Duplicate point ids across the whole file are found by PostgreSQL after the
COPY (surveys.ingest), so no set of a million ids is kept here.

Conversions go through crs/ only: EPSG:6960 pinned, with the point's height in the datum step
when it has one, and the geoid of crs.heights between normal and ellipsoidal heights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import shapely

import crs

from ..importer.values import RowError
from .axes import orient
from .cells import Chunk
from .columns import ColumnPlan

PROVINCIAL_ZONE = 5899  # VN-2000 / TM-3 107-45, Bà Rịa–Vũng Tàu
WGS84 = 4326
ZONE_MARGIN_DEG = 1.0
VIETNAM_TIME = timezone(timedelta(hours=7))
NORMAL_HEIGHT_RANGE = (-100.0, 3200.0)  # Vietnam: sea floor works to Fansipan (3,147 m)
NUL = "\x00"
SHOWN_NUL = "\ufffd"  # what a NUL quoted in an error message becomes
MAX_ERRORS_KEPT = 1000


@dataclass
class Options:
    zone: crs.Zone
    height_system: str | None  # "normal" or "ellipsoidal"; None only for a file without heights
    province: object | None  # shapely geometry (buffered outline) or None to skip


@dataclass
class Converted:
    rows: np.ndarray
    point_ids: list[str]
    codes: list[str | None]
    orig_x: np.ndarray
    orig_y: np.ndarray
    orig_z: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    h_ellipsoidal: np.ndarray
    e_vn2000: np.ndarray
    n_vn2000: np.ndarray
    h_normal: np.ndarray
    accuracy: np.ndarray
    observed_us: np.ndarray
    observed_present: np.ndarray


@dataclass
class FileState:
    """What must be remembered across chunks: errors, the axis order decided for the file, and
    how many cells the widest row had (a header column no row has is an error)."""

    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    bad_rows: set[int] = field(default_factory=set)
    swap_axes: bool | None = None
    widest: int = 0
    first_row: int | None = None
    last_row: int | None = None

    def fail(self, row: int, column: str, reason: str) -> None:
        self.error_count += 1
        self.bad_rows.add(row)
        if len(self.errors) < MAX_ERRORS_KEPT:
            # Errors are stored (jsonb) and shown: a NUL quoted from the file cannot be either.
            self.errors.append(RowError(row, column.replace(NUL, SHOWN_NUL), reason.replace(NUL, SHOWN_NUL)))


def _slow_numbers(
    texts: list[str], rows: np.ndarray, column: str, state: FileState, *, required: bool, angle: str | None
) -> np.ndarray:
    """Parse a column cell by cell (decimal commas, DMS angles, empty cells) and name bad rows."""
    try:
        values = np.array(texts, dtype=np.float64)
        if np.isfinite(values).all():
            return values
    except ValueError:
        pass
    values = np.full(len(texts), np.nan)
    for i, text in enumerate(texts):
        text = text.strip()
        if not text:
            if required:
                state.fail(int(rows[i]), column, "is empty")
            continue
        try:
            value = crs.parse_angle(text, angle) if angle else crs.parse_number(text)
        except ValueError:
            state.fail(int(rows[i]), column, f"'{text[:30]}' is not a number")
            continue
        if not np.isfinite(value):
            state.fail(int(rows[i]), column, "is not a finite number")
            continue
        values[i] = value
    return values


@dataclass(frozen=True)
class NumberColumn:
    index: int | None
    name: str
    required: bool = False
    angle: str | None = None


def _numbers(chunk: Chunk, wanted: list[NumberColumn], state: FileState) -> list[np.ndarray]:
    """The columns as float64 (NaN where absent): one pass of numpy's reader for all of them in
    the common case, then column by column, then cell by cell only where that fails."""
    present = [c for c in wanted if c.index is not None]
    table = chunk.floats(tuple(c.index for c in present))  # type: ignore[misc]
    parsed: dict[int, np.ndarray] = {}
    if table is not None and np.isfinite(table).all():
        parsed = {c.index: table[:, k] for k, c in enumerate(present)}  # type: ignore[misc]
    out = []
    for c in wanted:
        if c.index is None:
            out.append(np.full(len(chunk), np.nan))
            continue
        values = parsed.get(c.index)
        if values is None:
            single = chunk.floats((c.index,)) if len(present) > 1 else None
            if single is not None and np.isfinite(single).all():
                values = single[:, 0]
            else:
                texts = chunk.texts(c.index, strip=False)
                values = _slow_numbers(texts, chunk.numbers, c.name, state, required=c.required, angle=c.angle)
        out.append(values)
    return out


def _times(texts: list[str], rows: np.ndarray, column: str, state: FileState) -> tuple[np.ndarray, np.ndarray]:
    """Unix microseconds and a presence mask; a time without offset is Vietnam time (UTC+7)."""
    micros = np.zeros(len(texts), dtype=np.int64)
    present = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        if not text:
            continue
        try:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            state.fail(int(rows[i]), column, f"'{text[:30]}' is not an ISO 8601 time")
            continue
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=VIETNAM_TIME)
        micros[i] = round(stamp.timestamp() * 1_000_000)
        present[i] = True
    return micros, present


def _refuse_nul(cells: list[str], rows: np.ndarray, column: str, state: FileState) -> None:
    """Rows whose stored text holds a NUL character fail: PostgreSQL text cannot hold one, and a
    NUL in a CSV means a damaged or binary file. One join finds the clean chunk (the common case)."""
    if NUL not in "".join(cells):
        return
    for cell, row in zip(cells, rows.tolist()):
        if NUL in cell:
            state.fail(row, column, "contains a NUL character (a damaged or binary file?)")


def _check_point_ids(point_ids: list[str], rows: np.ndarray, plan: ColumnPlan, state: FileState) -> None:
    """Empty ids (duplicates are PostgreSQL's to find, over the whole file)."""
    if all(point_ids):
        return
    column = plan.name(plan.point, "point")
    for pid, row in zip(point_ids, rows.tolist()):
        if not pid:
            state.fail(row, column, "point id is empty")


def _masked(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return values if mask.all() else values[mask]


def _scatter(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    if mask.all():
        return values
    out = np.full(mask.shape, np.nan)
    out[mask] = values
    return out


def convert_chunk(chunk: Chunk, plan: ColumnPlan, options: Options, state: FileState) -> Converted:
    zone = options.zone
    rows = chunk.numbers
    n = len(chunk)
    geographic = zone.kind == "geographic"
    angle_x, angle_y = ("lon", "lat") if geographic else (None, None)
    chunk.prefetch_texts([plan.point, plan.code, plan.time])
    x, y, z, accuracy = _numbers(
        chunk,
        [
            NumberColumn(plan.east, plan.name(plan.east, "longitude" if geographic else "easting"), True, angle_x),
            NumberColumn(plan.north, plan.name(plan.north, "latitude" if geographic else "northing"), True, angle_y),
            NumberColumn(plan.height, plan.name(plan.height, "height")),
            NumberColumn(plan.accuracy, plan.name(plan.accuracy, "accuracy")),
        ],
        state,
    )
    for i in np.flatnonzero((accuracy < 0) | (accuracy > 1000)):
        state.fail(int(rows[i]), plan.name(plan.accuracy, "accuracy"), "must be between 0 and 1000 metres")
    point_ids = chunk.texts(plan.point) if plan.point is not None else [str(r) for r in rows.tolist()]
    _refuse_nul(point_ids, rows, plan.name(plan.point, "point"), state)
    _check_point_ids(point_ids, rows, plan, state)
    code_texts = chunk.texts(plan.code)
    _refuse_nul(code_texts, rows, plan.name(plan.code, "code"), state)
    codes = [c or None for c in code_texts]
    if plan.time is not None:
        time_texts = chunk.texts(plan.time)
        _refuse_nul(time_texts, rows, plan.name(plan.time, "time"), state)
        observed_us, observed_present = _times(time_texts, rows, plan.name(plan.time, "time"), state)
    else:
        observed_us, observed_present = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)

    x, y, ok, (east_name, north_name) = orient(x, y, rows, plan, zone, state)
    # The datum step at each point's height where it has one (crs.datum3d); heights as WGS 84 h.
    kind = options.height_system or "ellipsoidal"
    lon, lat, h_ell = (
        _scatter(ok, v)
        for v in crs.transform(
            _masked(x, ok), _masked(y, ok), _masked(z, ok), src=zone, dst=WGS84, heights=kind, out_heights="ellipsoidal"
        )
    )
    margin = ZONE_MARGIN_DEG
    with np.errstate(invalid="ignore"):
        outside_zone = ok & ~(
            (lon >= zone.west - margin)
            & (lon <= zone.east + margin)
            & (lat >= zone.south - margin)
            & (lat <= zone.north + margin)
        )
    for i in np.flatnonzero(outside_zone):
        state.fail(int(rows[i]), f"{east_name}/{north_name}", f"outside the valid range of {zone.srs} ({zone.name})")
    ok &= ~outside_zone
    if options.province is not None and ok.any():
        inside = shapely.contains_xy(options.province, lon, lat)
        for i in np.flatnonzero(ok & ~inside):
            state.fail(
                int(rows[i]),
                f"{east_name}/{north_name}",
                f"({lon[i]:.6f}, {lat[i]:.6f}) lies outside the province (beyond the tolerance)",
            )

    has_z = ok & np.isfinite(z)
    h_norm = np.full(n, np.nan)
    if has_z.any():
        if kind == "normal":
            h_norm[has_z] = z[has_z]
        else:
            h_norm[has_z] = crs.ellipsoidal_to_normal(lon[has_z], lat[has_z], h_ell[has_z])
        low, high = NORMAL_HEIGHT_RANGE
        for i in np.flatnonzero(has_z & ((h_norm < low) | (h_norm > high))):
            state.fail(
                int(rows[i]),
                plan.name(plan.height, "height"),
                f"implausible height {z[i]:.3f} m (normal height {h_norm[i]:.1f} m)",
            )
    if zone.epsg == PROVINCIAL_ZONE:
        e_vn, n_vn = x, y  # already in the provincial zone: keep them exactly
    else:
        e_vn, n_vn = np.full(n, np.nan), np.full(n, np.nan)
        if ok.any():
            e_vn[ok], n_vn[ok], _ = crs.transform(
                lon[ok], lat[ok], h_ell[ok], src=WGS84, dst=PROVINCIAL_ZONE, heights="ellipsoidal"
            )
    return Converted(
        rows=rows,
        point_ids=point_ids,
        codes=codes,
        orig_x=x,
        orig_y=y,
        orig_z=z,
        lon=lon,
        lat=lat,
        h_ellipsoidal=h_ell,
        e_vn2000=e_vn,
        n_vn2000=n_vn,
        h_normal=h_norm,
        accuracy=accuracy,
        observed_us=observed_us,
        observed_present=observed_present,
    )
