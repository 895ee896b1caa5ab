"""The festivals' iCalendar feed, read back with `icalendar` itself, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from mapserver.festivals.ical import festival_calendar, festival_uid
from mapserver.festivals.lunar import solar_dates

STAMP = datetime(2025, 12, 1, 8, 30, tzinfo=UTC)


def _event(festival_id, name_vi, name_en, span, lunar_text, place_vi):
    start, end = span
    return {
        "id": festival_id,
        "name_vi": name_vi,
        "name_en": name_en,
        "start": start,
        "end": end,
        "lunar_text": lunar_text,
        "place_vi": place_vi,
        "url": f"https://heritage.example/festivals/{festival_id}",
    }


def _events() -> list[dict]:
    nghinh_ong = ("nghinh-ong-thang-tam", "Lễ hội Nghinh Ông Thắng Tam", "Whale Worship Festival of Thắng Tam")
    dinh_co = ("dinh-co", "Lễ hội Dinh Cô", "Dinh Cô Festival")
    events = []
    for year in (2025, 2026):
        events.append(
            _event(*nghinh_ong, solar_dates(8, 15, 18, year), "15-18 tháng 8 âm lịch", "Lăng Ông Thắng Tam, Vũng Tàu")
        )
        events.append(_event(*dinh_co, solar_dates(2, 10, 12, year), "10-12 tháng 2 âm lịch", "Dinh Cô, Long Hải"))
    events.append(_event("ong-tao", "Tiễn ông Công ông Táo", None, solar_dates(12, 23, 23, 2024), "23 tháng Chạp", ""))
    return events


def _read(raw: bytes):
    calendar = Calendar.from_ical(raw)
    return calendar, calendar.walk("VEVENT")


def test_the_feed_reads_back_as_all_day_events():
    raw = festival_calendar(_events(), stamp=STAMP)
    calendar, vevents = _read(raw)
    assert len(vevents) == 5
    assert str(calendar["VERSION"]) == "2.0"
    assert "heritage" in str(calendar["PRODID"]).lower()
    assert str(calendar["X-WR-CALNAME"]) == "Lễ hội Bà Rịa – Vũng Tàu"
    for vevent, source in zip(vevents, _events()):
        for key in ("DTSTART", "DTEND"):
            assert vevent[key].params.get("VALUE") == "DATE"
            value = vevent.decoded(key)
            assert type(value) is date
        assert vevent.decoded("DTSTART") == source["start"]
        assert vevent.decoded("DTEND") == source["end"] + timedelta(days=1)  # exclusive
        assert vevent.decoded("DTSTAMP") == STAMP
        assert str(vevent["SUMMARY"]) == source["name_vi"]
        assert source["lunar_text"] in str(vevent["DESCRIPTION"])
        assert source["url"] in str(vevent["DESCRIPTION"])
        assert str(vevent["URL"]) == source["url"]


def test_festival_dates_and_places():
    _, vevents = _read(festival_calendar(_events(), stamp=STAMP))
    first = vevents[0]
    assert str(first["SUMMARY"]) == "Lễ hội Nghinh Ông Thắng Tam"
    assert (first.decoded("DTSTART"), first.decoded("DTEND")) == (date(2025, 10, 6), date(2025, 10, 10))
    assert str(first["LOCATION"]) == "Lăng Ông Thắng Tam, Vũng Tàu"
    dinh_co_2026 = vevents[3]
    assert (dinh_co_2026.decoded("DTSTART"), dinh_co_2026.decoded("DTEND")) == (date(2026, 3, 28), date(2026, 3, 31))
    assert "LOCATION" not in vevents[4]  # an empty place is left out


def test_uids_are_stable_and_name_the_lunar_year():
    first = [str(v["UID"]) for v in _read(festival_calendar(_events()))[1]]
    second = [str(v["UID"]) for v in _read(festival_calendar(_events(), stamp=STAMP))[1]]
    assert first == second
    assert first == [
        "festival-nghinh-ong-thang-tam-2025@heritage.brvt",
        "festival-dinh-co-2025@heritage.brvt",
        "festival-nghinh-ong-thang-tam-2026@heritage.brvt",
        "festival-dinh-co-2026@heritage.brvt",
        "festival-ong-tao-2024@heritage.brvt",  # 2025-01-22 is still lunar year 2024
    ]
    assert festival_uid(7, date(2026, 9, 25)) == "festival-7-2026@heritage.brvt"


def test_same_stamp_gives_identical_bytes_in_rfc_5545_lines():
    raw = festival_calendar(_events(), stamp=STAMP)
    assert raw == festival_calendar(_events(), stamp=STAMP)
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))


def test_the_default_stamp_is_now_in_utc():
    before = datetime.now(UTC).replace(microsecond=0)
    _, vevents = _read(festival_calendar(_events()[:1]))
    assert before <= vevents[0].decoded("DTSTAMP") <= datetime.now(UTC)


def test_an_empty_list_is_an_empty_calendar():
    calendar, vevents = _read(festival_calendar([], stamp=STAMP))
    assert vevents == [] and str(calendar["VERSION"]) == "2.0"


def test_bad_occurrences_are_refused():
    events = _events()
    with pytest.raises(ValueError, match="UID"):
        festival_calendar([events[0], events[0]], stamp=STAMP)
    backwards = dict(events[0], end=events[0]["start"] - timedelta(days=1))
    with pytest.raises(ValueError, match="start <= end"):
        festival_calendar([backwards], stamp=STAMP)
    timed = dict(events[0], start=datetime(2025, 10, 6, 8, 0))
    with pytest.raises(ValueError):
        festival_calendar([timed], stamp=STAMP)
