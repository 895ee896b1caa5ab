"""Parsing surveyor notations: angles (DMS), numbers, swapped-axis detection and axis order from the numbers.

Angles: "10°20′46″N", "10 20 46 N", "10d20m46s", "-10.3461", "107°03'07\"E", "N10°20'46.5\"",
"10:20:46", "10°20.5′"; prime/double-prime variants ′ ' ’ ‘ ´ and ″ " ” “ '' are equivalent; the
hemisphere may be N/S/E/W or the Vietnamese words Bắc/Nam/Đông/Tây (note: Vietnamese "Nam" is
*South*; a lone letter N is always North). Decimal comma accepted inside a component ("10,3461").

Numbers (``parse_number``), decided rules:
* plain "1144200.498" / "-5" / "1.2e3" are read as usual;
* a single comma and no dot is a decimal comma ("1144200,498" -> 1144200.498; so "1,144" is 1.144,
  the Vietnamese reading — write "1144" for one thousand one hundred and forty-four);
* with both "." and ",", the last one is the decimal separator and the other must group thousands
  by three ("1.144.200,498" and "1,144,200.498" -> 1144200.498);
* several commas only, or several dots only, are thousands separators ("1.144.200" -> 1144200);
* spaces (also no-break and thin spaces) may group thousands ("1 144 200,498").
Anything else raises ValueError naming the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from ._text import strip_diacritics
from .zones import Zone, as_zone

_PRIMES = str.maketrans(
    {
        "′": "'",
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "″": '"',
        "”": '"',
        "“": '"',
        "º": "°",
        "˚": "°",
        "−": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)
_VN_HEMI = {"bac": "n", "nam": "s", "dong": "e", "tay": "w"}
_COMPONENT = re.compile(r"\s*(\d+(?:[.,]\d*)?|[.,]\d+)\s*([dms:])?")
_MARK_POS = {"d": 0, "m": 1, "s": 2}


def _hemisphere(core: str) -> tuple[str, str | None]:
    """Split a hemisphere letter off the start or end of a lower-case angle string."""
    core = re.sub(r"\b(?:vi|kinh)(?:\s*do)?\b", " ", core)  # "vĩ độ Bắc", "kinh độ Đông"
    core = re.sub(r"\b(bac|nam|dong|tay)\b", lambda m: _VN_HEMI[m.group(1)], core).strip()
    m = re.match(r"([nsew])(?![a-z])\s*", core)
    if m:
        return core[m.end() :], m.group(1)
    m = re.search(r"([nsew])\.?$", core)
    if m:
        before = core[: m.start()]
        # "10d20m46s": a trailing s right after a number of a marked DMS string is "seconds".
        is_seconds = m.group(1) == "s" and before[-1:].isdigit() and re.search(r"[°'\"dm]", before)
        if not is_seconds:
            return before.strip(), m.group(1)
    return core, None


def parse_angle(text: str, kind: Literal["lat", "lon"] | None = None) -> float:
    """Parse a latitude/longitude notation to signed decimal degrees (S and W negative).

    ``kind`` (or a hemisphere letter) selects the range check: |lat| <= 90, |lon| <= 180.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"empty angle {text!r}")
    s = strip_diacritics(text.translate(_PRIMES)).strip().lower().replace("''", '"')
    core, hemi = _hemisphere(s)
    sign = 1.0
    if core[:1] in "+-" and core:
        sign = -1.0 if core[0] == "-" else 1.0
        if hemi is not None and core[0] == "-":
            raise ValueError(f"angle {text!r} has both a minus sign and a hemisphere letter")
        core = core[1:]
    core = core.replace("°", "d").replace("'", "m").replace('"', "s").strip()
    parts: list[tuple[int, str]] = []
    pos, last = 0, -1
    while pos < len(core):
        m = _COMPONENT.match(core, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read angle {text!r} (unexpected {core[pos:].strip()!r})")
        mark = m.group(2)
        slot = _MARK_POS[mark] if mark in _MARK_POS else last + 1
        if slot > 2:
            raise ValueError(f"cannot read angle {text!r}: more than degrees, minutes and seconds")
        if slot <= last:
            raise ValueError(f"cannot read angle {text!r}: degrees, minutes, seconds out of order")
        parts.append((slot, m.group(1).replace(",", ".")))
        pos, last = m.end(), slot
    if not parts or parts[0][0] != 0:
        raise ValueError(f"cannot read angle {text!r}: no degrees")
    if any("." in value for _, value in parts[:-1]):
        raise ValueError(f"angle {text!r}: only the last component may have decimals")
    values = {slot: float(value) for slot, value in parts}
    minutes, seconds = values.get(1, 0.0), values.get(2, 0.0)
    if minutes >= 60 or seconds >= 60:
        raise ValueError(f"angle {text!r}: minutes and seconds must be below 60")
    if 2 in values and 1 not in values:
        raise ValueError(f"angle {text!r}: seconds without minutes")
    degrees = values[0] + minutes / 60.0 + seconds / 3600.0
    if hemi in ("s", "w"):
        sign = -1.0
    hemi_kind = {"n": "lat", "s": "lat", "e": "lon", "w": "lon"}.get(hemi or "")
    if kind is not None and hemi_kind is not None and kind != hemi_kind:
        raise ValueError(
            f"angle {text!r} is a {'latitude' if hemi_kind == 'lat' else 'longitude'} "
            f"(hemisphere {hemi.upper()}) but a {kind} was expected"
        )
    kind = kind or hemi_kind
    limit = 90.0 if kind == "lat" else 180.0
    if degrees > limit:
        what = "latitude" if kind == "lat" else "longitude" if kind == "lon" else "angle"
        raise ValueError(f"{what} {text!r} = {degrees:g}° is out of range (±{limit:g}°)")
    return sign * degrees


_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SPACE_GROUPS = re.compile(r"([+-]?\d{1,3})((?:[ \u00a0\u202f\u2009]\d{3})+)([.,]\d+)?")


def _grouped(integer: str, sep: str) -> bool:
    return re.fullmatch(rf"[+-]?\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+", integer) is not None


def parse_number(text: str) -> float:
    """Parse a number written with Vietnamese or English separators (rules in the module doc)."""
    raw = text
    s = text.strip().replace("−", "-")
    if not s:
        raise ValueError("empty number")
    if _PLAIN.fullmatch(s):
        return float(s)
    if _SPACE_GROUPS.fullmatch(s):
        s = re.sub(r"[ \u00a0\u202f\u2009]", "", s)
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        thousands = "," if dec == "." else "."
        integer, _, frac = s.rpartition(dec)
        if s.count(dec) == 1 and frac.isdigit() and _grouped(integer, thousands):
            return float(integer.replace(thousands, "") + "." + frac)
    elif commas == 1:
        candidate = s.replace(",", ".")
        if _PLAIN.fullmatch(candidate):
            return float(candidate)
    elif commas > 1 and _grouped(s, ","):
        return float(s.replace(",", ""))
    elif dots > 1 and _grouped(s, "."):
        return float(s.replace(".", ""))
    elif _PLAIN.fullmatch(s):
        return float(s)
    raise ValueError(f"cannot read number {raw!r} (use e.g. 1144200.498 or 1144200,498)")


# Where coordinates of the product can be, for CRSs whose area of use is the whole world
# (Vietnam incl. Côn Đảo, Trường Sa and Hoàng Sa).
VIETNAM_BOUNDS = (102.0, 6.0, 118.0, 24.0)
_SAMPLE = 10_000


@dataclass(frozen=True)
class AxisCheck:
    """Result of ``detect_swapped_axes``: ``swapped`` is True only when the exchanged order is
    clearly the plausible one; ``plausible`` says whether the order as given is."""

    swapped: bool
    plausible: bool
    fraction_as_given: float
    fraction_swapped: float
    message: str


def _inside(zone: Zone, x: np.ndarray, y: np.ndarray, margin: float) -> np.ndarray:
    if zone.kind == "projected":
        from .transform import to_wgs84  # local import: transform imports zones, not parse

        with np.errstate(invalid="ignore", over="ignore"):
            lon, lat = to_wgs84(x, y, zone)
    else:
        lon, lat = x, y
    west, south, east, north = zone.bounds
    if east - west >= 360:
        west, south, east, north = VIETNAM_BOUNDS
    return (lon >= west - margin) & (lon <= east + margin) & (lat >= south - margin) & (lat <= north + margin)


def detect_swapped_axes(east: object, north: object, zone: Zone | int | str, *, margin: float = 1.0) -> AxisCheck:
    """Do columns given as (easting, northing) — or (lon, lat) — look swapped for ``zone``?

    Points are tested against the zone's EPSG area of use (± ``margin`` degrees; Vietnam for
    worldwide CRSs) in the given and in the exchanged order. For VN-2000 / TM-3 107-45 (EPSG:5899)
    eastings are roughly 200 000–800 000 m and northings 900 000–2 600 000 m, so the two orders
    never overlap. Vietnamese survey tables often label the northing X and the easting Y.
    """
    z = as_zone(zone)
    if z.kind == "geocentric":
        raise ValueError("swapped-axis detection needs a geographic or projected CRS, not ECEF")
    x = np.asarray(east, dtype=np.float64).ravel()
    y = np.asarray(north, dtype=np.float64).ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size == 0:
        raise ValueError("no finite coordinates to check")
    if x.size > _SAMPLE:
        idx = np.linspace(0, x.size - 1, _SAMPLE).astype(np.int64)
        x, y = x[idx], y[idx]
    given = float(_inside(z, x, y, margin).mean())
    swapped = float(_inside(z, y, x, margin).mean())
    names = ("longitude", "latitude") if z.kind == "geographic" else ("easting", "northing")
    area = "Vietnam" if z.east - z.west >= 360 else f"the area of use of {z.srs} ({z.name})"
    if given >= 0.5 and given >= swapped:
        return AxisCheck(
            False, True, given, swapped, f"{given:.0%} of the points lie in {area} as given ({names[0]}, {names[1]})."
        )
    if swapped >= 0.5:
        hint = (
            "the values look like (latitude, longitude): give longitude first"
            if z.kind == "geographic"
            else "in Vietnamese survey tables X is usually the northing and Y the easting"
        )
        return AxisCheck(
            True,
            False,
            given,
            swapped,
            f"The {names[0]} and {names[1]} columns look swapped: only {given:.0%} of the "
            f"points lie in {area} as given, {swapped:.0%} with the columns exchanged; "
            f"{hint}.",
        )
    return AxisCheck(
        False,
        False,
        given,
        swapped,
        f"Neither column order puts most points in {area} ({given:.0%} as given, "
        f"{swapped:.0%} exchanged): check the CRS of the data.",
    )


# Metres around a projected zone's area of use still taken as "in the zone" when telling axes apart.
_RANGE_MARGIN_M = 10_000.0
_RANGE_MARGIN_DEG = 0.5


@lru_cache(maxsize=64)
def plausible_ranges(zone: Zone) -> tuple[tuple[float, float], tuple[float, float]]:
    """((x min, x max), (y min, y max)) that points in the zone's area of use take in its own
    coordinates (lon/lat, or easting/northing), with a margin. In Vietnam's zones the two ranges
    never overlap (eastings ≈ 0.1–0.9 M, northings ≈ 0.9–2.6 M; longitudes > latitudes)."""
    if zone.kind == "geocentric":
        raise ValueError("axis ranges need a geographic or projected CRS, not ECEF")
    west, south, east, north = zone.bounds
    if east - west >= 360:
        west, south, east, north = VIETNAM_BOUNDS
    if zone.kind == "geographic":
        m = _RANGE_MARGIN_DEG
        return (west - m, east + m), (south - m, north + m)
    from .transform import from_wgs84  # local import: transform imports zones, not parse

    lon, lat = np.meshgrid(np.linspace(west, east, 41), np.linspace(south, north, 41))
    x, y = from_wgs84(lon.ravel(), lat.ravel(), zone)
    m = _RANGE_MARGIN_M
    return (float(x.min()) - m, float(x.max()) + m), (float(y.min()) - m, float(y.max()) + m)


def axis_fit(first: np.ndarray, second: np.ndarray, zone: Zone | int | str) -> tuple[np.ndarray, np.ndarray]:
    """Per point: do (first, second) fit the zone as (x, y), and as (y, x)? Range tests only, so
    a million points cost milliseconds. A point may fit both (overlapping ranges) or neither."""
    (x0, x1), (y0, y1) = plausible_ranges(as_zone(zone))
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        given = (a >= x0) & (a <= x1) & (b >= y0) & (b <= y1)
        swapped = (b >= x0) & (b <= x1) & (a >= y0) & (a <= y1)
    return given, swapped


def decide_axis_order(first: np.ndarray, second: np.ndarray, zone: Zone | int | str) -> bool | None:
    """True when the columns are (x, y) as given, False when they are (y, x), None when the numbers
    cannot tell (no point fits only one order, or as many fit each)."""
    given, swapped = axis_fit(first, second, zone)
    only_given = int((given & ~swapped).sum())
    only_swapped = int((swapped & ~given).sum())
    if only_given == only_swapped:
        return None
    return only_given > only_swapped
