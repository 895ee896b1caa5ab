"""One chunk of survey rows and fast access to its columns.

A CSV chunk keeps its raw lines: the columns a batch needs are parsed from them by numpy's C
reader (``np.loadtxt`` with ``usecols``), numbers straight to float64 and texts straight to an
object array, without a Python list per row. Only when that fails for a chunk (an empty cell, a
decimal comma, a row with fewer cells, a DMS angle) are its lines split by the csv module, and the
caller's per-cell parsers name each bad row. A GeoJSON file arrives already split (``rows``).
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

QUOTE = '"'


@dataclass
class Chunk:
    numbers: np.ndarray  # row numbers in the file (int64), one per row of the chunk
    lines: list[str] | None = None  # raw CSV lines (None for GeoJSON)
    rows: list[list[str]] | None = None  # cells, once split
    delimiter: str = ","
    _texts: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.numbers.size)

    def split(self) -> list[list[str]]:
        """The cells of every row (csv module; blank cells for short rows are the caller's)."""
        if self.rows is None:
            assert self.lines is not None
            self.rows = list(csv.reader(self.lines, delimiter=self.delimiter))
        return self.rows

    def _load(self, indices: tuple[int, ...], dtype: type) -> np.ndarray | None:
        if self.lines is None or not indices:
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                table = np.loadtxt(
                    self.lines,
                    delimiter=self.delimiter,
                    usecols=indices,
                    dtype=dtype,
                    quotechar=QUOTE,
                    comments=None,
                    ndmin=2,
                )
        except ValueError:
            # Not plain for numpy's reader (an empty cell, a short row, a decimal comma): the csv
            # module and the per-cell parsers take these columns and report what is wrong by row.
            return None
        return table if table.shape[0] == len(self) else None

    def floats(self, indices: tuple[int, ...]) -> np.ndarray | None:
        """The columns as an (n, k) float64 array when every cell is a plain number, else None."""
        return self._load(indices, np.float64)

    def prefetch_texts(self, indices: list[int | None]) -> None:
        """Read these text columns in one pass of numpy's reader (each pass tokenises every line)."""
        wanted = tuple(sorted({i for i in indices if i is not None and i not in self._texts}))
        table = self._load(wanted, object)
        if table is not None:
            for k, index in enumerate(wanted):
                self._texts[index] = table[:, k].tolist()

    def texts(self, index: int | None, *, strip: bool = True) -> list[str]:
        """One column as texts (stripped by default); short rows and a missing column give ""."""
        if index is None:
            return [""] * len(self)
        cells = self._texts.get(index)
        if cells is None:
            self.prefetch_texts([index])
            cells = self._texts.get(index)
        if cells is None:
            rows = self.split()
            try:
                cells = [row[index] for row in rows]
            except IndexError:
                cells = [row[index] if index < len(row) else "" for row in rows]
        return _stripped(cells) if strip else cells

    def widest(self) -> int:
        """The largest number of cells in a row of the chunk."""
        if self.rows is None and self.lines is not None and QUOTE not in "".join(self.lines):
            return 1 + max(line.count(self.delimiter) for line in self.lines)
        return max(len(row) for row in self.split())


_AFTER_SEPARATOR = re.compile(r"\x00\s")  # a literal first character: the search skips ahead fast


def _stripped(cells: list[str]) -> list[str]:
    """The cells without surrounding blanks. The common case (nothing to strip) is found without a
    Python call per cell: a blank after a separator in the joined column, or before one (the same
    search in the reversed text)."""
    joined = "\x00" + "\x00".join(cells) + "\x00"
    if _AFTER_SEPARATOR.search(joined) is None and _AFTER_SEPARATOR.search(joined[::-1]) is None:
        return cells
    return [cell.strip() for cell in cells]
