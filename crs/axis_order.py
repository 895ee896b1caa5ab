"""The order of the two coordinate columns of a CSV, checked against the numbers.

A CSV for ``crs.stream`` says its order (``east-north``: x = lon/easting, the default, or
``north-east``: y first, as Vietnamese survey tables write X = northing). In Vietnam's zones the
numbers tell the orders apart (``crs.parse.axis_fit``: eastings ≈ 0.2–0.8 M never meet northings
≈ 0.9–2.6 M, longitudes never meet latitudes), so a file written the other way round is refused
instead of converted to a point in the sea off Borneo. This is the rule of ``heritage survey
import`` for a said order (E/N headers or ``axis_order``): refuse, never swap silently.

Decided per chunk, in reading order, so a million-line file is not read twice: the first chunk
with rows that fit only one order decides whether the file as a whole is the other way round;
after that, rows that fit only the exchanged order are named as typing slips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import CSVFormatError
from .parse import axis_fit
from .zones import Zone

AXIS_ORDERS = ("east-north", "north-east")
_NAMED = 5  # lines named in a message


class SwappedColumns(CSVFormatError):
    """The numbers say the columns are in the other order: ``file_swapped``, the file (all its
    deciding rows, or most of them) is written in ``other_order``; else only the rows in ``lines``
    disagree with the rest of the file."""

    def __init__(self, message: str, *, lines: list[int], file_swapped: bool, other_order: str) -> None:
        super().__init__(message, line=lines[0])
        self.args = (message,)  # the message names its lines itself
        self.lines = lines
        self.file_swapped = file_swapped
        self.other_order = other_order


def other(order: str) -> str:
    return AXIS_ORDERS[1 - AXIS_ORDERS.index(order)]


def _names(zone: Zone) -> tuple[str, str]:
    return ("longitude", "latitude") if zone.kind == "geographic" else ("easting", "northing")


def _lines(numbers: Sequence[int], mask: np.ndarray) -> list[int]:
    return [int(numbers[i]) for i in np.flatnonzero(mask)]


def _listed(lines: list[int]) -> str:
    if len(lines) == 1:
        return f"line {lines[0]}"
    shown = ", ".join(map(str, lines[:_NAMED]))
    return f"lines {shown}" + (f" and {len(lines) - _NAMED} more" if len(lines) > _NAMED else "")


@dataclass
class AxisOrderCheck:
    """Remembers, across the chunks of one file, whether rows have confirmed the order said."""

    zone: Zone
    order: str = "east-north"
    confirmed: bool = False

    def check(self, x: np.ndarray, y: np.ndarray, numbers: Sequence[int]) -> None:
        """``x``, ``y``: the chunk's coordinates in the order said (x = lon/easting)."""
        given, swapped = axis_fit(x, y, self.zone)
        as_said, exchanged = given & ~swapped, swapped & ~given
        if not exchanged.any():
            self.confirmed = self.confirmed or bool(as_said.any())
            return
        east, north = _names(self.zone)
        wrong = _lines(numbers, exchanged)
        i = int(np.flatnonzero(exchanged)[0])
        # Named in the file's own column order.
        first, second = (x[i], y[i]) if self.order == "east-north" else (y[i], x[i])
        fits_first, fits_second = (north, east) if self.order == "east-north" else (east, north)
        example = f"{first:.3f} fits only as the {fits_first}, {second:.3f} only as the {fits_second}"
        said = f"{fits_second} first"
        if not self.confirmed and int(exchanged.sum()) > int(as_said.sum()):
            rest = _lines(numbers, as_said)
            also = f"; also check {_listed(rest)} (the order said fits there)" if rest else ""
            raise SwappedColumns(
                f"the two columns look the other way round in {self.zone.srs}: the {fits_first} comes first on "
                f"{_listed(wrong)} (on line {wrong[0]}, {example}){also}",
                lines=wrong,
                file_swapped=True,
                other_order=other(self.order),
            )
        raise SwappedColumns(
            f"{_listed(wrong)}: the two coordinates are the other way round from the rest of the file ({said}) "
            f"in {self.zone.srs} (on line {wrong[0]}, {example}): exchange them in those rows",
            lines=wrong,
            file_swapped=False,
            other_order=other(self.order),
        )
