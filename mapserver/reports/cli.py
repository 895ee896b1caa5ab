"""`heritage report annual --year 2026 --out DIR`: the yearly report (DOCX, PDF) and its figures (XLSX)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import typer
from rich.console import Console

from ..runtime import database_up
from ..settings import Settings
from ..stats import figures
from . import outline, render

report_app = typer.Typer(help="Reports of the digitization plan.", no_args_is_help=True)
console = Console(stderr=True)


def write_annual_report(conn: psycopg.Connection, year: int, out: Path, data_dir: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    f = figures.collect(conn, year, data_dir)
    blocks = outline.build(f, data_dir)
    stem = f"bao-cao-so-hoa-di-san-{year}"
    paths = [out / f"{stem}.docx", out / f"{stem}.pdf", out / f"so-lieu-so-hoa-di-san-{year}.xlsx"]
    render.write_docx(blocks, paths[0])
    render.write_pdf(blocks, paths[1])
    render.write_xlsx(f, paths[2])
    return paths


@report_app.command("annual")
def annual(
    year: int = typer.Option(date.today().year, min=2021, max=2030, help="The plan's year (2021–2030)."),
    out: Path = typer.Option(Path("."), file_okay=False, help="Folder to write the files into."),
) -> None:
    """Write the yearly report to the Ministry (DOCX and PDF, Vietnamese) and an XLSX of its figures."""
    settings = Settings()
    with database_up(settings) as dsn, psycopg.connect(dsn) as conn:
        paths = write_annual_report(conn, year, out, settings.data_dir)
    for path in paths:
        typer.echo(path)
    console.print("Sections III and IV (difficulties, proposals) are left for the staff to write.")
