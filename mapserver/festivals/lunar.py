"""Vietnamese lunar (âm lịch) dates, the solar dates of festivals held on them, and their season texts.

Why a wrapper: the astronomy comes from `lunar-vn` (Hồ Ngọc Đức's method, computed for UTC+7, the
meridian of the Vietnamese calendar, which is why Tết 2007 is 17 Feb here and 18 Feb in China), and
only this module imports it, so the library can be replaced without touching records or the feed.
The wrapper adds the checks the library leaves out: that a leap month exists in that year, and that
day 30 exists in that month (lunar months have 29 or 30 days).

A lunar year carries the number of the solar year in which it begins: lunar year 2026 runs from Tết,
2026-02-17, to the eve of Tết 2027, so its 11th and 12th months can fall in January of 2027.
UTC+7 is applied to every year; before 1968 the North's official calendar used UTC+8, so a few
months before then differ by a day from almanacs printed at the time. Years: 1900-2100.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import lunar_vn

from mapserver.text import fold

VIETNAM_UTC_OFFSET = 7.0  # hours; passed explicitly so a change of the library's default cannot move dates
SUPPORTED_YEARS = (1900, 2100)


class LunarDateError(ValueError):
    """A lunar date that does not exist (no such leap month, day 30 of a 29-day month) or is out of range."""


@dataclass(frozen=True)
class LunarDate:
    """A day of the Vietnamese lunar calendar; `leap` marks the intercalary month (tháng nhuận)."""

    year: int
    month: int
    day: int
    leap: bool = False


def to_lunar(solar: date) -> LunarDate:
    """The Vietnamese lunar date of a solar (Gregorian) day."""
    try:
        found = lunar_vn.solar_to_lunar(solar, time_zone=VIETNAM_UTC_OFFSET)
    except ValueError as error:
        raise LunarDateError(str(error)) from error
    return LunarDate(found.year, found.month, found.day, bool(found.leap))


def _month_start(year: int, month: int, leap: bool) -> date:
    """Day 1 of a lunar month, refusing a leap month the year does not have (the library would not)."""
    if not 1 <= month <= 12:
        raise LunarDateError(f"lunar month must be 1-12, got {month}")
    try:
        start = lunar_vn.convert_lunar_to_solar(1, month, year, int(leap), time_zone=VIETNAM_UTC_OFFSET)
    except ValueError as error:
        raise LunarDateError(f"no lunar month {month}{' nhuận' if leap else ''} in {year}: {error}") from error
    if to_lunar(start) != LunarDate(year, month, 1, leap):
        raise LunarDateError(f"lunar year {year} has no leap month {month}")
    return start


def month_length(year: int, month: int, leap: bool = False) -> int:
    """29 or 30: whether day 30 exists decides the last day of a festival (see `solar_dates`)."""
    return 30 if to_lunar(_month_start(year, month, leap) + timedelta(days=29)).day == 30 else 29


def to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The solar day of a lunar date; raises LunarDateError when that date does not exist."""
    if not 1 <= day <= 30:
        raise LunarDateError(f"lunar day must be 1-30, got {day}")
    if day == 30 and month_length(year, month, leap) == 29:
        raise LunarDateError(f"lunar month {month}/{year}{' (nhuận)' if leap else ''} has 29 days")
    return _month_start(year, month, leap) + timedelta(days=day - 1)


def _check_span(month: int, day_start: int, day_end: int) -> None:
    """Refuse spans that no year can have, before any year is tried."""
    if not 1 <= month <= 12 or not 1 <= day_start <= day_end <= 30:
        raise LunarDateError(f"not a lunar span: days {day_start}-{day_end} of month {month}")


def solar_dates(
    lunar_month: int, lunar_day_start: int, lunar_day_end: int, year: int, leap: bool = False
) -> tuple[date, date]:
    """Solar (first, last) days, both inclusive, of a festival held on those lunar days of lunar year `year`.

    `year` numbers the lunar year (the one that begins at Tết of solar year `year`); for the 11th and
    12th months the result may therefore lie in January or February of `year + 1` (12 tháng Chạp of
    lunar 2025 is 2026-01-30): use `occurrences` to ask for the festivals within one solar year.
    Festivals on day 30 are held on the last day of a 29-day month, so a day past the month's end
    becomes its last day (29). In a year with a leap month the festival is held in the ordinary month
    unless `leap` is given; `leap=True` for a year without that leap month raises LunarDateError.
    """
    _check_span(lunar_month, lunar_day_start, lunar_day_end)
    last = month_length(year, lunar_month, leap)
    first_day = _month_start(year, lunar_month, leap) - timedelta(days=1)
    return first_day + timedelta(days=min(lunar_day_start, last)), first_day + timedelta(days=min(lunar_day_end, last))


def occurrences(
    lunar_month: int, lunar_day_start: int, lunar_day_end: int, solar_year: int, leap: bool = False
) -> list[tuple[date, date]]:
    """The festival's (first, last) days that begin in `solar_year`: none, one, or for the 11th and 12th
    months sometimes two (one from the lunar year before, in January, and one in December).
    A year without the asked leap month contributes nothing."""
    _check_span(lunar_month, lunar_day_start, lunar_day_end)
    found = []
    for lunar_year in (solar_year - 1, solar_year):
        try:
            span = solar_dates(lunar_month, lunar_day_start, lunar_day_end, lunar_year, leap)
        except LunarDateError:  # no such leap month that year, or past the supported range
            continue
        if span[0].year == solar_year:
            found.append(span)
    return found


@dataclass(frozen=True)
class LunarSpan:
    """Lunar days of one month on which a festival is held every year, as read from a season text."""

    month: int
    day_start: int
    day_end: int
    leap: bool = False

    def solar(self, year: int) -> tuple[date, date]:
        """The span's solar (first, last) days in lunar year `year` (see `solar_dates`)."""
        return solar_dates(self.month, self.day_start, self.day_end, year, self.leap)


# Traditional month names, diacritics folded; tháng Một is the 11th month of the lunar calendar.
_MONTH_WORDS = {
    "gieng": 1,
    "hai": 2,
    "ba": 3,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "muoi mot": 11,
    "mot": 11,
    "muoi hai": 12,
    "chap": 12,
}
_WORD_ALTERNATIVES = "|".join(sorted((w.replace(" ", r"\s+") for w in _MONTH_WORDS), key=len, reverse=True))
_SEPARATOR = r"\s*(?:-|–|—|den|toi)\s*"
_DAY = r"(?:(?:ngay|mung|mong)\s*)*(?P<{}>\d{{1,2}}|ram)\b"
_SPAN = rf"(?<![\w/]){_DAY.format('first')}(?:{_SEPARATOR}{_DAY.format('last')})?"
_MARKER = re.compile(r"\s*[,(]?\s*(?:am\s*lich|al)\b")
_WORDED = re.compile(
    rf"{_SPAN}\s*thang\s+(?P<leap_before>nhuan\s+)?(?P<month>\d{{1,2}}|{_WORD_ALTERNATIVES})(?![\w/])"
    r"(?P<leap_after>\s+nhuan\b)?"
)
_SLASHED = re.compile(rf"{_SPAN}\s*/\s*(?P<month>\d{{1,2}})(?!\s*/\s*\d)(?P<leap_after>\s+nhuan\b)?")
_NEXT_MONTH = re.compile(rf"{_SEPARATOR}(?:(?:ngay|mung|mong)\s*)*(?:\d{{1,2}}|ram)\b\s*thang\b")


def _span_of(match: re.Match[str]) -> LunarSpan | None:
    """The span a match names, or None when its numbers cannot be lunar (day 31, month 13, 18-15)."""
    first = 15 if match["first"] == "ram" else int(match["first"])
    last = first if match["last"] is None else 15 if match["last"] == "ram" else int(match["last"])
    word = re.sub(r"\s+", " ", match["month"])
    month = _MONTH_WORDS[word] if word in _MONTH_WORDS else int(word)
    leap = bool(match["leap_after"]) or bool(match.groupdict().get("leap_before"))
    if not (1 <= month <= 12 and 1 <= first <= last <= 30):
        return None
    return LunarSpan(month, first, last, leap)


def parse_lunar_text(text: str) -> LunarSpan | None:
    """Read the lunar days of a festival from a Vietnamese season text, with or without diacritics.

    Reads "15-18 tháng 8 âm lịch", "từ 10 đến 12 tháng 2 ÂL", "mùng 10 tháng Giêng", "rằm tháng Bảy",
    "ngày 6 tháng 6 nhuận", "16/8 âm lịch" (rằm = 15, mùng/mồng N = N, Giêng = 1, Một = 11, Chạp = 12).
    A month written as a digit counts as lunar only when "âm lịch" (or ÂL) follows it, since "mùng 2
    tháng 9" is the solar National Day; rằm, tháng nhuận and the month names are lunar by themselves.
    Text around the date is ignored, so a solar date in parentheses does not interfere. Returns None
    for anything else, including a span across two months ("28 tháng Chạp - mùng 2 tháng Giêng").
    Without diacritics "tháng sáu" and "tháng sau" (next month) read alike; the first is assumed.
    """
    folded = fold(text)
    for match in _WORDED.finditer(folded):
        rest = folded[match.end() :]
        lunar = bool(_MARKER.match(rest)) or "ram" in (match["first"], match["last"]) or bool(match["leap_after"])
        lunar = lunar or bool(match["leap_before"]) or not match["month"].isdigit()
        if lunar:
            return None if _NEXT_MONTH.match(rest) else _span_of(match)
    for match in _SLASHED.finditer(folded):
        if _MARKER.match(folded[match.end() :]):
            return _span_of(match)
    return None
