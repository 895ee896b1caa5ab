"""Schema management: create the database when we own the cluster, and run Alembic migrations."""

from __future__ import annotations

from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .db import sqlalchemy_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def ensure_database(dsn: str) -> bool:
    """Create the DSN's database if it is missing (embedded/test clusters); True when created."""
    params = conninfo_to_dict(dsn)
    dbname = params.get("dbname", "heritage")
    admin = make_conninfo(dsn, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(dbname)))
        return True


def alembic_config(dsn: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation treats % specially.
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(dsn).replace("%", "%%"))
    return cfg


def upgrade(dsn: str, revision: str = "head") -> None:
    """Our schema (Alembic), then the job queue's own tables (procrastinate's versioned SQL)."""
    from .jobs.queue import ensure_schema

    command.upgrade(alembic_config(dsn), revision)
    ensure_schema(dsn)


def current_revision(dsn: str) -> str | None:
    with psycopg.connect(dsn) as conn:
        has_table = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()[0]
        if not has_table:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
