"""The application factory: create_app(settings) wires settings, the pool (lifespan), per-app caches,
middleware, routers and the error model. Nothing is connected or cached at import time."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from .accounts import routes as accounts
from .artefacts import routes as artefacts
from .artisans.kind import ARTISAN
from .craft_villages.kind import CRAFT_VILLAGE
from .db import database_url, make_pool
from .documents.kind import DOCUMENT
from .errors import install_error_handlers
from .festivals import routes as festivals
from .guide import pages as guide_pages
from .guide import routes as guide_routes
from .guides import routes as guides
from .intangible.kind import ELEMENT
from .jobs.defer import JobQueue
from .lessons import pages as lesson_pages
from .lessons.kind import LESSON
from .media import routes as media
from .media_viewers import vendor as media_vendor
from .ogc import items as ogc_items  # noqa: F401  (registers the item routes on the OGC router)
from .ogc import routes as ogc
from .opendata import routes as opendata
from .partners import routes as partners
from .partners.middleware import PartnerKeys
from .planner import routes as planner
from .portal import app_shell as portal_shell
from .portal import pages as portal_pages
from .portal import sitemap
from .records import shared_routes as records
from .records import staff_pages
from .records.pages import all_page_routers
from .records.routes import record_router
from .regions import routes as regions
from .regions import unlocated
from .scans import routes as scans
from .settings import Settings
from .sites import pages as site_pages
from .sites import routes as sites
from .sites.kind import SITE
from .stats import routes as stats
from .store import make_store
from .surveys import pages as survey_pages
from .surveys import routes as surveys
from .system import routes as system
from .terrain import routes as terrain
from .tiles import routes as tiles
from .tiles.routes import PublishedVersions, TilesFirst
from .tours import editor as tour_editor
from .tours import pages as tour_pages
from .tours import routes as tours
from .viewer import routes as viewer
from .viewer.assets import ViewerAssets
from .web.body_limit import BodyLimit
from .web.compression import GZipExceptTiles
from .web.epoch_cache import EpochCache
from .web.openapi_errors import document_errors
from .web.pages import Pages
from .web.upload_guard import UploadGuard

# Kinds served by the shared record routes alone; relics keep their own API plus review and versions.
GENERIC_KINDS = (ELEMENT, ARTISAN, CRAFT_VILLAGE, DOCUMENT, LESSON)

ROUTERS = (
    system.router,
    unlocated.router,  # before sites.router: /api/sites/{site_id} would catch its path
    sites.router,
    regions.router,
    surveys.router,
    scans.router,
    tiles.router,
    ogc.router,
    planner.router,
    stats.router,
    accounts.router,
    accounts.api_router,
    survey_pages.router,
    site_pages.router,
    viewer.router,
    records.router,
    artefacts.router,
    artefacts.museums_router,
    festivals.feed_router,
    festivals.router,
    opendata.router,
    partners.router,
    sitemap.router,
    lesson_pages.router,
    media.router,
    media_vendor.router,
    tours.router,
    tour_pages.router,
    tour_editor.router,
    guide_routes.router,
    guide_pages.router,
    terrain.router,
    portal_pages.router,
    portal_shell.router,
    guides.router,
)


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
            checker = getattr(app.state, "password_checker", None)  # made on the first sign-in
            if checker is not None:
                checker.close()
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
    # Per-app caches and helpers: two apps in one process share nothing.
    app.state.pages = Pages()
    app.state.viewer_assets = ViewerAssets()
    app.state.published_tiles = PublishedVersions()
    app.state.ogc_extents = {}
    app.state.page_cache = EpochCache(settings.page_cache_mb * 1024**2) if settings.page_cache_mb else None
    install_error_handlers(app)
    app.add_middleware(GZipExceptTiles, minimum_size=1024)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(PartnerKeys)  # partner keys' rate limits, before any route reads the database
    # Added last = outermost: refuses uploads from their headers before any other layer reads a byte.
    app.add_middleware(UploadGuard)
    # Outermost of all: tiles are answered before any layer or route that has nothing to do for them.
    app.add_middleware(TilesFirst)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(record_router(SITE, crud=False))
    for kind in GENERIC_KINDS:
        app.include_router(record_router(kind))
    app.include_router(staff_pages.router)
    for router in all_page_routers():
        app.include_router(router)
    document_errors(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app
