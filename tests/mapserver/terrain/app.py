"""The app with the terrain package's routers, as app.py includes them (the unlocated-by-district
route before the relics' /api/sites/{id}, which would take the path for a relic id)."""

from __future__ import annotations


def with_terrain_routes(app):
    from mapserver.regions import unlocated
    from mapserver.terrain import routes

    before = len(app.router.routes)
    app.include_router(unlocated.router)
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[:0] = added
    app.include_router(routes.router)
    return app
