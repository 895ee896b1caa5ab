"""Benchmark: /api/sites?bbox=…&limit=1000 through the app against the SQL floor of the same page.

Loads 1,000,000 synthetic relic-like points spread over Vietnam into a scratch database of a
throw-away cluster (never var/pg) and serves the app with uvicorn (2 workers, as production) in a
subprocess. Then, in one run over the same 200 boxes of 0.5° (about 2,500 points each):

* the floor: one hand-written statement per page — ``&&`` on the GiST index of the public point,
  ORDER BY id LIMIT, the same GeoJSON features built by PostgreSQL (districts joined once for the
  page), received as bytes — through psycopg, prepared; its text is checked to equal the
  features of the app's response, so both serve the same page (the app also counts numberMatched);
* the app: the same page over HTTP, one request at a time, alternating with the floor (each box
  read once untimed first, then each of the two timed first every other box);
* ratios of p50 and p95 (goal: app p95 <= 2x the floor's); every timed app page is a page the
  app computes (the warm-ups use other boxes), not one it kept;
* the same boxes again: pages the app kept (web.epoch_cache: kept until the public relics change);
* throughput: wrk with 16 connections for --seconds over the same boxes, i.e. the pages of a map
  that many visitors look at (goal: >= 300 req/s), and over --cold-boxes boxes never asked before,
  so that nearly every page is computed: the database-bound figure, beside the floor's statement
  run on as many connections over the same boxes (what PostgreSQL itself sustains).

    .venv/bin/python scripts/bench/sites_query.py [--points 1000000] [--requests 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from _scratch import (
    ROOT,
    load_synthetic_sites,
    percentile,
    random_boxes,
    scratch_database,
    wait_ready,
    wrk_script,
)

from tests.live_server import free_port

# The floor: what PostgreSQL must do for the page, written once by hand (same properties, same order).
FLOOR = """
WITH page AS (
    SELECT s.id, s.geom, s.name_vi, s.name_en, s.rank, s.category, s.decision_no, s.decision_date,
           s.decision_issuer, s.admin_unit_ids, s.address_vi, s.location_status, s.location_source,
           s.location_accuracy_m, s.sensitive, s.publication_status
    FROM public_sites s WHERE s.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) ORDER BY s.id LIMIT %s
), units AS (
    SELECT p.id, json_agg(json_build_object('id', a.id, 'name_vi', a.name_vi, 'valid_to', a.valid_to)
                          ORDER BY a.id) AS list
    FROM page p JOIN admin_units a ON a.id = ANY(p.admin_unit_ids) GROUP BY p.id
)
SELECT convert_to(coalesce(string_agg(
    '{"type":"Feature","id":' || to_json(p.id) || ',"geometry":' || coalesce(ST_AsGeoJSON(p.geom, 8), 'null')
    || ',"properties":' || row_to_json(f)::text || '}', ',' ORDER BY p.id), ''), 'UTF8')
FROM page p LEFT JOIN units u ON u.id = p.id,
LATERAL (SELECT p.id, p.name_vi, p.name_en, p.rank, p.category, p.decision_no, p.decision_date,
                p.decision_issuer, coalesce(u.list, '[]'::json) AS districts, p.address_vi, p.location_status,
                p.location_source, p.location_accuracy_m, p.sensitive AS location_generalized,
                p.publication_status) f
"""


@contextmanager
def app_workers(dsn: str, var_dir: Path, workers: int):
    """uvicorn with several workers (the production way), its base URL once /healthz answers."""
    port = free_port()
    env = dict(os.environ, HERITAGE_DATABASE_URL=dsn, HERITAGE_VAR_DIR=str(var_dir))
    command = [sys.executable, "-m", "uvicorn", "mapserver.asgi:app", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen([*command, "--workers", str(workers)], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + "/healthz")
        for _ in range(4 * workers):  # every worker opens its pool before the timing starts
            httpx.get(url + "/api/sites?limit=1", timeout=30)
        yield url
    finally:
        server.terminate()
        server.wait(20)


def features_of(body: bytes) -> bytes:
    """The text of the features array of a FeatureCollection written by the app."""
    start = body.index(b"[") + 1
    end = body.rindex(b'],"numberMatched"')
    return body[start:end]


def throughput(url: str, paths: list[str], seconds: int, connections: int) -> tuple[float, str]:
    if shutil.which("wrk") is None:
        return float("nan"), "wrk not installed (apt-get install wrk)"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(wrk_script(paths))
        script = fh.name
    try:
        done = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    latency = re.search(r"99%\s+(\S+)", done.stdout)
    note = f"p99 {latency.group(1) if latency else '?'}, non-2xx {errors.group(1) if errors else 0}"
    return rate, note


def floor_throughput(dsn: str, boxes: list, limit: int, seconds: int, connections: int) -> float:
    """The floor's statement on as many connections as wrk has, each taking the next box, for as long:
    what the database itself sustains for pages it computes (the bound of the app's cold figure).
    The connections are open before the clock starts, as wrk's are; an error in any stops the run."""
    next_box = itertools.count()
    window: dict[str, float] = {}

    def start_clock() -> None:  # run once, when every connection is open, before any is released
        window["start"] = time.perf_counter()
        window["deadline"] = window["start"] + seconds

    ready = threading.Barrier(connections + 1, action=start_clock, timeout=60)

    def run() -> int:
        done = 0
        with psycopg.connect(dsn, autocommit=True, prepare_threshold=0) as conn:
            ready.wait()
            while time.perf_counter() < window["deadline"]:
                box = boxes[next(next_box) % len(boxes)]
                conn.execute(FLOOR, (*box, limit), binary=True).fetchone()
                done += 1
        return done

    with ThreadPoolExecutor(connections) as pool:
        runs = [pool.submit(run) for _ in range(connections)]
        ready.wait()
        counts = [r.result() for r in runs]
        took = time.perf_counter() - window["start"]
    return sum(counts) / took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cold-boxes", type=int, default=3000)
    args = parser.parse_args()

    with scratch_database() as (dsn, folder):
        with psycopg.connect(dsn, autocommit=True) as conn:
            seconds = load_synthetic_sites(conn, args.points)
            conn.execute("VACUUM ANALYZE sites")
        print(f"loaded {args.points:,} synthetic points in {seconds:.1f} s")
        every_box = random_boxes(args.requests + 20 + args.cold_boxes)
        boxes, warm_ups, cold = (
            every_box[: args.requests],
            every_box[args.requests : args.requests + 20],
            every_box[args.requests + 20 :],
        )
        texts = [",".join(f"{v:.4f}" for v in box) for box in boxes]
        warm_texts = [",".join(f"{v:.4f}" for v in box) for box in warm_ups]
        with app_workers(dsn, folder / "var", args.workers) as url:
            client = httpx.Client(base_url=url, timeout=60, headers={"Accept-Encoding": "identity"})
            app_ms: list[float] = []
            sql_ms: list[float] = []
            returned = []
            with psycopg.connect(dsn, autocommit=True, prepare_threshold=0) as conn:
                for i, (box, text) in enumerate(zip(warm_ups + boxes, warm_texts + texts)):
                    # The box's pages are read once untimed, then the two are timed in turn, each
                    # going first every other box: neither is measured on a colder cache.
                    conn.execute(FLOOR, (*box, args.limit), binary=True).fetchone()
                    timings = {}
                    for who in ("app", "floor") if i % 2 else ("floor", "app"):
                        t0 = time.perf_counter()
                        if who == "app":
                            response = client.get("/api/sites", params={"bbox": text, "limit": args.limit})
                            response.raise_for_status()
                            body = response.content
                        else:
                            floor = bytes(conn.execute(FLOOR, (*box, args.limit), binary=True).fetchone()[0])
                        timings[who] = (time.perf_counter() - t0) * 1000
                    if features_of(body) != floor:
                        raise AssertionError(f"the app and the floor disagree on the page of bbox {text}")
                    if i >= 20:
                        app_ms.append(timings["app"])
                        sql_ms.append(timings["floor"])
                        returned.append(body.count(b'{"type":"Feature"'))
                kept_ms = []
                for text in texts:  # every page asked a second time: the app kept it
                    t0 = time.perf_counter()
                    client.get("/api/sites", params={"bbox": text, "limit": args.limit}).raise_for_status()
                    kept_ms.append((time.perf_counter() - t0) * 1000)
            paths = [f"/api/sites?bbox={t}&limit={args.limit}" for t in texts]
            rate, note = throughput(url, paths, args.seconds, args.connections)
            cold_paths = [
                f"/api/sites?bbox={box[0]:.4f},{box[1]:.4f},{box[2]:.4f},{box[3]:.4f}&limit={args.limit}"
                for box in cold
            ]
            cold_rate, cold_note = throughput(url, cold_paths, args.seconds, args.connections)
            floor_rate = floor_throughput(dsn, cold, args.limit, args.seconds, args.connections)

    print(f"features per page: median {statistics.median(returned):.0f} (limit {args.limit}), {len(boxes)} boxes")
    print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'SQL floor (one statement)':28}{percentile(sql_ms, 0.5):10.2f}{percentile(sql_ms, 0.95):10.2f}")
    print(f"{'app over HTTP (computed)':28}{percentile(app_ms, 0.5):10.2f}{percentile(app_ms, 0.95):10.2f}")
    print(f"{'app over HTTP (kept page)':28}{percentile(kept_ms, 0.5):10.2f}{percentile(kept_ms, 0.95):10.2f}")
    print(
        f"ratio app/floor: p50 {percentile(app_ms, 0.5) / percentile(sql_ms, 0.5):.2f}x, "
        f"p95 {percentile(app_ms, 0.95) / percentile(sql_ms, 0.95):.2f}x (goal: p95 <= 2x)"
    )
    print(
        f"throughput, {args.connections} connections, {args.workers} workers, {args.seconds} s: "
        f"{rate:.0f} req/s ({note}) (goal: >= 300 req/s)"
    )
    print(
        f"throughput over {len(cold_paths)} boxes never asked before (pages computed): "
        f"{cold_rate:.0f} req/s ({cold_note}); the floor's statement on {args.connections} connections over "
        f"the same boxes: {floor_rate:.0f} pages/s (app/floor {cold_rate / floor_rate:.2f}x)"
    )


if __name__ == "__main__":
    main()
