"""schema.org JSON-LD and OpenGraph values of public pages, per kind of record: what search
engines and link previews read. Relics are TouristAttraction + LandmarksOrHistoricalBuildings,
artefacts VisualArtwork, documents and intangible elements CreativeWork, festivals Event with
their next solar dates (from the lunar calendar), media items ImageObject/VideoObject/…"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..festivals.lunar import LunarDateError, occurrences

RELIC_TYPES = ["TouristAttraction", "LandmarksOrHistoricalBuildings"]
MEDIA_TYPES = {"image": "ImageObject", "video": "VideoObject", "audio": "AudioObject", "model": "3DModel"}
OG_TYPES = {"site": "place", "festival": "website"}


def next_occurrence(record: dict[str, Any], today: date) -> tuple[date, date] | None:
    """The festival's next (or current) solar dates, from its lunar month and days."""
    if not record.get("lunar_month") or not record.get("lunar_day_start"):
        return None
    end_day = record.get("lunar_day_end") or record["lunar_day_start"]
    for year in (today.year, today.year + 1):
        try:
            spans = occurrences(
                record["lunar_month"], record["lunar_day_start"], end_day, year, leap=bool(record.get("lunar_leap"))
            )
        except LunarDateError:
            continue
        for start, end in spans:
            if end >= today:
                return start, end
    return None


def festival_event(structured: dict[str, Any], record: dict[str, Any], today: date, url: str) -> dict[str, Any]:
    structured["@type"] = "Event"
    structured["url"] = url
    span = next_occurrence(record, today)
    if span:
        structured["startDate"], structured["endDate"] = span[0].isoformat(), span[1].isoformat()
        structured["eventStatus"] = "https://schema.org/EventScheduled"
    place = record.get("place_vi")
    structured["location"] = {"@type": "Place", "name": place or "Bà Rịa–Vũng Tàu"}
    if record.get("date_text"):
        structured["alternateName"] = record["date_text"]  # the lunar date as people say it
    return structured


def media_objects(items: list[dict[str, Any]], base: str) -> list[dict[str, Any]]:
    """The record's published media as schema.org objects (with their licence)."""
    out = []
    for item in items:
        obj: dict[str, Any] = {
            "@type": MEDIA_TYPES.get(item.get("media_type"), "CreativeWork"),
            "name": item.get("caption_vi") or item.get("caption_en") or f"media {item.get('id')}",
            "license": item.get("licence_url"),
        }
        if item.get("creator"):
            obj["creator"] = {"@type": "Person", "name": item["creator"]}
        if item.get("thumbnail"):
            obj["thumbnailUrl"] = base + item["thumbnail"]
        if item.get("full"):
            obj["contentUrl"] = base + item["full"]
        out.append({k: v for k, v in obj.items() if v})
    return out


def enrich(
    kind: str, structured: dict[str, Any], record: dict[str, Any], *, today: date, url: str, media: list, base: str
) -> dict[str, Any]:
    """A record page's JSON-LD completed with what is proper to its kind."""
    structured["url"] = url
    structured["inLanguage"] = "vi"
    if kind == "festival":
        festival_event(structured, record, today, url)
    elif kind == "artefact":
        structured["@type"] = "VisualArtwork"
        if record.get("material"):
            structured["artMedium"] = record["material"]
        if record.get("year_from") is not None:
            structured["dateCreated"] = str(record["year_from"])
    if media:
        structured["associatedMedia"] = media_objects(media, base)
        first = structured["associatedMedia"][0]
        if first.get("thumbnailUrl"):
            structured["image"] = first["thumbnailUrl"]
    return structured


def open_graph(kind: str, title: str, description: str, url: str, image: str | None) -> list[tuple[str, str]]:
    """OpenGraph properties (property, content) of a record page."""
    tags = [
        ("og:type", OG_TYPES.get(kind, "article")),
        ("og:title", title),
        ("og:description", description),
        ("og:url", url),
        ("og:locale", "vi_VN"),
        ("og:locale:alternate", "en_GB"),
        ("og:site_name", "Di sản Bà Rịa–Vũng Tàu"),
    ]
    if image:
        tags.append(("og:image", image))
    return tags
