"""What the command line prints about a rejected file: one table of its problems, row by row, and
problems of the whole file (an unknown relic or museum, a wrong CRS) as sentences, never as an
empty table or as a "row 0"."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

MAX_ROWS_SHOWN = 500


def print_row_errors(
    console: Console, title: str, errors: Iterable, limit: int = MAX_ROWS_SHOWN, *, message: str | None = None
) -> int:
    """``errors``: objects with row, column and reason (importer.values.RowError); a row below 1
    means the whole file (RowError(0, "museum", …)). ``message``: the rejection's own sentence,
    printed when no row is to blame. Returns the number of row problems (0: the file as a whole
    was refused, and a per-row summary would say nothing)."""
    errors = list(errors)
    rows = [e for e in errors if e.row >= 1]
    if rows:
        report = Table("row", "column", "reason", title=title)
        for error in rows[:limit]:
            report.add_row(str(error.row), error.column, error.reason)
        console.print(report)
    sentences = [e.reason for e in errors if e.row < 1]
    if not rows and not sentences and message:
        sentences = [message]
    for sentence in sentences:
        console.print(f"[red]rejected:[/red] {escape(title)}: {escape(sentence)}")
    return len(rows)
