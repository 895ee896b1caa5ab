"""Database access: the async connection pool (opened in the app lifespan) and DSN resolution."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from .embedded_pg import locate
from .errors import ServiceUnavailable
from .settings import Settings

QUERY_WAIT_SECONDS = 5.0


def database_url(settings: Settings) -> str:
    """The external URL when configured, else the embedded cluster's socket DSN."""
    if settings.database_url:
        return settings.database_url
    return locate(settings.var_dir).dsn()


def sqlalchemy_url(dsn: str) -> str:
    """Alembic speaks SQLAlchemy: the same DSN through the psycopg 3 dialect."""
    for prefix in ("postgresql://", "postgres://"):
        if dsn.startswith(prefix):
            return "postgresql+psycopg://" + dsn[len(prefix) :]
    return dsn


def make_pool(settings: Settings) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        database_url(settings),
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        open=False,
        # A connection broken by a database restart is replaced instead of handed out.
        check=AsyncConnectionPool.check_connection,
        kwargs={"autocommit": True},
        name="heritage",
    )


@asynccontextmanager
async def connection(
    pool: AsyncConnectionPool, timeout: float = QUERY_WAIT_SECONDS
) -> AsyncIterator[psycopg.AsyncConnection]:
    """A pooled connection; an unreachable database becomes a 503 problem, not a 500."""
    try:
        async with pool.connection(timeout=timeout) as conn:
            yield conn
    except (PoolTimeout, psycopg.OperationalError) as exc:
        raise ServiceUnavailable("The database is not reachable right now; try again shortly.") from exc
