"""The `heritage` command: database lifecycle, data import, serving, and the crs/tiling tools."""

from __future__ import annotations

import getpass
import logging
import sys
from pathlib import Path

import psycopg
import typer
from rich.console import Console

from .accounts.cli import users_app
from .artefacts.cli import import_artefacts_command
from .backup_cli import backup_command, restore_command
from .cli_output import print_row_errors
from .guide.cli import guide_app
from .importer.readers import ReadError, read_table
from .importer.sites import import_sites
from .importer.values import ImportRejected
from .importer.zones_cli import import_zones_command
from .media.cli import media_app
from .migrate import upgrade
from .partners.cli import partners_app
from .reports.cli import report_app
from .runtime import database_up, embedded_cluster, start_database, stop_database
from .seed import load_reference_data
from .settings import Settings
from .terrain.cli import basemap_app, imagery_app, terrain_app

app = typer.Typer(help="Bà Rịa–Vũng Tàu heritage map server.", no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="The database (embedded PostGIS cluster or HERITAGE_DATABASE_URL).", no_args_is_help=True)
import_app = typer.Typer(help="Import data files into the registry.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
import_app.command("zones")(import_zones_command)
import_app.command("artefacts")(import_artefacts_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
survey_app = typer.Typer(help="GNSS survey batches.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(survey_app, name="survey")
scan_app = typer.Typer(help="Laser scans and their 3D Tiles.", no_args_is_help=True)
app.add_typer(scan_app, name="scan")
app.add_typer(report_app, name="report")
app.add_typer(partners_app, name="partners")
app.add_typer(media_app, name="media")
app.add_typer(terrain_app, name="terrain")
app.add_typer(imagery_app, name="imagery")
app.add_typer(basemap_app, name="basemap")
app.add_typer(guide_app, name="guide")
console = Console(stderr=True)


def _mount_optional_tools() -> None:
    """crs/ and tiling/ bring their own sub-commands; they are plain libraries otherwise."""
    try:
        from crs.cli import app as crs_app
    except ImportError:
        crs_app = None
    if crs_app is not None:
        app.add_typer(crs_app, name="crs", help="VN-2000 / WGS 84 coordinate conversions.")
    try:
        from tiling import cli as tiling_cli
    except ImportError:
        tiling_cli = None
    if tiling_cli is not None:
        scan_app.command("tile")(tiling_cli.tile)
        scan_app.command("validate")(tiling_cli.validate)
    from .scans import cli as scan_cli

    scan_cli.register(scan_app)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@db_app.command("start")
def db_start() -> None:
    """Start the embedded cluster (creating it on first use)."""
    dsn, started = start_database(Settings())
    console.print(f"database {'started' if started else 'already running'}: {dsn}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded cluster."""
    stop_database(Settings())
    console.print("database stopped")


@db_app.command("status")
def db_status() -> None:
    """Say where the database is and whether it runs."""
    settings = Settings()
    cluster = embedded_cluster(settings)
    if cluster is None:
        console.print(f"external database: {settings.database_url}")
        return
    state = "running" if cluster.is_running() else "stopped"
    console.print(f"embedded cluster {state}: data {cluster.data_dir}, socket {cluster.socket_dir}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations."""
    settings = Settings()
    dsn, started = start_database(settings)
    try:
        upgrade(dsn)
        console.print("schema up to date")
    finally:
        if started:
            stop_database(settings)


@app.command("setup")
def setup(load_data: bool = typer.Option(True, help="Load the shipped reference data.")) -> None:
    """Create/start the database, migrate it and load the shipped data (idempotent)."""
    settings = Settings()
    dsn, _ = start_database(settings)
    console.print("[bold]migrating schema[/bold]")
    upgrade(dsn)
    if load_data:
        result = load_reference_data(dsn, settings.data_dir, actor=_actor())
        console.print(
            f"reference data: relics inserted {result.inserted}, already in the registry and kept as they are "
            f"{result.unchanged}"
        )
        _queue_demo(settings, dsn)
        _sample_media(settings, dsn)
        from .terrain.basemap import ensure_basemap

        _, what = ensure_basemap(settings, dsn)
        console.print(f"offline basemap: {what}")
    from .guides.build import build_guides

    guides = build_guides(settings)
    console.print(f"user guides: {guides.pages} pages, {len(guides.pdfs)} PDFs at /huong-dan/")


def _sample_media(settings: Settings, dsn: str) -> None:
    """The generated sample tour, then the guide's index and narration of everything published."""
    from .guide.jobs import refresh_now
    from .tours.sample import ensure_sample_tour

    if ensure_sample_tour(dsn, settings):
        console.print("sample tour: /tours/tham-quan-mau (3 generated rooms, labelled as a sample)")
    console.print("[bold]indexing published records for the virtual guide[/bold] (about a minute the first time)")
    result = refresh_now(settings)
    console.print(
        f"virtual guide: {result.indexed} records indexed, {result.unchanged} unchanged, {result.narrated} narrated"
    )


def _queue_demo(settings: Settings, dsn: str) -> None:
    from .jobs.defer import defer_tile_scan_sync
    from .scans.demo import ensure_demo_scans
    from .store import make_store

    with psycopg.connect(dsn) as conn:
        queued = ensure_demo_scans(conn, make_store(settings))
    for scan_id in queued:
        defer_tile_scan_sync(dsn, scan_id)
    if queued:
        console.print(f"sample monument: {len(queued)} tiling job(s) queued (the worker runs them)")


@import_app.command("sites")
def import_sites_command(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True)) -> None:
    """Upsert relics from CSV, GeoJSON or XLSX (Vietnamese or English headers), all or nothing."""
    settings = Settings()
    with database_up(settings) as dsn, psycopg.connect(dsn) as conn:
        try:
            table = read_table(file)
            result = import_sites(conn, table, actor=_actor(), source_name=file.name)
        except ReadError as exc:
            console.print(f"[red]rejected:[/red] {exc}")
            raise typer.Exit(1) from None
        except ImportRejected as exc:
            if print_row_errors(console, f"{file.name}: nothing imported", exc.errors, message=str(exc)):
                console.print(
                    f"inserted 0, updated 0, rejected {len(exc.errors)} problem(s) in {exc.total_rows} row(s)"
                )
            raise typer.Exit(1) from None
    console.print(f"inserted {result.inserted}, updated {result.updated}, unchanged {result.unchanged}, rejected 0")


@app.command("serve")
def serve(
    host: str = typer.Option(None, help="Listen address (default HERITAGE_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default HERITAGE_PORT or 8000)."),
    workers: int = typer.Option(None, min=1, help="App worker processes (default: one per core, 2-8; --dev: 1)."),
    dev: bool = typer.Option(False, "--dev", help="The bare app, no nginx front (tiles served by the app)."),
    reload: bool = typer.Option(False, help="With --dev: restart the app when its code changes."),
    keep_db: bool = typer.Option(False, help="Leave the embedded cluster running on exit."),
    worker: bool = typer.Option(True, help="Also run a tiling worker beside the server (restarted if it stops)."),
    access_log: bool = typer.Option(True, help="Log every request (the front: var/front/logs/access.log)."),
) -> None:
    """Serve the product: nginx in front (published tiles straight from the store, the app behind it
    for everything else), or with --dev the bare app. Ctrl-C or SIGTERM stops everything, the
    embedded cluster too."""
    from .front.serve import ServeOptions, serve_product

    settings = Settings()
    logging.basicConfig(level=logging.INFO)
    options = ServeOptions(
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        dev=dev or reload,
        reload=reload,
        keep_db=keep_db,
        access_log=access_log,
    )
    serve_product(settings, options, _supervised_worker(settings) if worker else None)


@survey_app.command("import")
def survey_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    site: str = typer.Option(..., help="Relic id the points belong to."),
    crs_code: str = typer.Option(..., "--crs", help="CRS of the coordinates, e.g. EPSG:5899 or EPSG:4326."),
    heights: str = typer.Option(None, help="normal (VN-2000, Hòn Dấu) or ellipsoidal (WGS 84)."),
    axis_order: str = typer.Option(None, help="For X/Y columns: north-east (X = northing) or east-north."),
    keep_valid: bool = typer.Option(False, help="Store the valid rows even if some rows fail."),
    set_position: str = typer.Option("none", help="none, mean or marker."),
    marker: str = typer.Option(None, help="Point id of the relic's marker (with --set-position marker)."),
) -> None:
    """Import GNSS points for a relic from CSV/GeoJSON, all or nothing, with a progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .store import make_store
    from .surveys.ingest import SurveyRejected, SurveyRequest, ingest

    settings = Settings()
    request = SurveyRequest(
        site_id=site,
        crs=crs_code,
        file_path=file,
        file_name=file.name,
        actor=_actor(),
        height_system=heights,
        axis_order=axis_order,
        keep_valid=keep_valid,
        set_position=set_position,
        marker=marker,
    )
    with (
        database_up(settings) as dsn,
        psycopg.connect(dsn) as conn,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
    ):
        task = progress.add_task(f"importing {file.name}", total=None)
        try:
            result = ingest(conn, make_store(settings), request, progress=lambda rows: progress.advance(task, rows))
        except SurveyRejected as exc:
            progress.stop()
            if print_row_errors(console, f"{file.name}: nothing stored", exc.errors, limit=200, message=str(exc)):
                console.print(f"[red]rejected:[/red] {exc}")
            raise typer.Exit(1) from None
    console.print(
        f"batch {result.batch_id}: {result.point_count:,} points stored, "
        f"{result.skipped_rows} rows skipped"
        + (f"; relic position set ({result.position['source']})" if result.position else "")
    )


@app.command("worker")
def worker_command(
    concurrency: int = typer.Option(1, help="Jobs run at once by this worker."),
    burst: bool = typer.Option(False, help="Exit when the queue is empty."),
) -> None:
    """Run background jobs (scan tiling). Any number of workers may run on any machines; a worker
    waits out a database restart and reconnects."""
    import asyncio

    from .jobs.backoff import Backoff
    from .jobs.worker import run_worker, wait_for_database

    settings = Settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    dsn, _ = start_database(settings)
    try:
        if not burst:
            wait_for_database(dsn, Backoff(cap=settings.worker_backoff_max_seconds))
        upgrade(dsn)
        asyncio.run(run_worker(settings, dsn, concurrency=concurrency, burst=burst))
    except KeyboardInterrupt:
        pass


def _supervised_worker(settings: Settings):
    """`heritage serve`'s tiling worker: this interpreter running `heritage worker`, kept running."""
    from .jobs.backoff import Backoff
    from .jobs.supervisor import Supervisor

    return Supervisor(
        [sys.executable, "-m", "mapserver.cli", "worker"], backoff=Backoff(cap=settings.worker_backoff_max_seconds)
    )


_mount_optional_tools()


if __name__ == "__main__":
    app()
