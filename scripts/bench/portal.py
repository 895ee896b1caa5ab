"""Benchmark: a record page on a phone's slow network, in headless chromium.

Measures, on a first visit (cold cache, fresh browser context), the largest contentful paint (the
page's own PerformanceObserver) and the bytes transferred (CDP Network.loadingFinished
encodedDataLength: bodies as sent, compressed, plus headers), with the network throttled through
CDP Network.emulateNetworkConditions to about 1.6 Mbps down, 750 kbps up, 150 ms RTT.
Goals: LCP < 2.5 s and < 300 KB for the record page.
Baseline, in the same run: the same page unthrottled (ratio = what the slow network costs) and the
portal home page under the same throttling.

It starts a throw-away PostGIS cluster in /tmp (never var/pg), loads the shipped data, the e2e test
relics and one published photo (a real IIIF tree) on relic t-vt1, and serves the app in a thread.

    .venv/bin/python scripts/bench/portal.py [--runs 3] [--page /sites/t-vt1]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from _scratch import scratch_database
from playwright.sync_api import sync_playwright

from tests.live_server import LiveServer
from tests.mapserver.portal.portal_app import portal_app, seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
SLOW_3G = {  # bytes per second
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
LCP_JS = """() => new Promise(resolve => {
  let last = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) last = e.startTime; })
    .observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => resolve(last), 300);
})"""
LCP_ELEMENT_JS = """() => new Promise(resolve => {
  let tag = '';
  new PerformanceObserver(list => { for (const e of list.getEntries()) tag = e.element ? e.element.tagName : ''; })
    .observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => resolve(tag), 300);
})"""


def visit(browser, url: str, throttle: bool) -> tuple[float, int, float, str]:
    """(LCP ms, bytes, ms to the last response, LCP element) of one first visit in a fresh context."""
    context = browser.new_context(viewport={"width": 412, "height": 860}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttle:
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    sizes: list[int] = []
    cdp.on("Network.loadingFinished", lambda e: sizes.append(int(e["encodedDataLength"])))
    page.goto(url, wait_until="networkidle", timeout=120_000)
    lcp = page.evaluate(LCP_JS)
    element = page.evaluate(LCP_ELEMENT_JS)
    last = page.evaluate("Math.max(...performance.getEntriesByType('resource').map(e => e.responseEnd), 0)")
    context.close()
    return lcp, sum(sizes), last, element


def measure(browser, url: str, throttle: bool, runs: int) -> tuple[float, int, float, str]:
    results = [visit(browser, url, throttle) for _ in range(runs)]
    return (
        statistics.median(r[0] for r in results),
        max(r[1] for r in results),
        statistics.median(r[2] for r in results),
        results[-1][3],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page", default="/sites/t-vt1")
    args = parser.parse_args()
    with scratch_database(seed=True) as (dsn, _folder):
        var = Path(tempfile.mkdtemp(prefix="hrtg-portal-", dir="/tmp"))
        seed(dsn, var)
        server = LiveServer(portal_app(dsn, var))
        server.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                visit(browser, server.url + args.page, False)  # warm the server (pool, templates)
                rows = {
                    "record page, unthrottled (baseline)": measure(browser, server.url + args.page, False, args.runs),
                    "record page, 1.6 Mbps / 150 ms": measure(browser, server.url + args.page, True, args.runs),
                    "portal home, 1.6 Mbps / 150 ms": measure(browser, server.url + "/portal", True, args.runs),
                }
                browser.close()
        finally:
            server.stop()
            shutil.rmtree(var, ignore_errors=True)
    base_lcp, base_bytes, base_last, _ = rows["record page, unthrottled (baseline)"]
    print(f"{'page':38} {'LCP ms':>7} {'LCP el':>7} {'KB':>7} {'last ms':>8} {'LCP x':>6} {'last x':>7}")
    for name, (lcp, size, last, element) in rows.items():
        print(
            f"{name:38} {lcp:7.0f} {element:>7} {size / 1024:7.1f} {last:8.0f} "
            f"{lcp / base_lcp:6.2f} {last / max(base_last, 1):7.2f}"
        )
    lcp, size, _, _ = rows["record page, 1.6 Mbps / 150 ms"]
    print(
        f"goals: LCP < 2500 ms: {'met' if lcp < 2500 else 'MISSED'} ({lcp:.0f} ms); "
        f"< 300 KB: {'met' if size < 300 * 1024 else 'MISSED'} ({size / 1024:.1f} KB)"
    )


if __name__ == "__main__":
    main()
