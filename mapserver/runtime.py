"""Bring the database up for a command: the embedded cluster when no external URL is set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .db import database_url
from .embedded_pg import Cluster, locate
from .migrate import ensure_database, upgrade
from .settings import Settings


def embedded_cluster(settings: Settings) -> Cluster | None:
    return None if settings.database_url else locate(settings.var_dir)


def start_database(settings: Settings) -> tuple[str, bool]:
    """Start the embedded cluster if it is ours and down; returns (dsn, started_here)."""
    cluster = embedded_cluster(settings)
    started = False
    if cluster is not None:
        cluster.init()
        started = not cluster.is_running()
        cluster.start()  # also moves a cluster made with `trust` to password auth, running or not
        ensure_database(cluster.dsn())
    return database_url(settings), started


def stop_database(settings: Settings) -> None:
    cluster = embedded_cluster(settings)
    if cluster is not None:
        cluster.stop()


@contextmanager
def database_up(settings: Settings, *, migrate: bool = True) -> Iterator[str]:
    """The DSN of a running, migrated database; an embedded cluster started here is stopped after."""
    dsn, started = start_database(settings)
    try:
        if migrate:
            upgrade(dsn)
        yield dsn
    finally:
        if started:
            stop_database(settings)
