"""The checks of a survey file as a whole (the per-row ones are surveys.convert's): the heights'
system, the order the coordinate columns were found in, header names no row fills, and repeated
point ids.

Repeated ids without a set of a million Python strings: each COPYed row leaves a 64-bit hash of
its id and its row number (12 bytes a row, in numpy arrays); at the end one sort finds the hashes
that occur twice, and PostgreSQL, which holds the rows, gives back the ids of just those rows to
be compared exactly (a hash collision is then no false alarm)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import psycopg

import crs

from ..importer.readers import ReadError
from . import queries
from .cells import Chunk
from .columns import ColumnPlan
from .convert import FileState


class HeightsUnknown(ReadError):
    """A WGS 84 file with heights, and no word on which heights they are."""


def height_system(said: str | None, zone: crs.Zone, plan: ColumnPlan) -> str | None:
    """The heights' system: as said, else normal in a VN-2000 CRS; WGS 84 heights must be said."""
    if plan.height is None or said is not None:
        return said
    if zone.datum == "VN2000":
        return "normal"  # VN-2000 heights are normal heights (Hòn Dấu) by definition
    raise HeightsUnknown(
        f"The file has a height column in {zone.srs} (WGS 84): say whether the heights are ellipsoidal "
        "(as a GNSS receiver measures them) or normal (Hòn Dấu, from survey software with a geoid)."
    )


def axis_order(plan: ColumnPlan, state: FileState, said: str | None) -> str | None:
    """The order of the coordinate columns as decided from the numbers (the first column first),
    or as said."""
    if not plan.axes_from_numbers or state.swap_axes is None:
        return said
    first_is_north = (plan.north < plan.east) != state.swap_axes
    return "north-east" if first_is_north else "east-north"


def note_rows(chunk: Chunk, header: list[str] | None, state: FileState) -> None:
    """Remember the first and last row and, until a row fills the whole header, the widest row."""
    if state.first_row is None:
        state.first_row = int(chunk.numbers[0])
    state.last_row = int(chunk.numbers[-1])
    if header is not None and state.widest < len(header):
        state.widest = max(state.widest, chunk.widest())


def missing_header_columns(header: list[str] | None, state: FileState) -> str | None:
    """A message when the header names columns that no data row has (columns shifted, most often)."""
    if header is None or state.widest >= len(header) or state.first_row is None:
        return None
    missing = ", ".join(f"'{name[:40]}' (column {i + 1})" for i, name in enumerate(header) if i >= state.widest)
    return (
        f"The header declares {missing}, but no data row has a value there: rows {state.first_row}–"
        f"{state.last_row} have at most {state.widest} values. Remove the name from the header or fill the column."
    )


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def id_hashes(encoded: np.ndarray) -> np.ndarray:
    """64-bit FNV-1a of each id, from the fixed-width UTF-8 bytes the COPY sends (ids hold no NUL,
    so the padding cannot make two different ids equal)."""
    n, width = encoded.size, encoded.dtype.itemsize
    octets = encoded.view(np.uint8).reshape(n, width)
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    for j in range(width):
        h ^= octets[:, j]
        h *= _FNV_PRIME  # wraps modulo 2**64, as FNV wants
    return h


@dataclass
class IdLedger:
    """The (hash, row) of every id COPYed so far."""

    hashes: list[np.ndarray] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)

    def add(self, encoded_ids: np.ndarray, rows: np.ndarray) -> None:
        self.hashes.append(id_hashes(encoded_ids))
        self.rows.append(np.asarray(rows, dtype=np.int32))

    def suspects(self) -> np.ndarray:
        """Rows whose id hash occurs more than once (every row of such a group)."""
        if not self.hashes:
            return np.zeros(0, dtype=np.int32)
        hashes = np.concatenate(self.hashes)
        rows = np.concatenate(self.rows)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        same = ordered[1:] == ordered[:-1]
        twice = np.zeros(ordered.size, dtype=bool)
        twice[1:] |= same
        twice[:-1] |= same
        return rows[order[twice]]


def duplicates(
    conn: psycopg.Connection, batch_id: int, ledger: IdLedger, state: FileState, plan: ColumnPlan, keep_valid: bool
) -> int:
    """Report every repeated point id by row (its first occurrence stays) and, when the valid rows
    are kept, delete the repeats; returns how many rows were repeats."""
    suspects = ledger.suspects()
    if suspects.size == 0:
        return 0
    firsts: dict[str, int] = {}
    repeats: list[tuple[int, str]] = []
    for row, point_id in conn.execute(queries.IDS_OF_ROWS, (batch_id, suspects.tolist())):
        if point_id in firsts:
            repeats.append((row, point_id))
        else:
            firsts[point_id] = row
    column = plan.name(plan.point, "point")
    for row, point_id in repeats:
        state.fail(row, column, f"duplicate point id '{point_id[:40]}' (also row {firsts[point_id]})")
    if keep_valid and repeats:
        conn.execute(queries.DELETE_ROWS, (batch_id, [row for row, _ in repeats]))
    return len(repeats)
