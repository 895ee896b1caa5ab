"""Festivals over HTTP: the shared record routes, each festival with its solar dates for ``?year=``
(default: this year in Vietnam), and ``/api/festivals.ics``, an iCalendar feed of the coming year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from ..params import single, whole_number
from ..records import service
from ..records.routes import record_router
from ..web.deps import Pool
from .ical import festival_calendar
from .kind import FESTIVAL
from .lunar import SUPPORTED_YEARS, LunarDateError, occurrences, solar_dates

VIETNAM = timezone(timedelta(hours=7))  # the Vietnamese calendar's day
FEED_DAYS = 366


def today_in_vietnam() -> date:
    return datetime.now(UTC).astimezone(VIETNAM).date()


def _year(params: QueryParams) -> int:
    low, high = SUPPORTED_YEARS
    return whole_number(
        single(params, "year"), "year", default=today_in_vietnam().year, minimum=low + 1, maximum=high - 1
    )


def with_solar_dates(festivals: list[dict[str, Any]], params: QueryParams) -> list[dict[str, Any]]:
    year = _year(params)
    for f in festivals:
        f["solar_year"] = year
        f["solar_start"] = f["solar_end"] = None
        if f.get("lunar_month"):
            try:
                start, end = solar_dates(
                    f["lunar_month"],
                    f["lunar_day_start"],
                    f.get("lunar_day_end") or f["lunar_day_start"],
                    year,
                    leap=bool(f.get("lunar_leap")),
                )
            except LunarDateError:
                continue  # e.g. a leap month this year does not have: no date, not an error
            f["solar_start"], f["solar_end"] = start.isoformat(), end.isoformat()
    return festivals


router = record_router(FESTIVAL, extra_params=("year",), enrich=with_solar_dates)
feed_router = APIRouter(prefix="/api", tags=["festivals"])


def upcoming(festivals: list[dict[str, Any]], today: date, base_url: str) -> list[dict[str, Any]]:
    events = []
    for f in festivals:
        if not f.get("lunar_month"):
            continue
        end_day = f.get("lunar_day_end") or f["lunar_day_start"]
        for year in (today.year, today.year + 1):
            for start, end in occurrences(
                f["lunar_month"], f["lunar_day_start"], end_day, year, leap=bool(f.get("lunar_leap"))
            ):
                if end >= today and start <= today + timedelta(days=FEED_DAYS):
                    events.append(
                        {
                            "id": f["id"],
                            "name_vi": f["name_vi"],
                            "name_en": f.get("name_en"),
                            "start": start,
                            "end": end,
                            "lunar_text": f.get("date_text"),
                            "place_vi": f.get("place_vi"),
                            "url": f"{base_url}/api/festivals/{f['id']}",
                        }
                    )
    unique = {(e["id"], e["start"]): e for e in events}
    return sorted(unique.values(), key=lambda e: (e["start"], e["id"]))


@feed_router.get("/festivals.ics", summary="iCalendar feed of the festivals of the coming year")
async def festivals_feed(request: Request, pool: Pool) -> Response:
    items, _ = await service.list_records(
        pool, FESTIVAL, staff=False, filters={}, q=None, statuses=None, limit=10_000, offset=0
    )
    base = str(request.base_url).rstrip("/")
    body = festival_calendar(upcoming(orjson.loads(items), today_in_vietnam(), base))
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="festivals.ics"', "Cache-Control": "public, max-age=3600"},
    )
