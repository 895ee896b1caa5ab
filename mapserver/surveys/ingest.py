"""One survey upload, start to finish, in one transaction: read → validate → convert → COPY →
optionally set the relic's position → keep the original file. Any error rolls everything back,
unless the uploader asked to keep the valid rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg
from psycopg.copy import QueuedLibpqWriter

import crs

from ..importer.readers import ReadError
from ..importer.values import RowError
from ..records.audit import audit_entry
from ..regions.province import province_area
from ..sites import queries as site_queries
from ..store import Store, file_sha256, safe_name
from . import pgbinary, queries
from .columns import HEIGHT_SYSTEMS, plan_columns
from .convert import Converted, FileState, Options, convert_chunk
from .reader import chunks_for

POSITION_MODES = ("none", "mean", "marker")
COPY_SQL = (
    "COPY survey_points (batch_id, row_number, point_id, code, orig_x, orig_y, orig_z, lon, lat, "
    "h_ellipsoidal, e_vn2000, n_vn2000, h_normal, accuracy_m, observed_at) FROM STDIN (FORMAT binary)"
)


class SurveyRejected(ValueError):
    """Nothing was stored; `errors` lists every problem found (row, column, reason)."""

    def __init__(self, message: str, errors: list[RowError] | None = None, error_count: int = 0):
        super().__init__(message)
        self.errors = errors or []
        self.error_count = error_count or len(self.errors)


@dataclass
class SurveyRequest:
    site_id: str
    crs: str
    file_path: Path
    file_name: str
    actor: str
    height_system: str | None = None
    axis_order: str | None = None
    keep_valid: bool = False
    set_position: str = "none"
    marker: str | None = None
    # A contributor's position waits for an editor's approval (surveys.review); staff's applies now.
    needs_review: bool = False


@dataclass
class SurveyResult:
    batch_id: int
    point_count: int
    skipped_rows: int
    errors: list[RowError] = field(default_factory=list)
    position: dict | None = None


def _check_request(conn: psycopg.Connection, req: SurveyRequest) -> crs.Zone:
    if conn.execute("SELECT 1 FROM sites WHERE id = %s", (req.site_id,)).fetchone() is None:
        raise SurveyRejected(f"Unknown relic id '{req.site_id[:100]}'.")
    try:
        zone = crs.parse_crs(req.crs)
    except (crs.UnsupportedCRS, ValueError) as exc:
        raise SurveyRejected(f"Unsupported CRS '{req.crs[:60]}': {exc}") from None
    if zone.kind == "geocentric":
        raise SurveyRejected("Survey points must be geographic or projected coordinates, not ECEF.")
    if req.height_system is not None and req.height_system not in HEIGHT_SYSTEMS:
        raise SurveyRejected("heights must be 'normal' (VN-2000, Hòn Dấu) or 'ellipsoidal' (WGS 84).")
    if req.height_system == "ellipsoidal" and zone.datum != "WGS84":
        raise SurveyRejected(
            "VN-2000 heights are normal heights (Hòn Dấu): use heights=normal, or send "
            "WGS 84 coordinates with their ellipsoidal heights."
        )
    if req.set_position not in POSITION_MODES:
        raise SurveyRejected(f"set_position must be one of {', '.join(POSITION_MODES)}.")
    if req.set_position == "marker" and not req.marker:
        raise SurveyRejected("set_position=marker needs the marker point id.")
    return zone


def _copy_rows(batch_id: int, data: Converted, keep: np.ndarray) -> bytes:
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return b""
    return pgbinary.rows(
        [
            pgbinary.int8(np.full(idx.size, batch_id)),
            pgbinary.int4(data.rows[idx]),
            pgbinary.text([data.point_ids[i] for i in idx]),
            pgbinary.text([data.codes[i] for i in idx]),
            *(
                pgbinary.float8(arr[idx])
                for arr in (
                    data.orig_x,
                    data.orig_y,
                    data.orig_z,
                    data.lon,
                    data.lat,
                    data.h_ellipsoidal,
                    data.e_vn2000,
                    data.n_vn2000,
                    data.h_normal,
                    data.accuracy,
                )
            ),
            pgbinary.timestamptz_us(data.observed_us[idx], data.observed_present[idx]),
        ]
    )


def _chunks(req: SurveyRequest, axis_order: str | None):
    """Yield (plan, row numbers, rows) for the file, whichever format it is."""
    csv_chunks, geojson = chunks_for(req.file_path)
    if geojson is not None:
        header, rows = geojson
        yield plan_columns(header, axis_order=None), list(range(1, len(rows) + 1)), rows
        return
    plan = None
    for numbers, rows in csv_chunks:
        if plan is None:
            plan = plan_columns(csv_chunks.header, axis_order=axis_order)
        yield plan, numbers, rows


def ingest(
    conn: psycopg.Connection, store: Store, req: SurveyRequest, progress: Callable[[int], None] | None = None
) -> SurveyResult:
    zone = _check_request(conn, req)
    sha256, size = file_sha256(req.file_path)
    options = Options(zone=zone, height_system=req.height_system, province=province_area(conn))
    state = FileState()
    stored = 0
    try:
        with conn.transaction():
            batch_id = conn.execute(
                """INSERT INTO survey_batches (site_id, uploaded_by, crs_epsg, height_system, axis_order,
                       file_name, file_sha256, file_size, file_key, point_count)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', 0) RETURNING id""",
                (
                    req.site_id,
                    req.actor,
                    zone.epsg,
                    req.height_system,
                    req.axis_order,
                    req.file_name[:200],
                    sha256,
                    size,
                ),
            ).fetchone()[0]
            checked_axes = False
            cursor = conn.cursor()
            # A writer thread sends the data while the next chunk is parsed: PostgreSQL's side of
            # the COPY then runs on the other core instead of after our work.
            with cursor.copy(COPY_SQL, writer=QueuedLibpqWriter(cursor)) as copy:
                copy.write(pgbinary.SIGNATURE)
                for plan, numbers, rows in _chunks(req, req.axis_order):
                    if plan.height is not None and req.height_system is None:
                        raise SurveyRejected(
                            "The file has a height column: say whether the heights are "
                            "normal (VN-2000, Hòn Dấu) or ellipsoidal (WGS 84)."
                        )
                    data = convert_chunk(numbers, rows, plan, options, state)
                    if not checked_axes:
                        _check_axes(data, zone)
                        checked_axes = True
                    keep = ~np.isin(data.rows, np.fromiter(state.bad_rows, dtype=np.int64))
                    if req.keep_valid or state.error_count == 0:
                        copy.write(_copy_rows(batch_id, data, keep))
                        stored += int(keep.sum())
                    if progress:
                        progress(len(rows))
                copy.write(pgbinary.TRAILER)
            if state.error_count and not req.keep_valid:
                raise SurveyRejected(
                    f"{state.error_count} problem(s) found; nothing was stored.", state.errors, state.error_count
                )
            if stored == 0:
                raise SurveyRejected("The file has no valid survey points.", state.errors, state.error_count)
            position = _set_position(conn, req, batch_id) if req.set_position != "none" else None
            key = f"surveys/{batch_id}/{safe_name(req.file_name)}"
            conn.execute(
                "UPDATE survey_batches SET point_count = %s, skipped_rows = %s, errors = %s::jsonb, "
                "file_key = %s, position_set = %s WHERE id = %s",
                (
                    stored,
                    len(state.bad_rows),
                    json.dumps([e.as_dict() for e in state.errors]),
                    key,
                    req.set_position if position else None,
                    batch_id,
                ),
            )
            conn.execute(
                *audit_entry(
                    req.actor,
                    "upload",
                    "survey_batch",
                    str(batch_id),
                    {
                        "site": req.site_id,
                        "points": stored,
                        "skipped": len(state.bad_rows),
                        "position": req.set_position,
                    },
                )
            )
            store.put_file(key, req.file_path)
    except ReadError as exc:
        raise SurveyRejected(str(exc)) from None
    return SurveyResult(
        batch_id=batch_id, point_count=stored, skipped_rows=len(state.bad_rows), errors=state.errors, position=position
    )


def _check_axes(data: Converted, zone: crs.Zone) -> None:
    ok = np.isfinite(data.orig_x) & np.isfinite(data.orig_y)
    if not ok.any():
        return
    check = crs.detect_swapped_axes(data.orig_x[ok], data.orig_y[ok], zone)
    if check.swapped:
        raise SurveyRejected(check.message)


def _set_position(conn: psycopg.Connection, req: SurveyRequest, batch_id: int) -> dict:
    if req.set_position == "marker":
        row = conn.execute(
            "SELECT lon, lat, accuracy_m, 1 FROM survey_points WHERE batch_id = %s AND point_id = %s",
            (batch_id, req.marker),
        ).fetchone()
        if row is None:
            raise SurveyRejected(f"The marker point '{req.marker[:40]}' is not among the valid points.")
        source = f"GNSS survey batch {batch_id}, marker point {req.marker}"
    else:
        row = conn.execute(
            "SELECT avg(lon), avg(lat), max(accuracy_m), count(*) FROM survey_points WHERE batch_id = %s", (batch_id,)
        ).fetchone()
        source = f"GNSS survey batch {batch_id}, mean of {row[3]} points"
    lon, lat, accuracy, _ = row
    position = {"lon": lon, "lat": lat, "accuracy_m": accuracy, "source": source}
    if req.needs_review:
        conn.execute(queries.PROPOSE_POSITION, (json.dumps(position), batch_id))
        return {**position, "review_status": "in_review"}
    for statement, values in site_queries.move_statements(
        req.site_id, lon=lon, lat=lat, status="surveyed", source=source, accuracy=accuracy, actor=req.actor
    ):
        conn.execute(statement, values)
    return position
