"""The Vietnamese lunar calendar wrapper and the season-text parser, without a database.

Tết dates were checked when this was written against three computations that share no code with
lunar-vn: new moons and the winter solstice from the `ephem` ephemeris (UTC+7 and UTC+8), the
precomputed tables of Hồ Ngọc Đức shipped in `vnlunar`, and the Chinese tables of `lunardate`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from mapserver.festivals.lunar import (
    LunarDate,
    LunarDateError,
    LunarSpan,
    month_length,
    occurrences,
    parse_lunar_text,
    solar_dates,
    to_lunar,
    to_solar,
)
from mapserver.text import fold

ROOT = Path(__file__).resolve().parents[2]

# First day of Tết in Vietnam. 2030 is 2 February: the new moon falls at 23:07 UTC+7 on 2 Feb, i.e.
# 00:07 on 3 Feb in China, whose New Year (3 Feb) is the date often quoted for Vietnam too.
TET = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 2),
}


@pytest.mark.parametrize("year", sorted(TET))
def test_first_day_of_tet(year):
    assert to_solar(year, 1, 1) == TET[year]
    assert to_lunar(TET[year]) == LunarDate(year, 1, 1)
    assert to_lunar(TET[year] - timedelta(days=1)).year == year - 1


@pytest.mark.parametrize(
    ("year", "vietnam", "china"),
    [
        (1985, date(1985, 1, 21), date(1985, 2, 20)),  # a month apart: the leap month falls differently
        (2007, date(2007, 2, 17), date(2007, 2, 18)),
        (2030, date(2030, 2, 2), date(2030, 2, 3)),
    ],
)
def test_tet_follows_the_vietnamese_meridian_not_the_chinese(year, vietnam, china):
    assert to_solar(year, 1, 1) == vietnam
    assert to_lunar(vietnam) == LunarDate(year, 1, 1)
    assert to_lunar(china) != LunarDate(year, 1, 1)


def test_every_day_of_2024_to_2030_round_trips():
    day, checked = date(2024, 1, 1), 0
    while day <= date(2030, 12, 31):
        lunar = to_lunar(day)
        assert to_solar(lunar.year, lunar.month, lunar.day, lunar.leap) == day, (day, lunar)
        day, checked = day + timedelta(days=1), checked + 1
    assert checked == 2557


@pytest.mark.parametrize(
    ("month", "first", "last", "year", "expected"),
    [
        # Lễ hội Nghinh Ông Thắng Tam (Vũng Tàu), 15-18 tháng 8
        (8, 15, 18, 2025, (date(2025, 10, 6), date(2025, 10, 9))),
        (8, 15, 18, 2026, (date(2026, 9, 25), date(2026, 9, 28))),
        # Lễ hội Dinh Cô (Long Hải), 10-12 tháng 2
        (2, 10, 12, 2025, (date(2025, 3, 9), date(2025, 3, 11))),
        (2, 10, 12, 2026, (date(2026, 3, 28), date(2026, 3, 30))),
        # 18 tháng 10: "lễ lần thứ 240 tổ chức ngày 7/12/2025"
        (10, 18, 18, 2025, (date(2025, 12, 7), date(2025, 12, 7))),
    ],
)
def test_festival_dates_and_their_reverse(month, first, last, year, expected):
    start, end = solar_dates(month, first, last, year)
    assert (start, end) == expected
    for offset in range((end - start).days + 1):
        assert to_lunar(start + timedelta(days=offset)) == LunarDate(year, month, first + offset)


def test_day_30_of_a_29_day_month_becomes_its_last_day():
    assert month_length(2025, 2) == 29 and month_length(2025, 1) == 30
    with pytest.raises(LunarDateError):
        to_solar(2025, 2, 30)
    assert solar_dates(2, 29, 30, 2025) == (date(2025, 3, 28), date(2025, 3, 28))
    assert solar_dates(1, 30, 30, 2025) == (date(2025, 2, 27), date(2025, 2, 27))


def test_leap_months_exist_only_where_the_calendar_has_them():
    assert to_solar(2025, 6, 1, leap=True) == date(2025, 7, 25)  # 2025 has tháng 6 nhuận
    assert to_solar(2025, 6, 1) == date(2025, 6, 25)
    assert month_length(2025, 6, leap=True) == 29
    for year, month in [(2026, 6), (2025, 7)]:
        with pytest.raises(LunarDateError):
            to_solar(year, month, 1, leap=True)
    assert occurrences(6, 1, 1, 2025, leap=True) == [(date(2025, 7, 25), date(2025, 7, 25))]
    assert occurrences(6, 1, 1, 2026, leap=True) == []


def test_the_twelfth_month_of_a_lunar_year_falls_in_the_next_solar_year():
    assert solar_dates(12, 23, 23, 2024) == (date(2025, 1, 22), date(2025, 1, 22))  # ông Công ông Táo
    assert occurrences(12, 23, 23, 2025) == [(date(2025, 1, 22), date(2025, 1, 22))]
    assert occurrences(12, 1, 1, 2025) == []
    assert occurrences(12, 1, 1, 2027) == [(date(2027, 1, 8),) * 2, (date(2027, 12, 28),) * 2]
    assert occurrences(8, 15, 18, 2025) == [solar_dates(8, 15, 18, 2025)]


@pytest.mark.parametrize(
    "call",
    [
        lambda: to_solar(2101, 1, 1),
        lambda: to_lunar(date(1899, 12, 31)),
        lambda: to_solar(2025, 13, 1),
        lambda: to_solar(2025, 1, 0),
        lambda: solar_dates(8, 18, 15, 2025),
        lambda: occurrences(8, 15, 31, 2025),
    ],
)
def test_impossible_dates_are_refused(call):
    with pytest.raises(LunarDateError):
        call()


PARSED = [
    ("15-18 tháng 8 âm lịch", LunarSpan(8, 15, 18)),
    ("10-12 tháng 2 âm lịch", LunarSpan(2, 10, 12)),
    ("18 tháng 10 âm lịch (lễ lần thứ 240 tổ chức ngày 7/12/2025)", LunarSpan(10, 18, 18)),
    ("mùng 10 tháng Giêng", LunarSpan(1, 10, 10)),
    ("mồng 10 tháng Giêng", LunarSpan(1, 10, 10)),
    ("rằm tháng Bảy", LunarSpan(7, 15, 15)),
    ("Rằm tháng Giêng", LunarSpan(1, 15, 15)),
    ("23 tháng Chạp", LunarSpan(12, 23, 23)),
    ("rằm tháng Mười Một", LunarSpan(11, 15, 15)),
    ("mùng 5 tháng Năm", LunarSpan(5, 5, 5)),
    ("Từ ngày 10 đến ngày 12 tháng 2 âm lịch hằng năm", LunarSpan(2, 10, 12)),
    ("15 – 18 tháng 8 (ÂL)", LunarSpan(8, 15, 18)),
    ("ngày 16/8 âm lịch", LunarSpan(8, 16, 16)),
    ("15-18/8 ÂL", LunarSpan(8, 15, 18)),
    ("ngày 1 tháng 6 nhuận", LunarSpan(6, 1, 1, leap=True)),
    ("Ngày 2 tháng 9 (tức 15 tháng 8 âm lịch)", LunarSpan(8, 15, 15)),
]

NOT_LUNAR = [
    "",
    "hằng năm",
    "ngày 7/12/2025",
    "mùng 2 tháng 9",  # the solar National Day
    "tháng 8 âm lịch",  # no day
    "32 tháng 8 âm lịch",
    "18-15 tháng 8 âm lịch",
    "15 tháng 13 âm lịch",
    "28 tháng Chạp - mùng 2 tháng Giêng",  # across two months: not one span
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_season_texts_are_read_with_and_without_diacritics(text, expected):
    assert parse_lunar_text(text) == expected
    assert parse_lunar_text(fold(text)) == expected
    assert parse_lunar_text(fold(text).upper()) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15-18 thang 8 am lich", LunarSpan(8, 15, 18)),
        ("mung 10 thang gieng", LunarSpan(1, 10, 10)),
        ("ram thang bay", LunarSpan(7, 15, 15)),
        ("18 thang 10 al", LunarSpan(10, 18, 18)),
    ],
)
def test_texts_typed_without_diacritics(text, expected):
    assert parse_lunar_text(text) == expected


@pytest.mark.parametrize("text", NOT_LUNAR)
def test_other_texts_are_not_lunar_dates(text):
    assert parse_lunar_text(text) is None
    assert parse_lunar_text(fold(text)) is None


def test_a_parsed_span_gives_its_solar_dates():
    assert parse_lunar_text("15-18 tháng 8 âm lịch").solar(2026) == (date(2026, 9, 25), date(2026, 9, 28))


def test_only_the_wrapper_imports_the_library():
    pattern = re.compile(r"^\s*(from|import)\s+lunar_vn\b", re.MULTILINE)
    importers = {
        str(path.relative_to(ROOT))
        for folder in ("mapserver", "crs", "tiling", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    }
    assert importers == {"mapserver/festivals/lunar.py"}
