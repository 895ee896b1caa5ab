"""`heritage terrain add|status|list`, `heritage imagery add`, `heritage basemap build`.

    heritage terrain add DEM.tif [--crs EPSG:5899] [--heights normal|ellipsoidal] [--now]
    heritage imagery add ORTHO.tif [--crs EPSG:5899] [--now]

A raster is stored and its build is queued for the worker (``heritage serve`` runs one); ``--now``
builds it here instead, with a progress bar.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..runtime import database_up
from ..settings import Settings

console = Console(stderr=True)
terrain_app = typer.Typer(help="Terrain (DEMs) of the 3D map.", no_args_is_help=True)
imagery_app = typer.Typer(help="Orthophoto imagery of the 3D map.", no_args_is_help=True)
basemap_app = typer.Typer(help="The offline basemap (shorelines, province border, place names).", no_args_is_help=True)

FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="GeoTIFF / COG")
CRS = typer.Option(None, "--crs", help="CRS of the raster, e.g. EPSG:5899 (default: the file's own).")
LABEL = typer.Option(None, help="A name shown with the layer.")
NOW = typer.Option(False, "--now", help="Build here and now (with progress) instead of queueing for the worker.")


def _add(kind: str, file: Path, crs_code: str | None, heights: str | None, label: str | None, now: bool) -> None:
    from ..store import make_store
    from .jobs import defer_build_sync, run_build
    from .service import RasterRejected, RasterRequest, register_raster

    settings = Settings()
    with database_up(settings) as dsn, psycopg.connect(dsn) as conn:
        request = RasterRequest(
            kind=kind,
            file_path=file,
            file_name=file.name,
            actor=f"cli:{getpass.getuser()}",
            crs=crs_code,
            heights=heights,
            label=label,
        )
        try:
            layer_id = register_raster(conn, make_store(settings), request)
        except RasterRejected as exc:
            console.print(f"[red]rejected:[/red] {exc}")
            raise typer.Exit(1) from None
        if not now:
            defer_build_sync(dsn, layer_id)
            console.print(f"{kind} layer {layer_id} queued; follow it with: heritage terrain status {layer_id}")
            print(layer_id)
            return
        columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"))
        with Progress(*columns, TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task(f"building {file.name}", total=1.0)
            run_build(settings, layer_id, progress=lambda f, stage: bar.update(task, completed=f, description=stage))
    _print_status(layer_id)
    print(layer_id)


@terrain_app.command("add")
def terrain_add(
    file: Path = FILE,
    crs_code: str = CRS,
    heights: str = typer.Option("normal", help="normal (VN-2000, Hòn Dấu; converted with EGM96) or ellipsoidal."),
    label: str = LABEL,
    now: bool = NOW,
) -> None:
    """Add a DEM; the map's terrain is rebuilt from every DEM (the finest wins where they overlap)."""
    _add("terrain", file, crs_code, heights, label, now)


@imagery_app.command("add")
def imagery_add(file: Path = FILE, crs_code: str = CRS, label: str = LABEL, now: bool = NOW) -> None:
    """Add an orthophoto (8-bit RGB/RGBA GeoTIFF); it is tiled and shown above the basemap."""
    _add("imagery", file, crs_code, None, label, now)


def _print_status(layer_id: int) -> None:
    from .queries import STATUS

    settings = Settings()
    with database_up(settings, migrate=False) as dsn, psycopg.connect(dsn) as conn:
        row = conn.execute(STATUS, (layer_id,)).fetchone()
    if row is None:
        console.print(f"no raster layer {layer_id}")
        raise typer.Exit(1)
    kind, status, percent, stage, error, version = row
    url = None
    if version is not None:
        url = f"/terrain/v{version}/layer.json" if kind == "terrain" else f"/imagery/{layer_id}/v{version}/"
    console.print(
        f"{kind} layer {layer_id}: {status} {percent}% ({stage or '-'})"
        + (f" error: {error}" if error else "")
        + (f" published at {url}" if url else "")
    )


@terrain_app.command("status")
def terrain_status(layer_id: int) -> None:
    """Show a terrain or imagery layer's build status."""
    _print_status(layer_id)


@terrain_app.command("list")
def terrain_list() -> None:
    """List every terrain and imagery layer."""
    from .queries import LISTING

    settings = Settings()
    with database_up(settings, migrate=False) as dsn, psycopg.connect(dsn) as conn:
        rows = conn.execute(LISTING).fetchall()
    for layer_id, kind, status, name, version in rows:
        console.print(f"{layer_id:>4}  {kind:<8} {status:<8} v{version or '-':<4} {name}")


@basemap_app.command("build")
def basemap_build(max_level: int = typer.Option(15, help="Deepest level (15 ≈ 2.4 m per pixel, 16 ≈ 1.2 m).")) -> None:
    """Render the offline basemap (done by `heritage setup`; again only when an input changed)."""
    from .basemap import ensure_basemap

    settings = Settings()
    with database_up(settings) as dsn:
        version, what = ensure_basemap(settings, dsn, max_level=max_level)
    console.print(f"basemap {version or '-'}: {what}")


# The layers share one table: an orthophoto's build is followed like a DEM's.
imagery_app.command("status")(terrain_status)
imagery_app.command("list")(terrain_list)
