"""Shared by the tour tests and the browser tests: the app with the media and tour routers (the
lead wires them into app.py; included here when it has not yet), and real panoramas made and
ingested like any upload."""

from __future__ import annotations

from pathlib import Path

import psycopg

from mapserver.tours.sample import draw_panorama

TEST_WIDTH = 1024  # small panoramas keep the tests fast; set-up draws 4096 × 2048


def tour_app(settings):
    from mapserver.app import create_app
    from mapserver.media import routes as media_routes
    from mapserver.media_viewers import vendor
    from mapserver.tours import editor, pages, routes

    app = create_app(settings)
    wired = {id(getattr(route, "original_router", None)) for route in app.routes}
    for router in (media_routes.router, routes.router, pages.router, editor.router, vendor.router):
        if id(router) not in wired:  # app.py does not include it (yet)
            app.include_router(router)
    return app


def panorama_file(folder: Path, name: str, colour: tuple[int, int, int], label: str, width: int = TEST_WIDTH) -> Path:
    path = folder / f"{name}.jpg"
    draw_panorama(colour, label, width=width).save(path, "JPEG", quality=85)
    return path


def add_media(dsn: str, settings, record: str, path: Path, *, media_type: str | None = "panorama", publish=True) -> int:
    from mapserver.media.register import add_media_file

    with psycopg.connect(dsn) as conn:
        media_id = add_media_file(
            conn,
            settings,
            record,
            path,
            rights_holder="Bảo tàng thử nghiệm",
            licence="CC-BY-4.0",
            actor="tour-tests",
            media_type=media_type,
            creator="Người chụp thử",
            caption_vi=f"Ảnh {path.stem}",
            caption_en=f"Picture {path.stem}",
            publish=publish,
            run_now=True,
        )
        conn.commit()
    return media_id
