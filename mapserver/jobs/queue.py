"""The procrastinate app: binding the task blueprint to a database, and its schema."""

from __future__ import annotations

import procrastinate
import psycopg
from procrastinate import PsycopgConnector

from .tasks import build_blueprint

NAMESPACE = "heritage"
TILE_SCAN = f"{NAMESPACE}:tile_scan"
INGEST_MEDIA = f"{NAMESPACE}:ingest_media"
BUILD_LESSON_FILES = f"{NAMESPACE}:build_lesson_files"


def make_app(dsn: str) -> procrastinate.App:
    app = procrastinate.App(connector=PsycopgConnector(conninfo=dsn))
    app.add_tasks_from(build_blueprint(), namespace=NAMESPACE)
    return app


def ensure_schema(dsn: str) -> bool:
    """Install procrastinate's tables once (its own versioned SQL); True when installed now."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        present = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()[0]
        if present:
            return False
        schema_sql = procrastinate.App(connector=PsycopgConnector(conninfo=dsn)).schema_manager.get_schema()
        conn.execute(schema_sql)
        return True
