"""Shared row-level parsing for importers: typed values, enumerations, column resolution.

Every problem becomes a RowError (row, column, reason) so a person can fix the file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ..text import fold_key
from ..vocabulary import CATEGORY_TERMS, RANK_TERMS, Term


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportRejected(ValueError):
    """The file was not imported (nothing changed); `errors` says why, row by row."""

    def __init__(self, errors: list[RowError], total_rows: int = 0):
        self.errors = errors
        self.total_rows = total_rows
        first = "; ".join(str(e) for e in errors[:3])
        more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"{len(errors)} problem(s), nothing imported: {first}{more}")


class ColumnsMissing(ImportRejected):
    pass


def resolve_columns(
    header: list[str], aliases: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> dict[str, str]:
    """Map canonical field names to the file's own column names (Vietnamese or English)."""
    by_key = {fold_key(col): col for col in header}
    found = {}
    for name, names in aliases.items():
        for alias in names:
            if fold_key(alias) in by_key:
                found[name] = by_key[fold_key(alias)]
                break
    missing = [name for name in required if name not in found]
    if missing:
        raise ColumnsMissing([RowError(1, name, "required column is missing from the header") for name in missing])
    return found


def parse_float(
    text: str,
    column: str,
    row: int,
    errors: list[RowError],
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors.append(RowError(row, column, f"'{text[:40]}' is not a number"))
        return None
    if not math.isfinite(value):
        errors.append(RowError(row, column, "must be a finite number"))
        return None
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        errors.append(RowError(row, column, f"{value} is outside {minimum}..{maximum}"))
        return None
    return value


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(text: str, column: str, row: int, errors: list[RowError]) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        if _DMY.match(text):  # Vietnamese documents write day/month/year
            day, month, year = (int(part) for part in _DMY.match(text).groups())
            return date(year, month, day)
        return date.fromisoformat(text[:10])
    except ValueError:
        errors.append(RowError(row, column, f"'{text[:40]}' is not a date (YYYY-MM-DD or DD/MM/YYYY)"))
        return None


def parse_enum(
    text: str,
    lookup: Callable[[str], str | None],
    column: str,
    row: int,
    errors: list[RowError],
    *,
    required: bool = False,
) -> str | None:
    text = text.strip()
    if not text:
        if required:
            errors.append(RowError(row, column, "is empty"))
        return None
    value = lookup(text)
    if value is None:
        errors.append(RowError(row, column, f"'{text[:40]}' is not a known value"))
    return value


def _aliases(terms: tuple[Term, ...], extra: dict[str, str]) -> dict[str, str]:
    """Folded spellings a table may use for a code: the code, its vi and en labels, and extras."""
    out = {fold_key(text): t.code for t in terms for text in (t.code, t.vi, t.en)}
    out.update(extra)
    return out


RANKS = _aliases(
    RANK_TERMS,
    {
        "quoc gia dac biet": "special_national",
        "dac biet": "special_national",
        "quoc gia": "national",
        "cap tinh": "provincial",
        "tinh": "provincial",
        "di tich cap tinh": "provincial",
        "kiem ke": "inventoried",
        "di tich kiem ke": "inventoried",
        "chua xep hang": "inventoried",
    },
)
CATEGORIES = _aliases(CATEGORY_TERMS, {"lich su van hoa": "historical"})


def site_rank(text: str) -> str | None:
    return RANKS.get(fold_key(text))


def site_category(text: str) -> str | None:
    key = fold_key(text)
    return CATEGORIES.get(key) or CATEGORIES.get(re.sub(r"^di tich ", "", key))
