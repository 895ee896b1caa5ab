"""Without nginx `heritage serve` says so and serves the bare app (as --dev does): a machine
without the front still runs the product, tiles included."""

from __future__ import annotations

import re

import httpx
import psycopg

from tests.mapserver.front.served import add_scan, serve


def test_serve_falls_back_to_the_bare_app_with_a_warning(module_dsn, tmp_path):
    var = tmp_path / "var"
    with psycopg.connect(module_dsn) as conn:
        scan_id = add_scan(conn, var / "store", "bach-dinh")
    served = serve(module_dsn, var, env={"HERITAGE_FRONT_NGINX": "none"})
    try:
        tile = httpx.get(f"{served.url}/tiles/{scan_id}/v1/tiles/0.pnts", timeout=30)
        assert tile.status_code == 200 and len(tile.content) == 256 * 64
        assert re.fullmatch(r'"[0-9a-f]{40}"', tile.headers["etag"])  # the app's own ETag, not nginx's
        assert tile.headers["cache-control"] == "public, max-age=31536000, immutable"
    finally:
        assert served.stop() == 0
    output = " ".join(served.log.read_text().split())  # rich wraps long lines
    assert "warning: nginx was not found" in output and "serving the bare app" in output
    assert not (var / "front").exists()
