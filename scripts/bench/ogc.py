"""Benchmark: OGC API Features items at 1,000,000 features.

Loads 1,000,000 synthetic relic-like points spread over Vietnam into a scratch database of a
throw-away cluster (never var/pg), serves the app with uvicorn in a subprocess, then measures,
alternating the compared requests over the same boxes so that both see the same cache state:

* /ogc/collections/relics/items?bbox=…&limit=1000 in CRS84 (PostGIS writes the GeoJSON) versus
  the same with crs=EPSG:5899 (WKB converted through crs/ with numpy); goal: ratio ≤ 1.3×;
* a CQL2 filter (rank = … AND S_INTERSECTS(geometry, POLYGON …)) versus the same selection by
  query parameters (bbox + rank), the baseline.

    .venv/bin/python scripts/bench/ogc.py [--points 1000000] [--requests 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx
import psycopg
from _scratch import VIETNAM, app_process, percentile, random_boxes, scratch_database

# The points are synthetic, not relics.
LON0, LAT0, LON1, LAT1 = VIETNAM
LOAD_SQL = """
INSERT INTO sites (id, name_vi, rank, category, geom, location_status, location_source, decision_date)
SELECT 'syn-' || g, 'Di tích tổng hợp số ' || g,
       (ARRAY['special_national','national','provincial','inventoried'])[1 + mod(g, 4)],
       (ARRAY['historical','scenic','archaeological'])[1 + mod(g, 3)],
       ST_SetSRID(ST_MakePoint(%(lon0)s + random() * %(dlon)s, %(lat0)s + random() * %(dlat)s), 4326),
       'approximate', 'synthetic benchmark point', date '1980-01-01' + mod(g, 16000)
FROM generate_series(1, %(n)s) AS g
"""
ITEMS = "/ogc/collections/relics/items"
VN2000 = "http://www.opengis.net/def/crs/EPSG/0/5899"


def timed(client: httpx.Client, params: dict) -> tuple[float, int]:
    t0 = time.perf_counter()
    response = client.get(ITEMS, params=params)
    response.raise_for_status()
    body = response.json()
    return (time.perf_counter() - t0) * 1000, body["numberReturned"]


def compare(client: httpx.Client, pairs: list[tuple[dict, dict]], warmup: int = 20) -> tuple[list, list, list]:
    """Alternate the two requests of each pair; the first ``warmup`` pairs are not counted."""
    first, second, returned = [], [], []
    warmup = min(warmup, len(pairs))  # fewer pairs than the warm-up: warm up on all of them once
    for i, (a, b) in enumerate(pairs[:warmup] + pairs):
        ms_a, n_a = timed(client, a)
        ms_b, n_b = timed(client, b)
        if n_a != n_b:
            raise AssertionError(f"the compared requests returned {n_a} and {n_b} features")
        if i >= warmup:
            first.append(ms_a)
            second.append(ms_b)
            returned.append(n_a)
    return first, second, returned


def row(label: str, values: list[float]) -> str:
    return f"{label:28}{percentile(values, 0.5):10.2f}{percentile(values, 0.95):10.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()

    with scratch_database() as (dsn, folder):
        started = time.perf_counter()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SELECT setseed(0.42)")
            conn.execute(
                LOAD_SQL,
                {"n": args.points, "lon0": LON0, "dlon": LON1 - LON0, "lat0": LAT0, "dlat": LAT1 - LAT0},
            )
            conn.execute("VACUUM ANALYZE sites")
        print(f"loaded {args.points:,} synthetic points in {time.perf_counter() - started:.1f} s")

        with app_process(dsn, folder / "var") as url:
            client = httpx.Client(base_url=url, timeout=60, headers={"Accept-Encoding": "identity"})
            report(client, args)


def report(client: httpx.Client, args) -> None:
    bb = random_boxes(args.requests)
    text = [",".join(map(str, b)) for b in bb]
    crs_pairs = [({"bbox": t, "limit": args.limit}, {"bbox": t, "limit": args.limit, "crs": VN2000}) for t in text]
    crs84_ms, vn_ms, returned = compare(client, crs_pairs)

    filter_pairs = []
    for (x0, y0, x1, y1), t in zip(bb, text):
        polygon = f"POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"
        cql = f"rank = 'national' AND S_INTERSECTS(geometry, {polygon})"
        # The same selection by query parameters is the baseline.
        filter_pairs.append(
            ({"filter": cql, "limit": args.limit}, {"bbox": t, "rank": "national", "limit": args.limit})
        )
    cql_ms, param_ms, _ = compare(client, filter_pairs)

    print(
        f"features per page: median {statistics.median(returned):.0f} (limit {args.limit}), "
        f"{args.requests} boxes of 0.5° x 0.5°"
    )
    print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}")
    print(row("items bbox, CRS84", crs84_ms))
    print(row("items bbox, crs=EPSG:5899", vn_ms))
    print(
        f"ratio EPSG:5899/CRS84: p50 {percentile(vn_ms, 0.5) / percentile(crs84_ms, 0.5):.2f}x, "
        f"p95 {percentile(vn_ms, 0.95) / percentile(crs84_ms, 0.95):.2f}x, median of per-box ratios "
        f"{statistics.median(b / a for a, b in zip(crs84_ms, vn_ms)):.2f}x (goal: <= 1.3x)"
    )
    print(row("CQL2 rank = AND S_INTERSECTS", cql_ms))
    print(row("bbox= & rank= (baseline)", param_ms))
    print(
        f"ratio CQL2 filter/parameters: p50 {percentile(cql_ms, 0.5) / percentile(param_ms, 0.5):.2f}x, "
        f"p95 {percentile(cql_ms, 0.95) / percentile(param_ms, 0.95):.2f}x, median of per-box ratios "
        f"{statistics.median(a / b for a, b in zip(cql_ms, param_ms)):.2f}x"
    )


if __name__ == "__main__":
    main()
