"""The application factory: create_app(settings) wires settings, the pool (lifespan), routers and
the error model. Nothing is connected at import time."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from pathlib import Path

from starlette.staticfiles import StaticFiles

from .api import account, boundary, health, sites, surveys, users
from .db import make_pool
from .errors import install_error_handlers
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        pool = make_pool(settings)
        # Do not wait: the app starts (and /healthz reports 503) even while the database is down.
        await pool.open(wait=False)
        app.state.pool = pool
        try:
            yield
        finally:
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
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    for module in (health, sites, boundary, surveys, account, users):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app
