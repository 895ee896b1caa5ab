"""Benchmark: /api/sites?bbox=…&limit=1000 through the app vs the same SQL through psycopg.

Loads 1,000,000 synthetic relic-like points spread over Vietnam into a scratch database of a
throw-away cluster (never var/pg), serves the app with uvicorn in a subprocess, then alternates
app request / plain-SQL query over the same bboxes and prints p50/p95 and the ratio.

    .venv/bin/python scripts/bench/sites_query.py [--points 1000000] [--requests 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx
import psycopg
from _scratch import app_process, load_synthetic_sites, percentile, random_boxes, scratch_database

from mapserver.sites.params import site_query_from
from mapserver.sites.queries import count_sql, page_sql


def bboxes(count: int) -> list[str]:
    return [",".join(f"{v:.4f}" for v in box) for box in random_boxes(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()

    with scratch_database() as (dsn, folder):
        with psycopg.connect(dsn, autocommit=True) as conn:
            seconds = load_synthetic_sites(conn, args.points)
        print(f"loaded {args.points:,} synthetic points in {seconds:.1f} s")
        with app_process(dsn, folder / "var") as url:
            client = httpx.Client(base_url=url, timeout=60, headers={"Accept-Encoding": "identity"})
            boxes = bboxes(args.requests)
            app_ms: list[float] = []
            sql_ms: list[float] = []
            returned = []
            with psycopg.connect(dsn, autocommit=True) as conn:
                for i, bbox in enumerate(boxes[:20] + boxes):  # the first 20 warm both paths up
                    query = site_query_from({"bbox": bbox, "limit": args.limit}, default_limit=100, max_limit=10_000)
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
            gz = httpx.Client(base_url=url, timeout=60)
            gz_ms = []
            for bbox in boxes[:50]:
                t0 = time.perf_counter()
                gz.get("/api/sites", params={"bbox": bbox, "limit": args.limit}).raise_for_status()
                gz_ms.append((time.perf_counter() - t0) * 1000)

    print(f"features per page: median {statistics.median(returned):.0f} (limit {args.limit})")
    print(f"{'':18}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'app (HTTP)':18}{percentile(app_ms, 0.5):10.2f}{percentile(app_ms, 0.95):10.2f}")
    print(f"{'plain SQL':18}{percentile(sql_ms, 0.5):10.2f}{percentile(sql_ms, 0.95):10.2f}")
    print(f"{'app, gzip':18}{percentile(gz_ms, 0.5):10.2f}{percentile(gz_ms, 0.95):10.2f}")
    print(
        f"ratio app/SQL: p50 {percentile(app_ms, 0.5) / percentile(sql_ms, 0.5):.2f}x, "
        f"p95 {percentile(app_ms, 0.95) / percentile(sql_ms, 0.95):.2f}x "
        f"(goal: p95 <= 2x and app p95 < 50 ms)"
    )


if __name__ == "__main__":
    main()
