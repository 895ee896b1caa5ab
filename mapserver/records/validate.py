"""Checking a record's values against its kind (records.kinds): types, limits, vocabularies and
required fields. A bad value is a 400 naming the field, before anything is written."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from ..errors import InvalidParameter
from .kinds import Field, Kind


def _date(value: Any, name: str) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise InvalidParameter("must be a date (YYYY-MM-DD or DD/MM/YYYY)", parameter=name)


def _number(f: Field, value: Any, kind: type) -> int | float:
    if isinstance(value, bool):
        raise InvalidParameter("must be a number", parameter=f.name)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise InvalidParameter(
            "must be a whole number" if kind is int else "must be a number", parameter=f.name
        ) from None
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidParameter("must be a finite number", parameter=f.name)
    if f.minimum is not None and number < f.minimum or f.maximum is not None and number > f.maximum:
        raise InvalidParameter(f"must be between {f.minimum:g} and {f.maximum:g}", parameter=f.name)
    return number


def value_of(f: Field, value: Any) -> Any:
    """The stored form of one value (None stays None: emptying a field)."""
    if value is None or (isinstance(value, str) and value.strip() == "" and f.type != "json"):
        if f.required:
            raise InvalidParameter("is required", parameter=f.name)
        return None
    if f.type == "text":
        text = str(value).strip()
        if len(text) > f.max_length:
            raise InvalidParameter(f"is longer than {f.max_length} characters", parameter=f.name)
        if f.choices is not None and text not in f.choices:
            raise InvalidParameter(f"must be one of {', '.join(f.choices)}", parameter=f.name)
        return text
    if f.type == "int":
        return _number(f, value, int)
    if f.type == "float":
        return _number(f, value, float)
    if f.type == "date":
        return _date(value, f.name)
    if f.type == "bool":
        if isinstance(value, bool):
            return value
        raise InvalidParameter("must be true or false", parameter=f.name)
    if f.type == "text[]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidParameter("must be a list of texts", parameter=f.name)
        return value
    if not isinstance(value, dict):
        raise InvalidParameter("must be an object", parameter=f.name)
    return f.check(value) if f.check is not None else value


def check(kind: Kind, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """The values to write. ``partial``: an update (absent fields stay as they are)."""
    unknown = [name for name in data if kind.field(name) is None or not kind.field(name).editable]
    if unknown:
        raise InvalidParameter(f"unknown field '{unknown[0][:40]}'", parameter=unknown[0][:40])
    values = {name: value_of(kind.field(name), value) for name, value in data.items()}
    if not partial:
        for f in kind.editable:
            if f.required and values.get(f.name) is None:
                raise InvalidParameter("is required", parameter=f.name)
    if partial and not values:
        raise InvalidParameter("nothing to change", parameter="body")
    return values


def adapt(kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
    """Values ready for psycopg: JSON objects wrapped as jsonb."""
    from psycopg.types.json import Jsonb

    return {k: Jsonb(v) if kind.field(k).type == "json" and v is not None else v for k, v in values.items()}
