"""`heritage users …`: create accounts, list and revoke their tokens, disable and enable them.
Mounted by mapserver.cli: ``app.add_typer(users_app, name="users")``."""

from __future__ import annotations

import getpass
import sys

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from ..runtime import database_up
from ..settings import Settings
from . import service

users_app = typer.Typer(help="Accounts: surveyors, editors, admins.", no_args_is_help=True)
console = Console(stderr=True)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z") if value else "—"


def _unknown(exc: service.UnknownUser) -> typer.Exit:
    console.print(f"[red]{exc}[/red]")
    return typer.Exit(1)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="Login name (letters, digits, . _ @ -)."),
    role: str = typer.Option(..., help="surveyor, editor or admin."),
    password_stdin: bool = typer.Option(False, help="Read a password for the sign-in page from stdin."),
) -> None:
    """Create a user and print its API token once (it is stored hashed); it expires after
    HERITAGE_API_TOKEN_DAYS days (365 unless set)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    settings = Settings()
    with database_up(settings) as dsn, psycopg.connect(dsn) as conn:
        try:
            account = service.create_account(
                conn, name, role, password, token_days=settings.api_token_days, actor=_actor()
            )
        except (ValueError, psycopg.errors.UniqueViolation, psycopg.errors.CheckViolation) as exc:
            message = "that name is taken or invalid" if isinstance(exc, psycopg.Error) else str(exc)
            console.print(f"[red]not created:[/red] {message}")
            raise typer.Exit(1) from None
    console.print(f"user {name} ({role}) created; API token {account.token_id} expires {_when(account.expires_at)}")
    console.print("API token (shown once):")
    print(account.token)


@users_app.command("tokens")
def users_tokens(name: str = typer.Argument(..., help="Login name.")) -> None:
    """List the user's API tokens and browser sessions: id, kind, created, last used, expires."""
    with database_up(Settings()) as dsn, psycopg.connect(dsn) as conn:
        try:
            rows = service.tokens_of(conn, name)
        except service.UnknownUser as exc:
            raise _unknown(exc) from None
    table = Table("id", "kind", "label", "created", "last used", "expires")
    for token_id, kind, label, created, used, expires in rows:
        table.add_row(str(token_id), kind, label or "", _when(created), _when(used), _when(expires))
    Console(width=120).print(table)


@users_app.command("revoke")
def users_revoke(
    name: str = typer.Argument(..., help="Login name."),
    token_id: int = typer.Option(None, "--token-id", help="Only this token (see `users tokens`); default: all."),
) -> None:
    """Revoke the user's tokens and sessions (all, or one with --token-id): they stop working now."""
    with database_up(Settings()) as dsn, psycopg.connect(dsn) as conn:
        try:
            gone = service.revoke(conn, name, token_id, _actor())
        except service.UnknownUser as exc:
            raise _unknown(exc) from None
    if token_id is not None and not gone:
        console.print(f"[red]user {name} has no token {token_id}[/red]")
        raise typer.Exit(1)
    print(f"revoked {len(gone)} token(s) of {name}" + (f": {', '.join(map(str, gone))}" if gone else ""))


@users_app.command("disable")
def users_disable(name: str = typer.Argument(..., help="Login name.")) -> None:
    """Disable a user: sign-in and every token are refused (401), browser sessions end."""
    _set_disabled(name, True)


@users_app.command("enable")
def users_enable(name: str = typer.Argument(..., help="Login name.")) -> None:
    """Enable a disabled user again (their unexpired API tokens work again)."""
    _set_disabled(name, False)


def _set_disabled(name: str, disabled: bool) -> None:
    with database_up(Settings()) as dsn, psycopg.connect(dsn) as conn:
        try:
            service.set_disabled(conn, name, disabled, _actor())
        except service.UnknownUser as exc:
            raise _unknown(exc) from None
    print(f"user {name} {'disabled' if disabled else 'enabled'}")
