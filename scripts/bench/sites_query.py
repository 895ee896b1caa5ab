"""Benchmark: /api/sites?bbox=…&limit=1000 through the app vs the same SQL through psycopg.

Loads 1,000,000 synthetic relic-like points spread over Vietnam into a scratch database of a
throw-away cluster (never var/pg), serves the app with uvicorn in a subprocess, then alternates
app request / plain-SQL query over the same bboxes and prints p50/p95 and the ratio.

    .venv/bin/python scripts/bench/sites_query.py [--points 1000000] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from mapserver.embedded_pg import cluster_at  # noqa: E402
from mapserver.migrate import ensure_database, upgrade  # noqa: E402
from mapserver.params import site_query_from  # noqa: E402
from mapserver.queries.sites import count_sql, page_sql  # noqa: E402

# Vietnam's mainland extent, roughly; the points are synthetic, not relics.
LON0, LON1, LAT0, LAT1 = 102.2, 109.4, 8.6, 23.4
LOAD_SQL = """
INSERT INTO sites (id, name_vi, rank, category, geom, location_status, location_source)
SELECT 'syn-' || g, 'Di tích tổng hợp số ' || g,
       (ARRAY['special_national','national','provincial','inventoried'])[1 + mod(g, 4)],
       (ARRAY['historical','scenic','archaeological'])[1 + mod(g, 3)],
       ST_SetSRID(ST_MakePoint(%(lon0)s + random() * %(dlon)s, %(lat0)s + random() * %(dlat)s), 4326),
       'approximate', 'synthetic benchmark point'
FROM generate_series(1, %(n)s) AS g
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bboxes(count: int, size: float = 0.5) -> list[str]:
    rng = random.Random(7)
    out = []
    for _ in range(count):
        lon = rng.uniform(LON0, LON1 - size)
        lat = rng.uniform(LAT0, LAT1 - size)
        out.append(f"{lon:.4f},{lat:.4f},{lon + size:.4f},{lat + size:.4f}")
    return out


def wait_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("app did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hrtg-bench-", dir="/tmp"))
    folder.chmod(0o755)
    cluster = cluster_at(folder)
    server = None
    try:
        cluster.init()
        cluster.start()
        dsn = cluster.dsn("bench")
        ensure_database(dsn)
        upgrade(dsn)
        started = time.perf_counter()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SELECT setseed(0.42)")
            conn.execute(LOAD_SQL, {"n": args.points, "lon0": LON0, "dlon": LON1 - LON0, "lat0": LAT0,
                                    "dlat": LAT1 - LAT0})
            conn.execute("ANALYZE sites")
        print(f"loaded {args.points:,} synthetic points in {time.perf_counter() - started:.1f} s")

        port = 18_765
        env = dict(os.environ, HERITAGE_DATABASE_URL=dsn)
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "mapserver.asgi:app", "--port", str(port),
             "--log-level", "warning"], cwd=ROOT, env=env)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                              headers={"Accept-Encoding": "identity"})
        wait_ready(client)

        boxes = bboxes(args.requests)
        app_ms: list[float] = []
        sql_ms: list[float] = []
        returned = []
        with psycopg.connect(dsn, autocommit=True) as conn:
            for i, bbox in enumerate(boxes[:20] + boxes):  # the first 20 warm both paths up
                query = site_query_from({"bbox": bbox, "limit": args.limit}, default_limit=100,
                                        max_limit=10_000)
                t0 = time.perf_counter()
                response = client.get("/api/sites", params={"bbox": bbox, "limit": args.limit})
                response.raise_for_status()
                body = response.content
                t1 = time.perf_counter()
                count_statement, count_params = count_sql(query)
                page_statement, page_params = page_sql(query)
                conn.execute(count_statement, count_params).fetchone()
                conn.execute(page_statement, page_params).fetchone()
                t2 = time.perf_counter()
                if i >= 20:
                    app_ms.append((t1 - t0) * 1000)
                    sql_ms.append((t2 - t1) * 1000)
                    returned.append(body.count(b'"type" : "Feature"'))
        gz = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        gz_ms = []
        for bbox in boxes[:50]:
            t0 = time.perf_counter()
            gz.get("/api/sites", params={"bbox": bbox, "limit": args.limit}).raise_for_status()
            gz_ms.append((time.perf_counter() - t0) * 1000)

        print(f"features per page: median {statistics.median(returned):.0f} (limit {args.limit})")
        print(f"{'':18}{'p50 ms':>10}{'p95 ms':>10}")
        print(f"{'app (HTTP)':18}{percentile(app_ms, .5):10.2f}{percentile(app_ms, .95):10.2f}")
        print(f"{'plain SQL':18}{percentile(sql_ms, .5):10.2f}{percentile(sql_ms, .95):10.2f}")
        print(f"{'app, gzip':18}{percentile(gz_ms, .5):10.2f}{percentile(gz_ms, .95):10.2f}")
        print(f"ratio app/SQL: p50 {percentile(app_ms, .5) / percentile(sql_ms, .5):.2f}x, "
              f"p95 {percentile(app_ms, .95) / percentile(sql_ms, .95):.2f}x "
              f"(goal: p95 <= 2x and app p95 < 50 ms)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
