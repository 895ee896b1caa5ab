"""`heritage partners …`: issue, list (with usage) and revoke the API keys of partner systems."""

from __future__ import annotations

import getpass

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from ..runtime import database_up
from ..settings import Settings
from . import service

partners_app = typer.Typer(help="API keys of partner systems: rate limits and usage.", no_args_is_help=True)
console = Console(stderr=True)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@partners_app.command("add")
def add(
    name: str = typer.Argument(..., help="The partner system, e.g. 'so-du-lich'."),
    per_minute: int = typer.Option(service.DEFAULT_PER_MINUTE, help="Requests allowed per minute."),
    contact: str = typer.Option(None, help="Who to call about this key."),
) -> None:
    """Issue a key; it is printed once (send it to the partner; it is not kept)."""
    with database_up(Settings()) as dsn, psycopg.connect(dsn) as conn:
        try:
            key = service.issue(conn, name, contact, per_minute, _actor())
        except service.PartnerError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    typer.echo(key)
    console.print(f"Key of '{name}' ({per_minute}/min): send it as the X-API-Key header. It is not shown again.")


@partners_app.command("list")
def list_keys() -> None:
    """Partners with their limits and usage (today and the last 30 days, UTC days)."""
    with database_up(Settings()) as dsn, psycopg.connect(dsn) as conn:
        rows = service.usage(conn)
    Console().print(_table(rows))


def _table(rows: list[dict]) -> Table:
    table = Table("partner", "per minute", "today", "30 days", "refused (30 d)", "last used", "state")
    for r in rows:
        last = r["last_used_at"].strftime("%Y-%m-%d %H:%M") if r["last_used_at"] else "—"
        table.add_row(
            r["name"],
            str(r["per_minute"]),
            str(r["today"]),
            str(r["last_30_days"]),
            str(r["refused_30_days"]),
            last,
            "revoked" if r["revoked_at"] else "live",
        )
    return table


@partners_app.command("revoke")
def revoke(name: str = typer.Argument(..., help="The partner whose key stops working now.")) -> None:
    with database_up(Settings()) as dsn, psycopg.connect(dsn) as conn:
        try:
            service.revoke(conn, name, _actor())
        except service.PartnerError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    console.print(f"The key of '{name}' is revoked.")
