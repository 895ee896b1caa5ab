"""`heritage backup DIR` and `heritage restore DIR [--force]`: the command functions (mounted in cli.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

from .backup import BackupError, Steps, make_backup, restore_backup
from .embedded_pg import ClusterError
from .runtime import database_up
from .settings import Settings
from .store import StoreError, make_store

console = Console(stderr=True)


@contextmanager
def _steps() -> Iterator[Steps]:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=False) as progress:
        yield Steps(progress)


def _where(settings: Settings) -> str:
    database = "external database" if settings.database_url else "embedded cluster"
    store = settings.store_url or str(settings.store_dir)
    return f"{database}, store {store}"


def backup_command(
    directory: Path = typer.Argument(..., file_okay=False, help="A new (or empty) folder for the backup."),
) -> None:
    """Back up the database (pg_dump) and the file store into DIR, with a manifest of checksums."""
    settings = Settings()
    try:
        with database_up(settings, migrate=False) as dsn, _steps() as steps:
            manifest = make_backup(dsn, make_store(settings), directory, steps)
    except (BackupError, ClusterError, StoreError, psycopg.OperationalError) as exc:
        console.print(f"[red]backup failed:[/red] {exc}")
        raise typer.Exit(1) from None
    counts = manifest["database"]["row_counts"]
    console.print(
        f"backed up {_where(settings)} into {directory}: {len(counts)} tables, {sum(counts.values())} rows, "
        f"{manifest['store']['objects']} store file(s), schema revision {manifest['database']['alembic_revision']}"
    )


def restore_command(
    directory: Path = typer.Argument(..., exists=True, file_okay=False, help="A folder made by `heritage backup`."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database and store that are not empty (every schema is dropped first)."
    ),
) -> None:
    """Restore a backup into an empty database and store, after checking every checksum."""
    settings = Settings()
    try:
        with database_up(settings, migrate=False) as dsn, _steps() as steps:
            manifest = restore_backup(dsn, make_store(settings), directory, force=force, steps=steps)
    except (BackupError, ClusterError, StoreError, psycopg.OperationalError) as exc:
        console.print(f"[red]restore refused or failed:[/red] {exc}")
        raise typer.Exit(1) from None
    counts = manifest["database"]["row_counts"]
    console.print(
        f"restored {directory} (made {manifest['created_at']} by version {manifest['app_version']}) into "
        f"{_where(settings)}: {len(counts)} tables and {sum(counts.values())} rows match the manifest, "
        f"{manifest['store']['objects']} store file(s); run `heritage db upgrade` if this version is newer"
    )
