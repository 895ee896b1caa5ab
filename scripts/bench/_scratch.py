"""Shared scaffolding of the benchmarks: a throw-away PostGIS cluster (never var/pg), the app in a
uvicorn subprocess, and percentiles. Each benchmark measures its own thing on top of these."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mapserver.embedded_pg import cluster_at  # noqa: E402
from mapserver.migrate import ensure_database, upgrade  # noqa: E402
from mapserver.seed import load_reference_data  # noqa: E402
from tests.live_server import free_port  # noqa: E402

# Vietnam's mainland extent, roughly: where synthetic benchmark points are spread.
VIETNAM = (102.2, 8.6, 109.4, 23.4)
SYNTHETIC_SITES_SQL = """
INSERT INTO sites (id, name_vi, rank, category, geom, location_status, location_source)
SELECT 'syn-' || g, 'Di tích tổng hợp số ' || g,
       (ARRAY['special_national','national','provincial','inventoried'])[1 + mod(g, 4)],
       (ARRAY['historical','scenic','archaeological'])[1 + mod(g, 3)],
       ST_SetSRID(ST_MakePoint(%(lon0)s + random() * %(dlon)s, %(lat0)s + random() * %(dlat)s), 4326),
       'approximate', 'synthetic benchmark point'
FROM generate_series(1, %(n)s) AS g
"""


@contextmanager
def scratch_database(*, seed: bool = False) -> Iterator[tuple[str, Path]]:
    """(dsn, folder) of a migrated database in a fresh cluster, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="hrtg-bench-", dir="/tmp"))
    folder.chmod(0o755)
    cluster = cluster_at(folder / "pg")
    try:
        cluster.init()
        cluster.start()
        dsn = cluster.dsn("bench")
        ensure_database(dsn)
        upgrade(dsn)
        if seed:
            load_reference_data(dsn, ROOT / "data")
        yield dsn, folder
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def load_synthetic_sites(conn, count: int) -> float:
    """Insert `count` random relic-like points over Vietnam (deterministic); returns seconds."""
    started = time.perf_counter()
    lon0, lat0, lon1, lat1 = VIETNAM
    conn.execute("SELECT setseed(0.42)")
    conn.execute(
        SYNTHETIC_SITES_SQL, {"n": count, "lon0": lon0, "dlon": lon1 - lon0, "lat0": lat0, "dlat": lat1 - lat0}
    )
    conn.execute("ANALYZE sites")
    return time.perf_counter() - started


@contextmanager
def app_process(dsn: str, var_dir: Path) -> Iterator[str]:
    """The app served by uvicorn in its own process; yields its base URL once /healthz answers."""
    port = free_port()
    env = dict(os.environ, HERITAGE_DATABASE_URL=dsn, HERITAGE_VAR_DIR=str(var_dir))
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "mapserver.asgi:app", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + "/healthz")
        yield url
    finally:
        server.terminate()
        server.wait(10)


def wait_ready(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def random_boxes(count: int, size: float = 0.5) -> list[tuple[float, float, float, float]]:
    """The same `count` boxes of `size` degrees over Vietnam in every run (fixed seed)."""
    rng = random.Random(7)
    lon0, lat0, lon1, lat1 = VIETNAM
    out = []
    for _ in range(count):
        lon = rng.uniform(lon0, lon1 - size)
        lat = rng.uniform(lat0, lat1 - size)
        out.append((round(lon, 4), round(lat, 4), round(lon + size, 4), round(lat + size, 4)))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def wrk_script(paths: list[str]) -> str:
    """A wrk Lua script that requests the paths in turn (a bounded load over many URLs). Each wrk
    thread starts at its own place in the list (half of it apart for two threads), so that two
    threads do not ask for the same path a moment apart."""
    quoted = ", ".join(f'"{p}"' for p in paths)
    return (
        f"local paths = {{{quoted}}}\nlocal threads = 0\n"
        "setup = function(thread)\n  thread:set('start', threads * math.floor(#paths / 2))\n"
        "  threads = threads + 1\nend\n"
        "local i = nil\nrequest = function()\n  i = (i or start or 0) + 1\n"
        '  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n'
    )
