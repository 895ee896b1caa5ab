"""Validate and convert one chunk of survey rows with numpy; every problem names row and column.

Checks: missing/non-numeric values, coordinates outside the CRS's zone or the province (with a
tolerance), implausible heights, duplicate point ids (across the whole file), bad accuracy/time.
Conversions go through crs/ only (EPSG:6960 pinned; EGM96 for heights).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import shapely

import crs

from ..importer.values import RowError
from .columns import ColumnPlan

PROVINCIAL_ZONE = 5899  # VN-2000 / TM-3 107-45, Bà Rịa–Vũng Tàu
ZONE_MARGIN_DEG = 1.0
VIETNAM_TIME = timezone(timedelta(hours=7))
NORMAL_HEIGHT_RANGE = (-100.0, 3200.0)  # Vietnam: sea floor works to Fansipan (3,147 m)
NUL = "\x00"
SHOWN_NUL = "\ufffd"  # what a NUL quoted in an error message becomes


@dataclass
class Options:
    zone: crs.Zone
    height_system: str | None
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
    """What must be remembered across chunks: point ids seen, and errors."""

    seen: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    bad_rows: set[int] = field(default_factory=set)

    def fail(self, row: int, column: str, reason: str) -> None:
        self.error_count += 1
        self.bad_rows.add(row)
        if len(self.errors) < 1000:
            # Errors are stored (jsonb) and shown: a NUL quoted from the file cannot be either.
            self.errors.append(RowError(row, column.replace(NUL, SHOWN_NUL), reason.replace(NUL, SHOWN_NUL)))


def _column(chunk: list[list[str]], index: int | None, n: int, *, strip: bool = True) -> list[str]:
    """One column of the chunk; short rows give empty cells."""
    if index is None:
        return [""] * n
    try:
        cells = [row[index] for row in chunk]
    except IndexError:
        cells = [row[index] if index < len(row) else "" for row in chunk]
    # numpy's number parser skips surrounding blanks itself; text cells are stripped here.
    return [cell.strip() for cell in cells] if strip else cells


def _numbers(
    texts: list[str] | tuple[str, ...],
    rows: np.ndarray,
    column: str,
    state: FileState,
    *,
    required: bool,
    angle: str | None = None,
) -> np.ndarray:
    """Parse a column of numbers fast; on any failure, parse one by one to name the bad rows."""
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
    """Empty and duplicate ids, across the whole file; the common clean case stays in C."""
    unique = set(point_ids)
    if len(unique) == len(point_ids) and "" not in unique and state.seen.keys().isdisjoint(unique):
        state.seen.update(zip(point_ids, rows.tolist()))
        return
    column = plan.name(plan.point, "point")
    for pid, row in zip(point_ids, rows.tolist()):
        if not pid:
            state.fail(row, column, "point id is empty")
        elif pid in state.seen:
            state.fail(row, column, f"duplicate point id '{pid[:40]}' (also row {state.seen[pid]})")
        else:
            state.seen[pid] = row


def convert_chunk(
    numbers: list[int], chunk: list[list[str]], plan: ColumnPlan, options: Options, state: FileState
) -> Converted:
    zone = options.zone
    rows = np.asarray(numbers, dtype=np.int64)
    n = len(chunk)
    columns = chunk
    geographic = zone.kind == "geographic"
    east_name = plan.name(plan.east, "longitude" if geographic else "easting")
    north_name = plan.name(plan.north, "latitude" if geographic else "northing")
    x = _numbers(
        _column(columns, plan.east, n, strip=False),
        rows,
        east_name,
        state,
        required=True,
        angle="lon" if geographic else None,
    )
    y = _numbers(
        _column(columns, plan.north, n, strip=False),
        rows,
        north_name,
        state,
        required=True,
        angle="lat" if geographic else None,
    )
    z = (
        _numbers(
            _column(columns, plan.height, n, strip=False), rows, plan.name(plan.height, "height"), state, required=False
        )
        if plan.height is not None
        else np.full(len(chunk), np.nan)
    )
    accuracy = (
        _numbers(
            _column(columns, plan.accuracy, n, strip=False),
            rows,
            plan.name(plan.accuracy, "accuracy"),
            state,
            required=False,
        )
        if plan.accuracy is not None
        else np.full(len(chunk), np.nan)
    )
    for i in np.flatnonzero((accuracy < 0) | (accuracy > 1000)):
        state.fail(int(rows[i]), plan.name(plan.accuracy, "accuracy"), "must be between 0 and 1000 metres")
    point_ids = _column(columns, plan.point, n) if plan.point is not None else [str(r) for r in rows.tolist()]
    _refuse_nul(point_ids, rows, plan.name(plan.point, "point"), state)
    _check_point_ids(point_ids, rows, plan, state)
    code_texts = _column(columns, plan.code, n)
    _refuse_nul(code_texts, rows, plan.name(plan.code, "code"), state)
    codes = [c or None for c in code_texts]
    if plan.time is not None:
        time_texts = _column(columns, plan.time, n)
        _refuse_nul(time_texts, rows, plan.name(plan.time, "time"), state)
        observed_us, observed_present = _times(time_texts, rows, plan.name(plan.time, "time"), state)
    else:
        observed_us, observed_present = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)

    ok = np.isfinite(x) & np.isfinite(y)
    lon = np.full(len(chunk), np.nan)
    lat = np.full(len(chunk), np.nan)
    if ok.any():
        lon[ok], lat[ok] = crs.to_wgs84(x[ok], y[ok], zone)
    margin = ZONE_MARGIN_DEG
    outside_zone = ok & (
        (lon < zone.west - margin)
        | (lon > zone.east + margin)
        | (lat < zone.south - margin)
        | (lat > zone.north + margin)
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

    h_ell = np.full(len(chunk), np.nan)
    h_norm = np.full(len(chunk), np.nan)
    has_z = ok & np.isfinite(z)
    if has_z.any():
        if options.height_system == "normal":
            h_norm[has_z] = z[has_z]
            h_ell[has_z] = crs.normal_to_ellipsoidal(lon[has_z], lat[has_z], z[has_z])
        else:
            h_ell[has_z] = z[has_z]
            h_norm[has_z] = crs.ellipsoidal_to_normal(lon[has_z], lat[has_z], z[has_z])
        low, high = NORMAL_HEIGHT_RANGE
        for i in np.flatnonzero(has_z & ((h_norm < low) | (h_norm > high))):
            state.fail(
                int(rows[i]),
                plan.name(plan.height, "height"),
                f"implausible height {z[i]:.3f} m (normal height {h_norm[i]:.1f} m)",
            )
    e_vn = np.full(len(chunk), np.nan)
    n_vn = np.full(len(chunk), np.nan)
    if zone.epsg == PROVINCIAL_ZONE:
        e_vn[ok], n_vn[ok] = x[ok], y[ok]  # already in the provincial zone: keep them exactly
    elif ok.any():
        e_vn[ok], n_vn[ok] = crs.from_wgs84(lon[ok], lat[ok], PROVINCIAL_ZONE)
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
