"""`heritage scan add|status`: register scans and follow their tiling jobs."""

from __future__ import annotations

from pathlib import Path

import psycopg
import typer
from rich.console import Console

from ..runtime import database_up
from ..settings import Settings

console = Console(stderr=True)


def _actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def register(scan_app: typer.Typer) -> None:
    scan_app.command("add")(scan_add)
    scan_app.command("status")(scan_status)


def scan_add(
    site: str = typer.Argument(..., help="Relic id."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    crs_code: str = typer.Option(None, "--crs", help="CRS of the coordinates (LAS may carry its own)."),
    heights: str = typer.Option("normal", help="normal (VN-2000, Hòn Dấu) or ellipsoidal (WGS 84)."),
    anchor: str = typer.Option(None, help="E,N,H of the local origin for local-frame scans."),
    heading: float = typer.Option(0.0, help="Degrees clockwise from grid north to the scan's +y."),
    label: str = typer.Option(None, help="A caption shown with the model."),
    compress: bool = typer.Option(True, help="Compress the tiles (meshes: Draco, point clouds: meshopt, splats: SPZ)."),
) -> None:
    """Register a scan and queue its tiling job; prints the scan id."""
    from ..jobs.defer import defer_tile_scan_sync
    from ..store import make_store
    from .register import ScanRejected, ScanRequest, parse_anchor, register_scan

    settings = Settings()
    with database_up(settings) as dsn, psycopg.connect(dsn) as conn:
        try:
            request = ScanRequest(
                site_id=site,
                file_path=file,
                file_name=file.name,
                actor=_actor(),
                crs=crs_code,
                heights=heights,
                anchor=parse_anchor(anchor),
                heading=heading,
                label=label,
                compress=compress,
            )
            scan_id = register_scan(conn, make_store(settings), request)
        except ScanRejected as exc:
            console.print(f"[red]rejected:[/red] {exc}")
            raise typer.Exit(1) from None
        defer_tile_scan_sync(dsn, scan_id)
    console.print(f"scan {scan_id} queued; follow it with: heritage scan status {scan_id}")
    print(scan_id)


def scan_status(scan_id: int) -> None:
    """Show a scan's tiling status and progress."""
    settings = Settings()
    with database_up(settings, migrate=False) as dsn, psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT status, round(progress::numeric * 100), stage, error, tileset_version FROM scans WHERE id = %s",
            (scan_id,),
        ).fetchone()
    if row is None:
        console.print(f"no scan {scan_id}")
        raise typer.Exit(1)
    status, percent, stage, error, version = row
    console.print(
        f"scan {scan_id}: {status} {percent}% ({stage or '-'})"
        + (f" error: {error}" if error else "")
        + (f" tileset: /tiles/{scan_id}/v{version}/tileset.json" if version else "")
    )
