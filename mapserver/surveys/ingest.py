"""One survey upload, start to finish, in one transaction: read → validate → convert → COPY →
repeated point ids (surveys.checks) → optionally set the relic's position → keep the original
file. Any error rolls everything back, unless the uploader asked to keep the valid rows.

Heights: a height column in a VN-2000 CRS holds normal heights (Hòn Dấu) unless the uploader says
otherwise; in WGS 84 it may be either, so the uploader must say which (surveys.checks)."""

from __future__ import annotations

import json
import queue
from collections.abc import Callable, Iterator
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
from . import checks, pgbinary, queries
from .cells import Chunk
from .columns import HEIGHT_SYSTEMS, ColumnPlan, plan_columns
from .convert import Converted, FileState, Options, convert_chunk
from .reader import chunks_for

POSITION_MODES = ("none", "mean", "marker")
# Bytes of COPY data that may wait for PostgreSQL (in psycopg's 128 KiB pieces): the parsing runs
# ahead of the database by this much at most, so memory does not grow with the file when the
# database is the slower of the two.
COPY_QUEUE_PIECES = 64  # 8 MiB
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
    height_system: str | None = None  # as said, or normal for a VN-2000 file with heights
    axis_order: str | None = None  # as said, or as decided from the numbers


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
    if req.set_position not in POSITION_MODES:
        raise SurveyRejected(f"set_position must be one of {', '.join(POSITION_MODES)}.")
    if req.set_position == "marker" and not req.marker:
        raise SurveyRejected("set_position=marker needs the marker point id.")
    return zone


class _BoundedWriter(QueuedLibpqWriter):
    """psycopg's queued writer (its thread sends while we parse the next chunk) with a short queue:
    its own holds 1,024 pieces (128 MiB)."""

    def __init__(self, cursor: psycopg.Cursor) -> None:
        super().__init__(cursor)
        self._queue = queue.Queue(maxsize=COPY_QUEUE_PIECES)


def _copy_rows(batch_id: int, data: Converted, keep: np.ndarray, ids: checks.IdLedger) -> bytes:
    """The COPY rows of the kept rows; their ids go to the ledger of repeated ids."""
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return b""
    every = idx.size == keep.size

    def pick(values: np.ndarray) -> np.ndarray:
        return values if every else values[idx]

    point_ids = pgbinary.text(data.point_ids if every else [data.point_ids[i] for i in idx])
    ids.add(point_ids.values, pick(data.rows))
    return pgbinary.rows(
        [
            pgbinary.int8(np.full(idx.size, batch_id)),
            pgbinary.int4(pick(data.rows)),
            point_ids,
            pgbinary.text(data.codes if every else [data.codes[i] for i in idx]),
            *(
                pgbinary.float8(pick(arr))
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
            pgbinary.timestamptz_us(pick(data.observed_us), pick(data.observed_present)),
        ]
    )


def _chunks(req: SurveyRequest) -> Iterator[tuple[ColumnPlan, Chunk, list[str] | None]]:
    """Yield (plan, chunk, header) for the file, whichever format it is."""
    csv_chunks, geojson = chunks_for(req.file_path)
    if geojson is not None:
        header, rows = geojson
        numbers = np.arange(1, len(rows) + 1, dtype=np.int64)
        yield plan_columns(header, axis_order=None), Chunk(numbers=numbers, rows=rows), None
        return
    assert csv_chunks is not None
    plan = None
    for chunk in csv_chunks:
        if plan is None:
            plan = plan_columns(csv_chunks.header, axis_order=req.axis_order)
        yield plan, chunk, csv_chunks.header


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
            plan: ColumnPlan | None = None
            header = None
            checked_axes = False
            ids = checks.IdLedger()
            cursor = conn.cursor()
            # A writer thread sends the data while the next chunk is parsed: PostgreSQL's side of
            # the COPY then runs on the other core instead of after our work.
            with cursor.copy(COPY_SQL, writer=_BoundedWriter(cursor)) as copy:
                copy.write(pgbinary.SIGNATURE)
                for plan, chunk, header in _chunks(req):
                    options.height_system = checks.height_system(req.height_system, zone, plan)
                    checks.note_rows(chunk, header, state)
                    data = convert_chunk(chunk, plan, options, state)
                    if not checked_axes:
                        _check_axes(data, zone)
                        checked_axes = True
                    keep = ~np.isin(data.rows, np.fromiter(state.bad_rows, dtype=np.int64))
                    # Every valid row goes in, even after an error: the repeated-id check must see
                    # them all; a rejected upload rolls the COPY back.
                    copy.write(_copy_rows(batch_id, data, keep, ids))
                    stored += int(keep.sum())
                    if progress:
                        progress(len(chunk))
                copy.write(pgbinary.TRAILER)
            assert plan is not None
            stored -= checks.duplicates(conn, batch_id, ids, state, plan, req.keep_valid)
            errors = sorted(state.errors, key=lambda e: e.row)
            missing = checks.missing_header_columns(header, state)
            if missing:
                raise SurveyRejected(missing, errors, state.error_count)
            if state.error_count and not req.keep_valid:
                message = f"{state.error_count} problem(s) found; nothing was stored."
                raise SurveyRejected(message, errors, state.error_count)
            if stored == 0:
                raise SurveyRejected("The file has no valid survey points.", errors, state.error_count)
            position = _set_position(conn, req, batch_id) if req.set_position != "none" else None
            key = f"surveys/{batch_id}/{safe_name(req.file_name)}"
            axes = checks.axis_order(plan, state, req.axis_order)
            conn.execute(
                "UPDATE survey_batches SET point_count = %s, skipped_rows = %s, errors = %s::jsonb, "
                "file_key = %s, position_set = %s, height_system = %s, axis_order = %s WHERE id = %s",
                (
                    stored,
                    len(state.bad_rows),
                    json.dumps([e.as_dict() for e in errors]),
                    key,
                    req.set_position if position else None,
                    options.height_system,
                    axes,
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
        batch_id=batch_id,
        point_count=stored,
        skipped_rows=len(state.bad_rows),
        errors=errors,
        position=position,
        height_system=options.height_system,
        axis_order=axes,
    )


def _check_axes(data: Converted, zone: crs.Zone) -> None:
    """A whole file whose named columns are the wrong way round is refused (the names and the
    numbers disagree); files oriented from their numbers pass by construction."""
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
