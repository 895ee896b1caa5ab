"""The application factory: create_app(settings) wires settings, the pool (lifespan), routers and
the error model. Nothing is connected at import time."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from .api import account, boundary, health, ogc, planner, scans, site_edit, sites, stats, surveys, tiles, users, viewer
from .body_limit import BodyLimit
from .compression import GZipExceptTiles
from .db import database_url, make_pool
from .errors import install_error_handlers
from .jobs.defer import JobQueue
from .settings import Settings
from .store import make_store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        pool = make_pool(settings)
        # Do not wait: the app starts (and /healthz reports 503) even while the database is down.
        await pool.open(wait=False)
        app.state.pool = pool
        app.state.jobs = JobQueue(database_url(settings))
        app.state.store = make_store(settings)
        try:
            yield
        finally:
            await app.state.jobs.close()
            await pool.close()

    app = FastAPI(
        title="Bà Rịa–Vũng Tàu heritage map",
        version="0.1.0",
        description="Relic registry, spatial queries and 3D heritage data of Bà Rịa–Vũng Tàu "
                    "(Di sản văn hóa Bà Rịa–Vũng Tàu).",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(GZipExceptTiles, minimum_size=1024)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    for module in (health, sites, site_edit, boundary, surveys, scans, tiles, ogc, planner, stats, account,
                   users, viewer):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app
