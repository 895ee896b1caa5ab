"""`heritage serve` as a real child process on a free port for the front's tests, and the tiles
it serves: scans inserted in the test database with their files written to the store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from mapserver.settings import PROJECT_ROOT
from tests.live_server import free_port

READY_SECONDS = 120
SCAN_SQL = (
    "INSERT INTO scans (site_id, file_name, file_key, file_sha256, file_size, height_system, status, progress, "
    "tileset_version, created_by, review_status) "
    "VALUES (%s, 'front.las', 'front', '', 0, 'normal', 'done', 1, 1, 'test', %s) RETURNING id"
)


def add_scan(conn: psycopg.Connection, store: Path, site: str, review: str = "published", versions=(1,)) -> int:
    """A finished scan at version 1 (its files for every version in `versions` are in the store)."""
    scan_id = conn.execute(SCAN_SQL, (site, review)).fetchone()[0]
    for version in versions:
        folder = store / "tiles" / str(scan_id) / f"v{version}"
        (folder / "tiles").mkdir(parents=True)
        # Large enough to be worth gzipping (nginx skips bodies under 256 bytes).
        children = [{"geometricError": 0, "content": {"uri": f"tiles/{i}.pnts"}} for i in range(12)]
        tileset = {"asset": {"version": "1.1"}, "geometricError": 50, "root": {"children": children}}
        (folder / "tileset.json").write_text(json.dumps(tileset, indent=2))
        (folder / "tiles" / "0.pnts").write_bytes(bytes(range(256)) * 64)
    return scan_id


MEDIA_SQL = (
    "INSERT INTO media_items (record_type, record_id, media_type, rights_holder, licence, state, version, "
    "publication_status) VALUES ('site', %s, %s, 'test', 'CC-BY-4.0', 'done', 1, %s) RETURNING id"
)


def add_media(conn: psycopg.Connection, store: Path, site: str, media_type: str, status: str = "published") -> int:
    """A processed media item at version 1 with a derivative of its type in the store."""
    media_id = conn.execute(MEDIA_SQL, (site, media_type, status)).fetchone()[0]
    folder = store / "media" / str(media_id) / "v1"
    if media_type == "image":
        tile = folder / "iiif" / "full" / "90," / "0" / "default.jpg"
        tile.parent.mkdir(parents=True)
        tile.write_bytes(b"\xff\xd8\xff\xe0" + bytes(2000))
        (folder / "iiif" / "info.json").write_text('{"id": "placeholder"}')
    else:
        folder.mkdir(parents=True)
        (folder / "video.mp4").write_bytes(bytes(range(256)) * 40)
    return media_id


RASTER_SQL = (
    "INSERT INTO raster_layers (kind, file_name, file_key, file_sha256, file_size, height_system, status, "
    "progress, tiles_version, created_by, retired) VALUES (%s, 'r.tif', 'r', '', 0, %s, 'done', 1, 1, 'test', %s) "
    "RETURNING id"
)


def add_rasters(conn: psycopg.Connection, store: Path) -> dict[str, object]:
    """A built terrain (a gzipped tile), a retired one, an orthophoto layer and a basemap version
    whose 1/1/1 tile was not drawn (a plain fill tile at level 0 stands for it)."""
    import gzip

    ids = {}
    for name, kind, heights, retired in (
        ("terrain", "terrain", "normal", False),
        ("terrain_retired", "terrain", "normal", True),
        ("imagery", "imagery", None, False),
    ):
        ids[name] = conn.execute(RASTER_SQL, (kind, heights, retired)).fetchone()[0]
    for name in ("terrain", "terrain_retired"):
        folder = store / "terrain" / f"v{ids[name]}"
        (folder / "0" / "0").mkdir(parents=True)
        (folder / "layer.json").write_text(json.dumps({"tilejson": "2.1.0", "format": "quantized-mesh-1.0"}))
        (folder / "0" / "0" / "0.terrain").write_bytes(gzip.compress(bytes(range(256)) * 8))
    tile = store / "imagery" / str(ids["imagery"]) / "v1" / "0" / "0" / "0.png"
    tile.parent.mkdir(parents=True)
    tile.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(500))
    conn.execute("INSERT INTO basemaps (version, manifest) VALUES ('bm-test', '{}')")
    base = store / "basemap" / "bm-test"
    (base / "0" / "0").mkdir(parents=True)
    (base / "0" / "0" / "0.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    (base / "0" / "0" / "0.fill.png").write_bytes(b"\x89PNG\r\n\x1a\nfill")
    return ids


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    var: Path
    log: Path

    @property
    def access_log(self) -> Path:
        return self.var / "front" / "logs" / "access.log"

    def stop(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout)
        return self.process.returncode


def serve(dsn: str, var: Path, *options: str, env: dict | None = None) -> Served:
    port = free_port()
    log = var.parent / f"serve-{port}.log"
    environment = dict(os.environ, HERITAGE_DATABASE_URL=dsn, HERITAGE_VAR_DIR=str(var), **(env or {}))
    command = [sys.executable, "-m", "mapserver.cli", "serve", "--port", str(port), "--no-worker", *options]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    served = Served(process, f"http://127.0.0.1:{port}", var, log)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"heritage serve exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(served.url + "/healthz", timeout=2).status_code == 200:
                return served
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    served.stop()
    raise RuntimeError(f"heritage serve did not answer: {log.read_text()[-2000:]}")


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains `text` (nginx keeps its -c path in its process title)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def eventually(check, seconds: float = 10.0):
    """The first truthy value of `check()` within `seconds` (published links change asynchronously)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)
