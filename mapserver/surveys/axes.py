"""Which coordinate column is which, decided from the numbers where the file does not say it.

In Vietnam's projected zones (VN-2000 TM-3 and UTM) eastings (≈ 0.1–0.9 M) and northings
(≈ 0.9–2.6 M) never overlap, and longitudes (> 100) never meet latitudes (< 25): a bare X/Y pair
and the header-less receiver layout are oriented per file from the first chunk's numbers
(``crs.decide_axis_order``). The question is put to the surveyor only when the numbers cannot
tell. Whatever the order, a row whose two numbers fit only the exchanged order is reported as such
(one typing slip), instead of as "outside the zone".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import crs

from ..importer.readers import ReadError
from .columns import ColumnPlan

if TYPE_CHECKING:  # convert imports this module; the state class lives there
    from .convert import FileState


class AxisOrderUnknown(ReadError):
    """The numbers do not say which column is the easting: the surveyor must."""


def _decide(x: np.ndarray, y: np.ndarray, plan: ColumnPlan, zone: crs.Zone) -> bool:
    """True when the planned columns must be exchanged."""
    finite = np.isfinite(x) & np.isfinite(y)
    as_planned = crs.decide_axis_order(x[finite], y[finite], zone) if finite.any() else None
    if as_planned is not None:
        return not as_planned
    if plan.axes_default:
        return False  # the documented layout stands when the numbers are silent
    raise AxisOrderUnknown(
        f"Columns {plan.name(plan.east, 'X')} and {plan.name(plan.north, 'Y')} cannot be told apart from their "
        f"numbers in {zone.srs}: say axis_order=north-east (X = northing, as Vietnamese survey tables write it) "
        "or east-north."
    )


def orient(
    x: np.ndarray, y: np.ndarray, rows: np.ndarray, plan: ColumnPlan, zone: crs.Zone, state: FileState
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, str]]:
    """(easting/lon, northing/lat, rows still valid, the two columns' names) for one chunk."""
    east_name = plan.name(plan.east, "longitude" if zone.kind == "geographic" else "easting")
    north_name = plan.name(plan.north, "latitude" if zone.kind == "geographic" else "northing")
    if plan.axes_from_numbers:
        if state.swap_axes is None:
            state.swap_axes = _decide(x, y, plan, zone)
        if state.swap_axes:
            x, y = y, x
            east_name, north_name = north_name, east_name
    ok = np.isfinite(x) & np.isfinite(y)
    given, swapped = crs.axis_fit(x, y, zone)
    exchanged = ok & swapped & ~given
    if exchanged.any():
        order = f"{east_name} = {'longitude' if zone.kind == 'geographic' else 'easting'}"
        for i in np.flatnonzero(exchanged):
            state.fail(
                int(rows[i]),
                f"{east_name}/{north_name}",
                f"the two coordinates look exchanged in this row ({x[i]:.3f}, {y[i]:.3f}); the file has {order}",
            )
        ok &= ~exchanged
    return x, y, ok, (east_name, north_name)
