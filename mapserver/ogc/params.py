"""Parsing of the query of /collections/{id}/items and /items/{featureId} into typed values.

Every failure raises InvalidParameter naming the parameter (a 400 problem). Unknown parameters
are refused (OGC API Features /req/core/query-param-unknown), except that a queryable's name is a
parameter of its own (Part 3 queryables-query-parameters: ``rank=national``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import parse_qsl

import orjson
from shapely.geometry.base import BaseGeometry
from starlette.datastructures import QueryParams

from crs import Zone

from ..errors import InvalidParameter, ProblemError
from ..geo import crsref
from ..params import finite_number, flag, single, whole_number
from .collections import Collection, Property

ITEMS_PARAMETERS = (
    "f",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "limit",
    "offset",
    "properties",
    "sortby",
    "filter",
    "filter-lang",
    "filter-crs",
    "skipGeometry",
)
ITEM_PARAMETERS = ("f", "crs", "properties", "skipGeometry")
FILTER_LANGS = ("cql2-text", "cql2-json")
# The names of the drafts before CQL2, still what GDAL's OAPIF driver (3.6) looks for in the API
# definition before it sends a -where to the server: read as CQL2 (GDAL writes the common subset).
FILTER_LANG_ALIASES = {"cql-text": "cql2-text", "cql-json": "cql2-json"}
ACCEPTED_FILTER_LANGS = (*FILTER_LANGS, *FILTER_LANG_ALIASES)
MAX_FILTER_CHARS = 200_000
MAX_OFFSET = 10_000_000
FORM = "application/x-www-form-urlencoded"
BODY_TYPES = (FORM, "application/json")


class UnsupportedMediaType(ProblemError):
    status = 415
    title = "Unsupported media type"


@dataclass
class Interval:
    """A datetime instant (start == end) or interval; None is an open end. ``date_only`` is True
    when the client gave a calendar date (a whole day) for an instant."""

    start: datetime | None
    end: datetime | None
    date_only: bool = False


@dataclass
class ItemsQuery:
    limit: int = 100
    offset: int = 0
    bbox: BaseGeometry | None = None  # WGS 84 lon/lat
    datetime: Interval | None = None
    properties: list[str] | None = None  # None: all
    sortby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    crs: Zone = field(default_factory=crsref.crs84)
    filter: Any = None  # pygeofilter AST, translated by cql_sql
    filter_crs: Zone = field(default_factory=crsref.crs84)
    equals: list[tuple[Property, str]] = field(default_factory=list)
    skip_geometry: bool = False


def check_known(params: Mapping[str, Any], allowed: tuple[str, ...], collection: Collection | None) -> None:
    for name in params:
        if name in allowed:
            continue
        if collection is not None and collection.prop(name) is not None:
            continue
        raise InvalidParameter(f"unknown query parameter '{name[:40]}'", parameter=name[:40])


def parse_bbox(text: str | None, bbox_crs: Zone) -> BaseGeometry | None:
    if text is None or text == "":
        return None
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise InvalidParameter("bbox must have 4 (or 6) comma-separated numbers", parameter="bbox")
    return crsref.bbox_to_wgs84([finite_number(p, "bbox") for p in parts], bbox_crs)


def parse_instant(text: str, parameter: str = "datetime") -> tuple[datetime, bool]:
    """RFC 3339 date-time or full date -> (aware datetime, is_date_only). Naive times are UTC."""
    value = text.strip()
    if len(value) == 11 and value.endswith(("T", "t")):
        value = value[:10]  # a date as GDAL's OAPIF driver (3.6) writes it in a filter: "2005-01-01T"
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC), True
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise InvalidParameter(
            f"'{value[:40]}' is not an RFC 3339 date-time (e.g. 2023-02-14T00:00:00Z) or date",
            parameter=parameter,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, False


def parse_datetime(text: str | None) -> Interval | None:
    """An instant ("2023-02-14", "2023-02-14T08:00:00Z") or an interval with ".." or an empty
    string for an open end ("2000-01-01/..", "../2010-12-31")."""
    if text is None or text.strip() == "":
        return None
    if "/" not in text:
        moment, date_only = parse_instant(text)
        return Interval(moment, moment, date_only)
    first, _, second = text.partition("/")
    start = None if first.strip() in ("", "..") else parse_instant(first)[0]
    end_pair = None if second.strip() in ("", "..") else parse_instant(second)
    end = end_pair[0] if end_pair else None
    if end_pair and end_pair[1]:  # an end date includes its whole day
        end = end.replace(hour=23, minute=59, second=59, microsecond=999_999)
    if start is None and end is None:
        raise InvalidParameter("an interval needs at least one end", parameter="datetime")
    if start and end and start > end:
        raise InvalidParameter("the interval starts after it ends", parameter="datetime")
    return Interval(start, end)


def parse_properties(text: str | None, collection: Collection) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        p = collection.prop(name)
        if p is None or not p.output:
            raise InvalidParameter(f"'{name[:40]}' is not a property of {collection.id}", parameter="properties")
    return list(dict.fromkeys(names))


def parse_sortby(text: str | None, collection: Collection) -> list[tuple[str, bool]]:
    if text is None or text.strip() == "":
        return []
    out = []
    for item in text.split(","):
        item = item.strip()
        descending = item.startswith("-")
        name = item.lstrip("+-").strip()
        p = collection.prop(name)
        if p is None or p.type == "array":
            raise InvalidParameter(f"cannot sort by '{name[:40]}'", parameter="sortby")
        out.append((name, descending))
    return out


def parse_items_query(
    params: Mapping[str, Any], collection: Collection, *, default_limit: int, max_limit: int
) -> ItemsQuery:
    """The whole items query; the CQL2 filter is parsed here too (syntax errors are 400s)."""
    from .cql import parse_filter  # local: pygeofilter's parsers are built on first use

    check_known(params, ITEMS_PARAMETERS, collection)
    bbox_crs = crsref.parse_crs_param(single(params, "bbox-crs"), "bbox-crs")
    filter_crs = crsref.parse_crs_param(single(params, "filter-crs"), "filter-crs")
    filter_text = single(params, "filter")
    filter_lang = single(params, "filter-lang") or "cql2-text"
    filter_lang = FILTER_LANG_ALIASES.get(filter_lang, filter_lang)
    if filter_lang not in FILTER_LANGS:
        raise InvalidParameter(
            f"filter-lang must be one of {', '.join(ACCEPTED_FILTER_LANGS)}", parameter="filter-lang"
        )
    ast = None
    if filter_text is not None and filter_text.strip():
        if len(filter_text) > MAX_FILTER_CHARS:
            raise InvalidParameter(f"is longer than {MAX_FILTER_CHARS} characters", parameter="filter")
        ast = parse_filter(filter_text, filter_lang)
    equals = []
    for name in params:
        p = collection.prop(name)
        if p is not None and name not in ITEMS_PARAMETERS:
            equals.append((p, single(params, name)))
    return ItemsQuery(
        limit=whole_number(
            single(params, "limit"), "limit", default=default_limit, minimum=1, maximum=max_limit, clamp=True
        ),
        offset=whole_number(single(params, "offset"), "offset", default=0, minimum=0, maximum=MAX_OFFSET),
        bbox=parse_bbox(single(params, "bbox"), bbox_crs),
        datetime=parse_datetime(single(params, "datetime")),
        properties=parse_properties(single(params, "properties"), collection),
        sortby=parse_sortby(single(params, "sortby"), collection),
        crs=crsref.parse_crs_param(single(params, "crs"), "crs"),
        filter=ast,
        filter_crs=filter_crs,
        equals=equals,
        skip_geometry=bool(flag(single(params, "skipGeometry"), "skipGeometry")),
    )


# -- the parameters of POST …/items (filters too long for a URL) ------------------------------------


def body_parameters(content_type: str, body: bytes, query: QueryParams) -> QueryParams:
    """The parameters of a POST to /items: those of the URL plus those of the body, a form
    (``filter=…&limit=…``) or a JSON object with the same names. In JSON, ``filter`` may be the
    CQL2 JSON object itself, numbers are numbers and bbox/properties/sortby may be lists. A name
    given in both the URL and the body must have the same value (``single`` refuses otherwise)."""
    media = content_type.split(";")[0].strip().lower()
    if media not in BODY_TYPES:
        raise UnsupportedMediaType(f"send the parameters as {' or '.join(BODY_TYPES)}", parameter="body")
    if media == FORM:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, errors="strict")
        except UnicodeDecodeError:
            raise InvalidParameter("the form is not UTF-8 text", parameter="body") from None
    else:
        pairs = _json_pairs(body)
    return QueryParams(list(query.multi_items()) + pairs)


def _json_pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidParameter("the body is not JSON (or is nested too deeply)", parameter="body") from None
    if not isinstance(doc, dict):
        raise InvalidParameter("the body must be a JSON object of parameters", parameter="body")
    pairs = []
    filter_object = isinstance(doc.get("filter"), (dict, bool))
    for name, value in doc.items():
        if name == "filter-lang" and filter_object:
            continue  # checked with the filter object, which is cql2-json whatever its name
        if name == "filter" and isinstance(value, (dict, bool)):
            if FILTER_LANG_ALIASES.get(doc.get("filter-lang"), doc.get("filter-lang", "cql2-json")) != "cql2-json":
                raise InvalidParameter("a JSON filter object is cql2-json", parameter="filter-lang")
            pairs += [("filter", orjson.dumps(value).decode()), ("filter-lang", "cql2-json")]
        elif isinstance(value, list) and name in ("bbox", "properties", "sortby"):
            if not all(_scalar(v) for v in value):
                raise InvalidParameter("must be a list of numbers or texts", parameter=name)
            pairs.append((name, ",".join(_text(v) for v in value)))
        elif _scalar(value):
            pairs.append((name, _text(value)))
        else:
            raise InvalidParameter("must be a text, a number or true/false", parameter=name[:40])
    return pairs


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else orjson.dumps(value).decode()
