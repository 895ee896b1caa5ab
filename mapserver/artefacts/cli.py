"""`heritage import artefacts FILE --museum ID [--publish]`, mounted by mapserver.cli."""

from __future__ import annotations

import getpass
from pathlib import Path

import psycopg
import typer
from rich.console import Console

from ..cli_output import print_row_errors
from ..importer.readers import ReadError
from ..importer.values import ImportRejected
from ..runtime import database_up
from ..settings import Settings
from .importer import import_artefacts

console = Console(stderr=True)


def import_artefacts_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="XLSX or CSV inventory book"),
    museum: str = typer.Option(..., "--museum", help="bao-tang-brvt, bao-tang-con-dao, bao-tang-robert-taylor …"),
    publish: bool = typer.Option(False, help="Publish at once (an editor's import); otherwise drafts for review."),
) -> None:
    """Import a museum's inventory book (sổ đăng ký hiện vật), all or nothing, upserted by number."""
    settings = Settings()
    with database_up(settings) as dsn, psycopg.connect(dsn) as conn:
        try:
            result = import_artefacts(conn, file, museum=museum, actor=f"cli:{getpass.getuser()}", publish=publish)
        except ReadError as exc:
            console.print(f"[red]rejected:[/red] {exc}")
            raise typer.Exit(1) from None
        except ImportRejected as exc:
            if print_row_errors(console, f"{file.name}: nothing imported", exc.errors, message=str(exc)):
                console.print(f"inserted 0, updated 0, rejected {len(exc.errors)} problem(s)")
            raise typer.Exit(1) from None
    if result.ignored_columns:
        console.print(f"columns not imported: {', '.join(result.ignored_columns)}")
    state = "published" if publish else "drafts for review"
    console.print(f"inserted {result.inserted}, updated {result.updated}, unchanged {result.unchanged} ({state})")
