"""The app with the portal's routers (until app.py includes them), a published image with real
IIIF size files in the store, and a located relic: what the portal tests and benchmark read."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
from PIL import Image

from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites
from mapserver.media.iiif_image import build_iiif
from tests.conftest import make_settings
from tests.e2e.data import sites_csv
from tests.live_server import LiveServer

MEDIA_SQL = (
    "INSERT INTO media_items (record_type, record_id, media_type, caption_vi, rights_holder, licence, state, "
    "version, facts, publication_status) VALUES ('site', %s, 'image', %s, 'Bảo tàng', 'CC-BY-4.0', 'done', 1, "
    "%s::jsonb, 'published') RETURNING id"
)


def portal_app(dsn: str, var: Path):
    from mapserver.app import create_app
    from mapserver.portal import app_shell, pages

    app = create_app(make_settings(dsn, var))
    paths = {getattr(r, "path", None) for r in app.routes}
    for router in (pages.router, app_shell.router):
        if not paths & {getattr(r, "path", None) for r in router.routes}:  # not wired in app.py yet
            app.include_router(router)
    return app


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 60)).save(out, "JPEG", quality=70)
    return out.getvalue()


def seed(dsn: str, var: Path) -> int:
    """Test relics with positions and one published image of a relic, its IIIF tree made by the
    real builder from a real JPEG; returns the image's id."""
    source = var / "photo.jpg"
    source.write_bytes(jpeg(1200, 900))
    staging = var / "iiif-build"
    facts = build_iiif(source, staging)
    with psycopg.connect(dsn) as conn:
        import_sites(conn, read_csv_text(sites_csv()), actor="test", source_name="portal.csv")
        media_id = conn.execute(MEDIA_SQL, ("t-vt1", "Đình Thắng Nhì, mặt tiền", json.dumps(facts))).fetchone()[0]
    folder = var / "store" / "media" / str(media_id) / "v1"
    folder.mkdir(parents=True)
    staging.rename(folder / "iiif")
    return media_id


def serve(dsn: str, var: Path):
    """The seeded portal app on a free loopback port, for a module fixture (``yield from``)."""
    seed(dsn, var)
    live = LiveServer(portal_app(dsn, var))
    live.start()
    yield live
    live.stop()
