"""What the command line prints about a rejected file: one table of its problems, row by row."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

MAX_ROWS_SHOWN = 500


def print_row_errors(console: Console, title: str, errors: Iterable, limit: int = MAX_ROWS_SHOWN) -> None:
    """``errors``: objects with row, column and reason (importer.values.RowError)."""
    report = Table("row", "column", "reason", title=title)
    for error in list(errors)[:limit]:
        report.add_row(str(error.row), error.column, error.reason)
    console.print(report)
