"""The one CSV writer of the server (downloads, exports, survey points).

Spreadsheet programs run a text cell that starts with = + - @ (or a tab / carriage return) as a
formula; such cells get a leading apostrophe, which Excel and LibreOffice show as plain text.
Numbers stay numbers, also when already formatted as text ("-1.250", a height below the datum).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"  # Excel reads UTF-8 only with it


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[Any]], *, line_end: str = "\r\n") -> str:
    """Rows as CSV text, every text cell neutralised; quoting by the csv module."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
