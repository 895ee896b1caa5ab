"""PostgreSQL binary COPY rows built with numpy, for bulk inserts without a Python loop per value.

Each field is given as a whole column: float64 arrays (NaN = NULL), int arrays, or lists of
str/None. Rows have variable length (NULLs and text), so every field is scattered into the output
buffer at per-row offsets computed with cumulative sums.
"""

from __future__ import annotations

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01T00:00:00Z in Unix microseconds


class Column:
    """One field: per-row byte lengths (-1 = NULL) and a blob of the non-NULL values' bytes."""

    def __init__(self, lengths: np.ndarray, blob: np.ndarray):
        self.lengths = lengths.astype(np.int64)
        self.blob = blob


def float8(values: np.ndarray) -> Column:
    values = np.asarray(values, dtype=np.float64)
    present = ~np.isnan(values)
    lengths = np.where(present, 8, -1)
    blob = values[present].astype(">f8").view(np.uint8)
    return Column(lengths, blob)


def int8(values: np.ndarray) -> Column:
    values = np.asarray(values, dtype=np.int64)
    return Column(np.full(values.size, 8), values.astype(">i8").view(np.uint8))


def int4(values: np.ndarray) -> Column:
    values = np.asarray(values, dtype=np.int64)
    return Column(np.full(values.size, 4), values.astype(">i4").view(np.uint8))


def text(values: list[str | None]) -> Column:
    encoded = [v.encode("utf-8") if v is not None else None for v in values]
    lengths = np.fromiter((len(e) if e is not None else -1 for e in encoded), dtype=np.int64, count=len(encoded))
    blob = np.frombuffer(b"".join(e for e in encoded if e is not None), dtype=np.uint8)
    return Column(lengths, blob)


def timestamptz_us(unix_us: np.ndarray, present: np.ndarray) -> Column:
    """Timestamps given as Unix microseconds (int64) with a mask of which are present."""
    values = (np.asarray(unix_us, dtype=np.int64) - PG_EPOCH_US)[present]
    return Column(np.where(present, 8, -1), values.astype(">i8").view(np.uint8))


def rows(columns: list[Column]) -> bytes:
    """The binary COPY body (no header/trailer) of all rows."""
    n = columns[0].lengths.size
    data_sizes = [np.maximum(c.lengths, 0) for c in columns]
    row_sizes = 2 + sum(4 + s for s in data_sizes)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(row_sizes[:-1], out=starts[1:])
    out = np.empty(int(row_sizes.sum()), dtype=np.uint8)
    _scatter_fixed(out, starts, np.full(n, len(columns), dtype=">i2").view(np.uint8).reshape(n, 2))
    position = starts + 2
    for column, size in zip(columns, data_sizes):
        _scatter_fixed(out, position, column.lengths.astype(">i4").view(np.uint8).reshape(n, 4))
        position = position + 4
        present = column.lengths > 0
        if present.any():
            lengths = size[present]
            # Destination of byte k of row i's value: position[i] + k, for all present rows at once.
            first = np.repeat(position[present], lengths)
            within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            out[first + within] = column.blob
        position = position + size
    return out.tobytes()


def _scatter_fixed(out: np.ndarray, starts: np.ndarray, values: np.ndarray) -> None:
    width = values.shape[1]
    out[starts[:, None] + np.arange(width)] = values
