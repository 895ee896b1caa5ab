"""A scan too big for one worker: split into parts tiled by three real worker processes
(`heritage worker`, against the test PostGIS, sharing the store under one var/ folder), merged
into one tileset — the same tileset, tile for tile and point for point, as one worker tiling the
scan whole with the same octree parameters.

The thresholds are lowered through the workers' environment so that a 60 000-point cloud is
"big": fan-out from 30 000 points, parts of at most 12 000 points.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest
from test_pointcloud import write_las

from mapserver.jobs.defer import defer_tile_scan_sync
from mapserver.jobs.queue import ensure_schema
from mapserver.scans.register import ScanRequest, register_scan
from mapserver.settings import PROJECT_ROOT
from mapserver.store import make_store
from tests.conftest import make_settings
from tiling import tile_scan
from tiling.pointcloud.octree import OctreeParams

POINTS = 60_000
PART_POINTS = 12_000
WORKERS = 3
DEADLINE_S = 120


def cloud(n: int = POINTS):
    rng = np.random.default_rng(17)
    xyz = np.c_[426900 + rng.uniform(-60, 60, n), 1144200 + rng.uniform(-60, 60, n), 15 + rng.uniform(0, 12, n)]
    rgb = rng.integers(0, 256, (n, 3)).astype(np.uint8)
    return xyz, rgb, rng.integers(0, 65535, n).astype(np.uint16), np.full(n, 2, np.uint8)


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every tile (glb) under a tileset folder."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((folder / "tiles").glob("*.glb"))}


@pytest.fixture
def workers(module_dsn, tmp_path):
    """Three `heritage worker` processes on the test database and one var/ folder."""
    settings = make_settings(module_dsn, tmp_path / "var")
    ensure_schema(module_dsn)
    env = dict(
        os.environ,
        HERITAGE_DATABASE_URL=module_dsn,
        HERITAGE_VAR_DIR=str(settings.var_dir),
        HERITAGE_TILING_FANOUT_POINTS="30000",
        HERITAGE_TILING_PART_POINTS=str(PART_POINTS),
    )
    logs = [tmp_path / f"worker-{i}.log" for i in range(WORKERS)]
    procs = []
    for log in logs:
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "mapserver.cli", "worker"],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    # ready: each worker has registered itself (its heartbeat row) before any job is queued
    deadline = time.monotonic() + DEADLINE_S
    while True:
        with psycopg.connect(module_dsn) as conn:
            beating = conn.execute(
                "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - interval '15 seconds'"
            ).fetchone()[0]
        if beating >= WORKERS:
            break
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [x.read_text() for x in logs]
        time.sleep(0.3)
    yield settings, procs, logs
    # only the processes started here; a second SIGTERM ends a worker still busy with another
    # module's periodic job at once (its job goes back to the queue)
    for _ in range(2):
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(p.poll() is None for p in procs):
            time.sleep(0.1)
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


def test_three_workers_tile_the_parts_of_one_scan(workers, tmp_path):
    settings, procs, logs = workers
    xyz, rgb, inten, cls = cloud()
    las = tmp_path / "big.las"
    write_las(las, xyz, rgb, inten, cls)
    with psycopg.connect(settings.database_url) as conn:
        scan_id = register_scan(
            conn,
            make_store(settings),
            ScanRequest(site_id="bach-dinh", file_path=las, file_name=las.name, actor="test", crs="EPSG:5899"),
        )
    defer_tile_scan_sync(settings.database_url, scan_id)
    deadline = time.monotonic() + DEADLINE_S
    while True:
        with psycopg.connect(settings.database_url) as conn:
            status, stats, version, error = conn.execute(
                "SELECT status, stats, tileset_version, error FROM scans WHERE id = %s", (scan_id,)
            ).fetchone()
        if status in ("done", "failed"):
            break
        alive = [p.poll() is None for p in procs]
        assert all(alive) and time.monotonic() < deadline, (status, stats, [log.read_text()[-2000:] for log in logs])
        time.sleep(0.5)
    assert status == "done", (error, [log.read_text()[-3000:] for log in logs])
    fan = stats["fanout"]
    assert fan["parts"] >= POINTS // PART_POINTS and len(fan["workers"]) >= 2, fan  # shared out for real
    assert set(fan["workers"]) <= {p.pid for p in procs}
    assert stats["points"] == POINTS
    print(f"\n[fanout] {fan['parts']} parts built by {len(fan['workers'])} of {WORKERS} workers")

    published = Path(settings.var_dir) / "store" / "tiles" / str(scan_id) / f"v{version}"  # the local store
    alone = tmp_path / "alone"
    tile_scan(las, alone, src_crs=5899, octree=OctreeParams(bucket=PART_POINTS))
    # the same tiles, byte for byte (so the same points in each), and the same tree
    mine, theirs = digest(published), digest(alone)
    assert len(mine) > fan["parts"] and mine == theirs
    a = json.loads((published / "tileset.json").read_text())
    b = json.loads((alone / "tileset.json").read_text())
    a["extras"].pop("parts")
    assert a == b
    meta = json.loads((published / "scan.json").read_text())
    assert meta["parts"] == fan["parts"] and meta["points"] == POINTS
