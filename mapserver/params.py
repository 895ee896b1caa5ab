"""Primitive request-parameter parsers, each with one meaning, shared by every API.

Every failure raises InvalidParameter naming the parameter (a 400 the client can act on). Parsers
that need a record's vocabulary or a CRS live beside their record (sites.params, ogc.params) and
are built from these.

Values arrive as query-string text or as JSON values of any type: every parser checks the type
first (a JSON object where a number belongs is a 400, not an AttributeError), numbers are written
in ASCII digits only (``int('٣')`` is 3 to Python, not to a client's documentation), and text never
holds a NUL character (PostgreSQL text cannot store or compare one).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import InvalidParameter

TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")
NUL = "\x00"
# A decimal number as people and clients write it: ASCII digits, optional sign, fraction, exponent.
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
WHOLE = re.compile(r"[+-]?[0-9]+")
# Digits beyond this are out of every range we accept; they are not converted (Python refuses
# int() of more than 4,300 digits, and a long number costs quadratic time to convert).
MAX_DIGITS = 30


def _shown(value: Any) -> str:
    return repr(value)[:30] if not isinstance(value, str) else value[:30]


def no_nul(value: str, parameter: str) -> str:
    if NUL in value:
        raise InvalidParameter("must not contain a NUL character", parameter=parameter)
    return value


def text(value: Any, parameter: str, *, max_length: int | None = None) -> str | None:
    """A text value (query string or JSON string); None when absent. Anything else (a number, an
    object, a list) is refused, as are NUL characters and texts over ``max_length``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameter("must be a text value", parameter=parameter)
    no_nul(value, parameter)
    if max_length is not None and len(value) > max_length:
        raise InvalidParameter(f"is longer than {max_length} characters", parameter=parameter)
    return value


def single(params: Mapping[str, Any], name: str) -> str | None:
    """One value of a query parameter. Repeats with the same value are tolerated (GDAL appends the
    user's query parameters to links that already carry them); different values are not."""
    values = params.getlist(name) if hasattr(params, "getlist") else [params[name]] if name in params else []
    if not values:
        return None
    if len(set(values)) > 1:
        raise InvalidParameter("is given more than once with different values", parameter=name)
    value = values[0]
    return no_nul(value, name) if isinstance(value, str) else value


def finite_number(value: Any, parameter: str) -> float:
    """A finite number: a JSON number, or text in ASCII decimal notation (no nan, inf, 1_000)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidParameter(f"'{_shown(value)}' is not a number", parameter=parameter)
    if isinstance(value, str):
        stripped = value.strip()
        if not NUMBER.fullmatch(stripped):
            raise InvalidParameter(f"'{_shown(value)}' is not a number", parameter=parameter)
        value = float(stripped)
    elif isinstance(value, int):
        try:
            value = float(value)
        except OverflowError:
            raise InvalidParameter("must be a finite number", parameter=parameter) from None
    if not math.isfinite(value):
        raise InvalidParameter("must be a finite number", parameter=parameter)
    return value


def _integer(value: Any, parameter: str) -> int | None:
    """The integer written by ``value``, or None when it has more than MAX_DIGITS digits."""
    if isinstance(value, bool):
        raise InvalidParameter(f"'{_shown(value)}' is not a whole number", parameter=parameter)
    if isinstance(value, int):
        return value if value.bit_length() <= 100 else None
    if isinstance(value, float) and value.is_integer():
        return int(value) if abs(value) < 1e30 else None
    if isinstance(value, str) and WHOLE.fullmatch(value.strip()):
        digits = value.strip().lstrip("+-").lstrip("0")
        return int(value) if len(digits) <= MAX_DIGITS else None
    raise InvalidParameter(f"'{_shown(value)}' is not a whole number", parameter=parameter)


def whole_number(
    value: Any,
    parameter: str,
    *,
    default: int,
    minimum: int,
    maximum: int | None = None,
    clamp: bool = False,
) -> int:
    """An integer in [minimum, maximum]. Above the maximum it is refused, or with ``clamp`` served
    as the maximum (OGC API Features asks that of ``limit``: /req/core/fc-limit-response)."""
    if value is None or value == "":
        return default
    number = _integer(value, parameter)
    negative = number is None and str(value).strip().startswith("-")
    if negative or (number is not None and number < minimum):
        raise InvalidParameter(
            f"must be at least {minimum}" if maximum is None or clamp else f"must be between {minimum} and {maximum}",
            parameter=parameter,
        )
    if number is None or (maximum is not None and number > maximum):
        if clamp and maximum is not None:
            return maximum
        limit = f"between {minimum} and {maximum}" if maximum is not None else f"at most {10**MAX_DIGITS - 1}"
        raise InvalidParameter(f"must be {limit}", parameter=parameter)
    return number


def flag(value: Any, parameter: str) -> bool | None:
    """true/false (also 1/0, yes/no); None when absent, so a caller can tell "not asked"."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    lowered = value.lower() if isinstance(value, str) else None
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise InvalidParameter("must be true or false", parameter=parameter)


def choices(value: Any, allowed: tuple[str, ...], parameter: str) -> list[str]:
    """A comma list (or JSON list of texts) of codes from ``allowed``; [] when absent."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = value
    else:
        raise InvalidParameter("must be a comma-separated text or a list of texts", parameter=parameter)
    values = [item.strip() for item in items if item.strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidParameter(f"unknown value '{unknown[0][:40]}'; allowed: {', '.join(allowed)}", parameter=parameter)
    return values


def one_of(value: Any, allowed: tuple[str, ...], parameter: str, default: str) -> str:
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value not in allowed:
        raise InvalidParameter(f"must be one of {', '.join(allowed)}", parameter=parameter)
    return value
