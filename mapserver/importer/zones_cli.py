"""`heritage import zones FILE --crs EPSG:5899`: the command function, mounted by mapserver.cli with
``import_app.command("zones")(import_zones_command)``."""

from __future__ import annotations

import getpass
from pathlib import Path

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from ..runtime import database_up
from ..settings import Settings
from .vector_files import VectorFileError
from .zones import ZonesRejected, import_zones

console = Console(stderr=True)


def import_zones_command(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="GeoJSON, GeoPackage, zipped Shapefile or DXF"
    ),
    crs: str = typer.Option(
        None,
        "--crs",
        help="CRS of the coordinates, e.g. EPSG:5899 (VN-2000 / TM-3 "
        "107-45) or EPSG:4326; needed when the file does not declare one (DXF)",
    ),
    site: str = typer.Option(None, "--site", help="Relic id for features without a site_id attribute"),
    zone: str = typer.Option(None, "--zone", help="I or II for features without a zone attribute"),
) -> None:
    """Import protection zones I/II of relics, all or nothing (any bad feature rejects the file)."""
    settings = Settings()
    with database_up(settings) as dsn, psycopg.connect(dsn) as conn:
        try:
            result = import_zones(
                conn,
                file,
                crs_text=crs,
                actor=f"cli:{getpass.getuser()}",
                default_site=site,
                default_zone=zone,
            )
        except VectorFileError as exc:
            console.print(f"[red]rejected:[/red] {exc}")
            raise typer.Exit(1) from None
        except ZonesRejected as exc:
            report = Table("feature", "reason", title=f"{file.name}: nothing imported")
            for number, reason in exc.errors:
                report.add_row(str(number), reason)
            console.print(report)
            console.print(f"inserted 0, rejected {len(exc.errors)} problem(s) in {exc.total} feature(s)")
            raise typer.Exit(1) from None
    console.print(f"inserted {result.inserted} zone(s) (read in {result.crs}), replaced {result.replaced}")
