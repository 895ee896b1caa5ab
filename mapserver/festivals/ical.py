"""The festivals as an RFC 5545 iCalendar feed, for people to subscribe to in their calendar apps.

Why all-day events: a festival is held on lunar days, not at hours, so DTSTART and DTEND are DATE
values (no time zone to get wrong) and DTEND is the day after the last day, as RFC 5545 makes it
exclusive. A UID names the festival and its lunar year, so a calendar that re-reads the feed updates
the same event instead of adding a copy, and a festival held in January (tháng Chạp of the lunar
year before) and again in December of one solar year still gets two events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event

from .lunar import to_lunar

PRODID = "-//Heritage map of Ba Ria-Vung Tau//Festivals//VI"
CALENDAR_NAME = "Lễ hội Bà Rịa – Vũng Tàu"
UID_DOMAIN = "heritage.brvt"


def festival_uid(festival_id: Any, start: date) -> str:
    """`festival-<id>-<lunar year>@heritage.brvt`: the lunar year, which is the solar year except for
    the weeks before Tết, keeps one event per festival and year however the solar dates move."""
    return f"festival-{festival_id}-{to_lunar(start).year}@{UID_DOMAIN}"


def _description(event: dict[str, Any]) -> str:
    """The date as the record writes it (the lunar text people know), the English name and the record."""
    lines = [event.get("lunar_text") or "", event.get("name_en") or "", event.get("url") or ""]
    return "\n".join(line for line in lines if line)


def _vevent(event: dict[str, Any], stamp: datetime) -> Event:
    start, end = event["start"], event["end"]
    if isinstance(start, datetime) or isinstance(end, datetime) or end < start:
        raise ValueError(f"festival {event['id']}: start and end must be dates with start <= end")
    vevent = Event()
    vevent.add("uid", festival_uid(event["id"], start))
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", start)
    vevent.add("dtend", end + timedelta(days=1))
    vevent.add("summary", event["name_vi"])
    vevent.add("description", _description(event))
    if event.get("place_vi"):
        vevent.add("location", event["place_vi"])
    if event.get("url"):
        vevent.add("url", event["url"])
    vevent.add("transp", "TRANSPARENT")  # a festival does not make the subscriber busy
    return vevent


def festival_calendar(
    events: Iterable[dict[str, Any]], *, stamp: datetime | None = None, name: str = CALENDAR_NAME
) -> bytes:
    """The iCalendar document of the festivals' occurrences.

    Each event: id, name_vi, name_en, start (date), end (date, inclusive), lunar_text, place_vi, url.
    `stamp` is the DTSTAMP (UTC; now when omitted); pass it to get byte-identical output. Two
    occurrences with the same UID (same festival, same lunar year) are refused with ValueError.
    """
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    seen: set[str] = set()
    for event in events:
        vevent = _vevent(event, stamp)
        uid = str(vevent["uid"])
        if uid in seen:
            raise ValueError(f"two occurrences share the UID {uid}")
        seen.add(uid)
        calendar.add_component(vevent)
    return calendar.to_ical()
