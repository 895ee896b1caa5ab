"""Primitive request-parameter parsers, each with one meaning, shared by every API.

Every failure raises InvalidParameter naming the parameter (a 400 the client can act on). Parsers
that need a record's vocabulary or a CRS live beside their record (sites.params, ogc.params) and
are built from these.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .errors import InvalidParameter

TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


def single(params: Mapping[str, Any], name: str) -> str | None:
    """One value of a query parameter. Repeats with the same value are tolerated (GDAL appends the
    user's query parameters to links that already carry them); different values are not."""
    values = params.getlist(name) if hasattr(params, "getlist") else [params[name]] if name in params else []
    if not values:
        return None
    if len(set(values)) > 1:
        raise InvalidParameter("is given more than once with different values", parameter=name)
    return values[0]


def finite_number(text: str, parameter: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise InvalidParameter(f"'{str(text)[:30]}' is not a number", parameter=parameter) from None
    if not math.isfinite(value):
        raise InvalidParameter("must be a finite number", parameter=parameter)
    return value


def whole_number(
    text: str | int | None,
    parameter: str,
    *,
    default: int,
    minimum: int,
    maximum: int | None = None,
    clamp: bool = False,
) -> int:
    """An integer in [minimum, maximum]. Above the maximum it is refused, or with ``clamp`` served
    as the maximum (OGC API Features asks that of ``limit``: /req/core/fc-limit-response)."""
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise InvalidParameter(f"'{str(text)[:30]}' is not a whole number", parameter=parameter) from None
    if value < minimum:
        raise InvalidParameter(
            f"must be at least {minimum}" if maximum is None or clamp else f"must be between {minimum} and {maximum}",
            parameter=parameter,
        )
    if maximum is not None and value > maximum:
        if clamp:
            return maximum
        raise InvalidParameter(f"must be between {minimum} and {maximum}", parameter=parameter)
    return value


def flag(text: str | bool | None, parameter: str) -> bool | None:
    """true/false (also 1/0, yes/no); None when absent, so a caller can tell "not asked"."""
    if text is None or text == "":
        return None
    if isinstance(text, bool):
        return text
    lowered = text.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise InvalidParameter("must be true or false", parameter=parameter)


def choices(text: str | list[str] | None, allowed: tuple[str, ...], parameter: str) -> list[str]:
    """A comma list (or JSON list) of codes from ``allowed``; [] when absent."""
    if text is None or text == "" or text == []:
        return []
    items = text if isinstance(text, list) else text.split(",")
    values = [str(item).strip() for item in items if str(item).strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidParameter(f"unknown value '{unknown[0][:40]}'; allowed: {', '.join(allowed)}", parameter=parameter)
    return values


def one_of(text: str | None, allowed: tuple[str, ...], parameter: str, default: str) -> str:
    if text is None or text == "":
        return default
    if text not in allowed:
        raise InvalidParameter(f"must be one of {', '.join(allowed)}", parameter=parameter)
    return text
