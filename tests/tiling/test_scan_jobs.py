"""Splats and COPC through the scan job like any scan: registered as `heritage scan add` does it,
tiled by a worker (burst, in this process) against the test PostGIS, published as a version."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import psycopg
from copc_writer import write_copc

from mapserver.jobs.defer import defer_tile_scan_sync
from mapserver.jobs.queue import ensure_schema
from mapserver.jobs.worker import run_worker
from mapserver.scans.register import ScanRequest, register_scan
from mapserver.store import make_store
from tests.conftest import make_settings
from tests.live_server import run_async_in_thread
from tiling.splats.readers import write_ply
from tiling.splats.spz import Splats


def test_splat_and_copc_scans_are_tiled_by_the_worker(module_dsn, tmp_path: Path) -> None:
    settings = make_settings(module_dsn, tmp_path / "var")
    ensure_schema(module_dsn)
    rng = np.random.default_rng(8)
    n = 3000
    splats = Splats(
        np.c_[rng.uniform(-3, 3, n), rng.uniform(-3, 3, n), rng.uniform(0, 3, n)],
        np.tile([0.0, 0.0, 0.0, 1.0], (n, 1)),
        np.full((n, 3), np.log(0.05)),
        np.full(n, 2.0),
        rng.normal(0, 1, (n, 3)),
    )
    write_ply(tmp_path / "chapel.ply", splats)
    xyz = np.c_[426900 + rng.uniform(-20, 20, n), 1144200 + rng.uniform(-20, 20, n), 15 + rng.uniform(0, 4, n)]
    write_copc(
        tmp_path / "yard.copc.laz",
        xyz,
        rng.integers(0, 256, (n, 3)).astype(np.uint8),
        rng.integers(0, 60000, n).astype(np.uint16),
        np.full(n, 2, np.uint8),
        epsg=5899,
        max_leaf=300,
    )
    requests = [
        ScanRequest(
            "bach-dinh", tmp_path / "chapel.ply", "chapel.ply", "test", crs="EPSG:5899", anchor=(426900, 1144200, 15)
        ),
        ScanRequest("bach-dinh", tmp_path / "yard.copc.laz", "yard.copc.laz", "test"),  # CRS from the file
    ]
    ids = []
    with psycopg.connect(module_dsn) as conn:
        for req in requests:
            ids.append(register_scan(conn, make_store(settings), req))
    for scan_id in ids:
        defer_tile_scan_sync(module_dsn, scan_id)
    run_async_in_thread(lambda: run_worker(settings, module_dsn, burst=True))
    with psycopg.connect(module_dsn) as conn:
        rows = conn.execute(
            "SELECT status, error, stats, tileset_version FROM scans WHERE id = ANY(%s) ORDER BY id", (ids,)
        ).fetchall()
    (s_status, s_error, s_stats, s_version), (c_status, c_error, c_stats, c_version) = rows
    assert s_status == "done", s_error
    assert s_stats["kind"] == "splat" and s_stats["splats"] == n and s_stats["compressed"]
    assert c_status == "done", c_error
    assert c_stats["kind"] == "pointcloud" and c_stats["points"] == n
    store = Path(settings.var_dir) / "store" / "tiles"
    splat_ts = json.loads((store / str(ids[0]) / f"v{s_version}" / "tileset.json").read_text())
    assert "KHR_gaussian_splatting" in splat_ts["extensions"]["3DTILES_content_gltf"]["extensionsRequired"]
    copc_meta = json.loads((store / str(ids[1]) / f"v{c_version}" / "scan.json").read_text())
    assert copc_meta["source_octree"] == "copc"
