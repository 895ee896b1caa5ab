"""Streaming CSV conversion of ``x,y[,z]`` coordinate files (a million lines is routine).

Format: comma-separated, dot decimal (spreadsheet notations with decimal commas belong to
``crs.parse.parse_number`` and the upload UI, not here), 2 or 3 columns, the same count on every
line; blank lines are skipped and ``#`` starts a comment (as in numpy.loadtxt). An optional header
row is detected (a first line with a non-numeric field) or forced with ``has_header``.

Output: target CRS in x=lon/easting order; geographic in degrees with 10 decimals (0.01 mm),
projected/ECEF and heights in metres with 4 decimals (0.1 mm; 3 decimals cost up to 0.7 mm).

A third column is a height, and it is converted, not copied: the datum step uses it and it is
written as the kind asked for (``heights`` in, ``out_heights`` out: "normal" or "ellipsoidal";
VN-2000 heights are normal unless told otherwise, WGS 84 ones must be said when they matter —
see ``crs.datum3d``). The header row written names the kind (h_normal / h_ellipsoidal).

Column order: ``axis_order`` "east-north" (x = lon/easting, the default) or "north-east" (northing
or latitude first); the numbers are checked against it (``crs.axis_order``) and a file, or rows,
the other way round are refused with ``SwappedColumns``, never converted or swapped silently.

Lines are read in chunks (100 000 by default) and parsed with ``numpy.loadtxt``; only when a
chunk fails is it re-read line by line to name the bad line and field.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from typing import IO

import numpy as np

from .axis_order import AXIS_ORDERS, AxisOrderCheck
from .datum3d import resolve_kinds
from .errors import CSVFormatError
from .transform import ZoneLike, transform
from .zones import Zone, as_zone

CHUNK_LINES = 100_000
PathOrFile = str | os.PathLike[str] | IO[str]


def _fields(line: str) -> list[str]:
    return [f.strip() for f in line.strip().split(",")]


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _parse_slow(lines: list[str], numbers: list[int], ncols: int) -> np.ndarray:
    """Line-by-line parse that names the first bad line/field (used only when a chunk fails)."""
    out = np.empty((len(lines), ncols), dtype=np.float64)
    for row, (line, lineno) in enumerate(zip(lines, numbers)):
        fields = _fields(line)
        if len(fields) != ncols:
            raise CSVFormatError(
                f"expected {ncols} comma-separated values, found {len(fields)}: {line.strip()[:80]!r}", line=lineno
            )
        for col, field in enumerate(fields):
            if not field:
                raise CSVFormatError("empty value", line=lineno, field=col + 1)
            try:
                value = float(field)
            except ValueError:
                raise CSVFormatError(f"{field[:40]!r} is not a number", line=lineno, field=col + 1) from None
            out[row, col] = value
    return out


def _check_finite(values: np.ndarray, numbers: Sequence[int], what: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise CSVFormatError(what, line=numbers[row], field=col + 1)


def _header_names(zone: Zone, ncols: int, height_kind: str | None) -> str:
    names = {"geographic": ["lon", "lat"], "projected": ["easting", "northing"], "geocentric": ["X", "Y", "Z"]}[
        zone.kind
    ][:ncols]
    if ncols == 3 and zone.kind != "geocentric":
        names.append(f"h_{height_kind}" if height_kind else "z")
    return ",".join(names)


def _row_format(zone: Zone, ncols: int) -> str:
    xy = "%.10f,%.10f" if zone.kind == "geographic" else "%.4f,%.4f"
    return xy + (",%.4f" if ncols == 3 else "") + "\n"


@contextlib.contextmanager
def _reader(infile: PathOrFile) -> Iterator[IO[str]]:
    if isinstance(infile, (str, os.PathLike)):
        with open(infile, encoding="utf-8-sig", newline="") as fh:
            yield fh
    else:
        yield infile


@contextlib.contextmanager
def _writer(outfile: PathOrFile) -> Iterator[IO[str]]:
    if not isinstance(outfile, (str, os.PathLike)):
        yield outfile
        return
    # Write next to the target and rename on success: a failed conversion leaves no partial file.
    target = os.fspath(outfile)
    fd, tmp = tempfile.mkstemp(prefix=".crs-", suffix=".csv", dir=os.path.dirname(os.path.abspath(target)))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _content(line: str) -> str:
    """The data part of a line (``#`` starts a comment, as in numpy.loadtxt)."""
    return line.split("#", 1)[0].strip()


def _data_line_numbers(raw: list[str], base: int) -> list[int]:
    # Only computed on the error path or when a chunk has blank/comment lines.
    return [base + i for i, line in enumerate(raw) if _content(line)]


def _load_chunk(raw: list[str], base: int, ncols: int) -> tuple[np.ndarray, list[int] | None]:
    """Parse one chunk; returns values and, if the chunk skipped lines, their line numbers."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data" on blank chunks
            values = np.loadtxt(raw, delimiter=",", dtype=np.float64, ndmin=2, comments="#")
        if values.size and values.shape[1] != ncols:
            raise ValueError("column count")
    except ValueError:
        numbers = _data_line_numbers(raw, base)
        data = [_content(line) for line in raw if _content(line)]
        return _parse_slow(data, numbers, ncols), numbers
    if values.shape[0] == len(raw):
        return values, None
    return values.reshape(-1, ncols), _data_line_numbers(raw, base)


def convert_csv(
    infile: PathOrFile,
    outfile: PathOrFile,
    *,
    src: ZoneLike,
    dst: ZoneLike,
    has_header: bool | None = None,
    heights: str | None = None,
    out_heights: str | None = None,
    axis_order: str = "east-north",
    chunk_lines: int = CHUNK_LINES,
) -> int:
    """Convert an ``x,y[,z]`` CSV from ``src`` to ``dst``; returns the number of points written.

    ``infile``/``outfile`` are paths or open text files. Raises CSVFormatError (with the 1-based
    line number and field) on the first bad line, UnsupportedCRS for unknown CRSs, and
    AmbiguousHeights when a z column needs ``heights`` to be said (WGS 84 input), SwappedColumns
    when the numbers contradict ``axis_order``.
    """
    s, d = as_zone(src), as_zone(dst)
    if axis_order not in AXIS_ORDERS:
        raise ValueError(f"axis_order must be one of {', '.join(AXIS_ORDERS)}")
    # ECEF has no pair of horizontal axes to confuse.
    axes = AxisOrderCheck(s, axis_order) if s.kind != "geocentric" else None
    count = 0
    with _reader(infile) as fin, _writer(outfile) as fout:
        lineno, first = 0, None
        for line in fin:
            lineno += 1
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if _content(line):
                first = line
                break
        if first is None:
            return 0
        fields = [f.strip() for f in _content(first).split(",")]
        header = has_header if has_header is not None else not all(_is_number(f) for f in fields)
        ncols = len(fields)
        if ncols not in (2, 3):
            raise CSVFormatError(f"expected 2 or 3 comma-separated values (x,y[,z]), found {ncols}", line=lineno)
        if ncols == 2 and "geocentric" in (s.kind, d.kind):
            raise CSVFormatError("ECEF (EPSG:4978) needs a third column z", line=lineno)
        out_kind = resolve_kinds(s, d, heights, out_heights)[1] if ncols == 3 else None
        if header:
            fout.write(_header_names(d, ncols, out_kind) + "\n")
            source, base = iter(fin), lineno + 1
        else:
            source, base = itertools.chain([first], fin), lineno
        fmt = _row_format(d, ncols)
        while True:
            raw = list(itertools.islice(source, chunk_lines))
            if not raw:
                break
            values, numbers = _load_chunk(raw, base, ncols)
            if numbers is None:
                numbers = range(base, base + len(raw))  # type: ignore[assignment]
            base += len(raw)
            if not values.shape[0]:
                continue
            _check_finite(values, numbers, "not a finite number")
            if axis_order == "north-east":
                values[:, [0, 1]] = values[:, [1, 0]]
            if axes is not None:
                axes.check(values[:, 0], values[:, 1], numbers)
            z = values[:, 2] if ncols == 3 else None
            converted = transform(values[:, 0], values[:, 1], z, src=s, dst=d, heights=heights, out_heights=out_heights)
            out = np.column_stack(converted)
            _check_finite(out, numbers, f"cannot be transformed from {s.srs} to {d.srs}")
            # One %-format over the whole chunk: ~2x faster than formatting row by row.
            fout.write((fmt * out.shape[0]) % tuple(out.ravel().tolist()))
            count += out.shape[0]
    return count
