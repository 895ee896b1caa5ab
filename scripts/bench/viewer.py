"""Benchmark: the 3D map's first view in headless chromium with software WebGL (SwiftShader).

Measures, from navigation start, as the page itself records them (window.__timings):
  first frame    Cesium's first rendered frame
  relics shown   every located relic drawn on the globe
  globe loaded   the initial imagery tiles all loaded
and the bytes transferred for that first view with a cold cache (response bodies as sent, i.e.
compressed, plus headers), then the same after a reload with a warm cache.
Goals: < 5 s to the first frame and < 5 MB transferred.

Without --url it starts a throw-away PostGIS cluster in /tmp (never var/pg), loads the shipped data
plus --extra-relics synthetic located relics inside the province outline (default 219, the size of
the province's inventory; 0 = shipped data only) and serves the app with uvicorn in a subprocess.

    .venv/bin/python scripts/bench/viewer.py [--url http://127.0.0.1:8000] [--runs 3]
                                             [--viewport 1280x800] [--lite] [--extra-relics 219]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from contextlib import contextmanager
from urllib.parse import urlparse

from _scratch import app_process, scratch_database
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 120_000

# Synthetic located relics, spread inside the province outline (ST_GeneratePoints with a seed, so
# every run benchmarks the same map).
SYNTHETIC_SQL = """
INSERT INTO sites (id, name_vi, rank, category, geom, location_status, location_source, location_accuracy_m)
SELECT 'bench-' || n, 'Di tích thử nghiệm số ' || n,
       (ARRAY['special_national','national','provincial','inventoried'])[1 + mod(n, 4)],
       (ARRAY['historical','scenic','archaeological','architectural_artistic'])[1 + mod(n, 4)],
       d.geom, 'approximate', 'synthetic benchmark point', 100
FROM (SELECT row_number() OVER () AS n, p.geom
      FROM admin_units a, ST_Dump(ST_GeneratePoints(a.geom, %(n)s, 42)) p
      WHERE a.id = 'ba-ria-vung-tau') d
"""


@contextmanager
def throwaway_app(extra_relics: int):
    """The real app on a scratch cluster with the shipped data (+ synthetic relics)."""
    import psycopg

    with scratch_database(seed=True) as (dsn, folder):
        if extra_relics:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(SYNTHETIC_SQL, {"n": extra_relics})
        with app_process(dsn, folder / "var") as url:
            yield url


def transferred(requests) -> tuple[int, list[tuple[int, str]]]:
    """Bytes on the wire (encoded body + headers) of finished http(s) requests, and the largest."""
    total, sizes = 0, []
    for request in requests:
        if urlparse(request.url).scheme not in ("http", "https"):
            continue  # data:/blob: never touch the network
        try:
            s = request.sizes()
        except PlaywrightError:  # a request that never got a response transferred nothing
            s = {"responseBodySize": 0, "responseHeadersSize": 0}
        size = max(0, s["responseBodySize"]) + max(0, s["responseHeadersSize"])
        total += size
        sizes.append((size, urlparse(request.url).path))
    return total, sorted(sizes, reverse=True)


def measure(browser, url: str, viewport: tuple[int, int], lite: bool) -> dict:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    finished, errors = [], []
    context.on("requestfinished", lambda request: finished.append(request))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    target = url + ("/?lite" if lite else "/")
    started = time.perf_counter()
    page.goto(target, wait_until="commit")
    page.wait_for_function("window.__timings && window.__timings.firstFrame", polling=100, timeout=TIMEOUT_MS)
    wall_first = time.perf_counter() - started
    page.wait_for_function(
        "window.__timings.relicsShown && window.__timings.globeLoaded && window.__timings.boundaryShown",
        polling=100,
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(500)  # stragglers of the first view (credits, late tiles)
    timings = page.evaluate("window.__timings")
    relics = page.evaluate("window.heritage.relics.count()")
    cold_bytes, largest = transferred(finished)
    cold_requests = len(finished)

    finished.clear()
    page.reload(wait_until="commit")
    page.wait_for_function(
        "window.__timings && window.__timings.relicsShown && window.__timings.globeLoaded",
        polling=100,
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(500)
    warm = page.evaluate("window.__timings")
    warm_bytes, _ = transferred(finished)
    result = {
        "first": timings["firstFrame"],
        "relics": timings["relicsShown"],
        "globe": timings["globeLoaded"],
        "wall_first": wall_first * 1000,
        "requests": cold_requests,
        "bytes": cold_bytes,
        "largest": largest[:5],
        "warm_first": warm["firstFrame"],
        "warm_relics": warm["relicsShown"],
        "warm_requests": len(finished),
        "warm_bytes": warm_bytes,
        "relic_count": relics,
        "errors": errors,
    }
    context.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running app (default: start a throw-away one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--viewport", default="1280x800")
    parser.add_argument("--lite", action="store_true", help="no MSAA/atmosphere/fog (?lite)")
    parser.add_argument(
        "--extra-relics", type=int, default=219, help="synthetic located relics added to the throw-away database"
    )
    args = parser.parse_args()
    viewport = tuple(int(v) for v in args.viewport.lower().split("x"))

    from playwright.sync_api import sync_playwright

    with throwaway_app(args.extra_relics) if not args.url else _given(args.url) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        results = [measure(browser, url, viewport, args.lite) for _ in range(args.runs)]
        browser.close()

    load = os.getloadavg()[0]
    print(
        f"viewer first view: {viewport[0]}x{viewport[1]}{' ?lite' if args.lite else ''}, chromium + SwiftShader, "
        f"{results[0]['relic_count']} located relics, {args.runs} cold runs, {os.cpu_count()} CPUs, "
        f"load average {load:.1f}"
    )
    print(f"{'run':>4}{'first frame':>14}{'relics shown':>14}{'globe loaded':>14}{'requests':>10}{'transferred':>14}")
    for i, r in enumerate(results, 1):
        print(
            f"{i:>4}{r['first']:>11.0f} ms{r['relics']:>11.0f} ms{r['globe']:>11.0f} ms{r['requests']:>10}"
            f"{r['bytes'] / 1e6:>11.2f} MB"
        )
    med = {
        k: statistics.median(r[k] for r in results)
        for k in ("first", "relics", "globe", "bytes", "warm_first", "warm_relics", "warm_bytes")
    }
    print(
        f"{'med':>4}{med['first']:>11.0f} ms{med['relics']:>11.0f} ms{med['globe']:>11.0f} ms{'':>10}"
        f"{med['bytes'] / 1e6:>11.2f} MB"
    )
    print(
        f"warm reload (cache): first frame {med['warm_first']:.0f} ms, relics shown {med['warm_relics']:.0f} ms, "
        f"{results[-1]['warm_requests']} requests (immutable assets from the browser cache), "
        f"{med['warm_bytes'] / 1e3:.1f} kB transferred"
    )
    print(
        "largest responses (cold): " + ", ".join(f"{path} {size / 1e3:.0f} kB" for size, path in results[-1]["largest"])
    )
    ok_first = med["first"] < 5000
    ok_bytes = med["bytes"] < 5e6
    print(
        f"goals: first frame < 5 s: {'met' if ok_first else 'MISSED'} ({med['first'] / 1000:.2f} s); "
        f"first view < 5 MB: {'met' if ok_bytes else 'MISSED'} ({med['bytes'] / 1e6:.2f} MB)"
    )
    errors = [e for r in results for e in r["errors"]]
    if errors:
        print(f"page errors: {errors[:5]}")


@contextmanager
def _given(url: str):
    yield url.rstrip("/")


if __name__ == "__main__":
    main()
