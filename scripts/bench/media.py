"""Benchmark: an A0 scan at 600 dpi (20,000 × 28,000 px, 560 MP, an uncompressed BigTIFF) through the
media ingest (IIIF level-0 tiles + pre-rendered sizes), in a child process: wall seconds and peak
RSS (goals: < 15 s, < 400 MB). Then IIIF tile latency served by the app (uvicorn, one new
connection per request) and by nginx over the same files in the same run, with the ratio.

    .venv/bin/python scripts/bench/media.py [--width 20000 --height 28000] [--tiles 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from _scratch import ROOT, percentile, scratch_database, wait_ready

from tests.live_server import free_port

NGINX_CONF = """
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    sendfile on;
    types {{ image/jpeg jpg; application/json json; }}
    server {{
        listen 127.0.0.1:{port};
        location /iiif/3/{media_id}/v1/ {{
            alias {store}/media/{media_id}/v1/iiif/;
            etag on;
            add_header Access-Control-Allow-Origin *;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }}
    }}
}}
"""
INGEST = """
import json, sys
from mapserver.media.ingest_job import run_ingest
from mapserver.settings import Settings
print(json.dumps({"state": run_ingest(Settings(), int(sys.argv[1]))}))
"""
# The baseline in the same run: libvips' own dzsave of the same master, nothing else.
BARE_DZSAVE = """
import sys, pyvips
image = pyvips.Image.new_from_file(sys.argv[1], access="sequential")
image.dzsave(sys.argv[2], layout="iiif3", tile_size=512, suffix=".jpg[Q=85]")
"""


def bench_app():
    """The app with the media routes (uvicorn --factory), whether or not app.py includes them yet."""
    from mapserver.app import create_app
    from mapserver.media import routes

    app = create_app()
    if not any(getattr(r, "original_router", None) is routes.router for r in app.router.routes):
        app.include_router(routes.router)
    return app


def make_scan(path: Path, width: int, height: int) -> float:
    """A synthetic scan with structure at every scale (gradients, a grid, noise); seconds taken."""
    import pyvips

    started = time.perf_counter()
    xy = pyvips.Image.xyz(width, height)
    x, y = xy[0], xy[1]
    grid = ((x % 400) < 6) | ((y % 400) < 6)
    noise = pyvips.Image.gaussnoise(width, height, sigma=12, mean=0)
    red = x * (255 / width) + noise
    green = y * (255 / height) + noise
    blue = grid.ifthenelse(20, 200) + noise
    scan = red.bandjoin([green, blue]).cast("uchar").copy(interpretation="srgb")
    scan.tiffsave(str(path), bigtiff=True, tile=True, tile_width=512, tile_height=512)
    return time.perf_counter() - started


def run_child(args: list[str], env: dict) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, stdout) of one child process, from its rusage."""
    started = time.perf_counter()
    child = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE)
    out = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"child failed: {args}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def tile_urls(info: dict, base: str, count: int) -> list[str]:
    """`count` random tiles of every level, with the IIIF region/size names the tree has."""
    width, height, tile = info["width"], info["height"], info["tiles"][0]["width"]
    rng = random.Random(11)
    urls = []
    factors = info["tiles"][0]["scaleFactors"]
    while len(urls) < count:
        sf = rng.choice(factors[:-1]) if len(factors) > 1 else 1
        span = tile * sf
        x = rng.randrange(0, (width + span - 1) // span) * span
        y = rng.randrange(0, (height + span - 1) // span) * span
        w, h = min(span, width - x), min(span, height - y)
        sw, sh = -(-w // sf), -(-h // sf)
        urls.append(f"{base}/{x},{y},{w},{h}/{sw},{sh}/0/default.jpg")
    return urls


def latencies(urls: list[str]) -> list[float]:
    """Milliseconds per tile, a new connection for each (what a browser's first view pays), with
    http.client: a light client, so that the numbers are the servers' and not the client's."""
    out = []
    for url in urls:
        parts = urlsplit(url)
        started = time.perf_counter()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", parts.path)
        response = conn.getresponse()
        body = response.read()
        out.append((time.perf_counter() - started) * 1000)
        conn.close()
        assert response.status == 200 and response.getheader("content-type") == "image/jpeg" and body, url
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=20_000)
    parser.add_argument("--height", type=int, default=28_000)
    parser.add_argument("--tiles", type=int, default=300)
    args = parser.parse_args()
    from mapserver.media.register import add_media_file

    with scratch_database(seed=True) as (dsn, tmp):
        var = tmp / "var"
        env = dict(os.environ, HERITAGE_DATABASE_URL=dsn, HERITAGE_VAR_DIR=str(var), PYTHONPATH=str(ROOT))
        master = tmp / "a0-scan.tif"
        made = make_scan(master, args.width, args.height)
        print(
            f"synthetic scan {args.width} × {args.height} ({master.stat().st_size / 1e9:.2f} GB) made in {made:.1f} s"
        )
        import psycopg

        from mapserver.settings import Settings

        settings = Settings(database_url=dsn, var_dir=var)
        started = time.perf_counter()
        with psycopg.connect(dsn, autocommit=True) as conn:
            media_id = add_media_file(conn, settings, "site:bach-dinh", master, rights_holder="bench",
                                      licence="CC0-1.0", actor="bench", publish=True, run_now=False)  # fmt: skip
        print(f"registered (checks, SHA-256, copy into the store, job queued) in {time.perf_counter() - started:.1f} s")
        os.sync()
        print(f"load average before the ingest: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        bare = run_child([sys.executable, "-c", BARE_DZSAVE, str(master), str(tmp / "bare" / "iiif")], env)
        print(f"baseline, bare libvips dzsave: {bare[0]:.1f} s wall, {bare[1]:.1f} s CPU, peak RSS {bare[2]:.0f} MB")
        shutil.rmtree(tmp / "bare", ignore_errors=True)
        seconds, cpu, rss_mb, out = run_child([sys.executable, "-c", INGEST, str(media_id)], env)
        assert json.loads(out.strip().splitlines()[-1])["state"] == "done", out
        tree = var / "store" / "media" / str(media_id) / "v1" / "iiif"
        info = json.loads((tree / "info.json").read_text())
        files = sum(1 for p in tree.rglob("*.jpg"))
        size_mb = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file()) / 1e6
        print(f"ingest: {seconds:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss_mb:.0f} MB (goals < 15 s, < 400 MB): "
              f"{files} JPEG files, {size_mb:.0f} MB, sizes {[s['width'] for s in info['sizes']]}")  # fmt: skip
        print(f"ratio ingest/bare dzsave: wall {seconds / bare[0]:.2f}x, CPU {cpu / bare[1]:.2f}x, "
              f"RSS {rss_mb / bare[2]:.2f}x; to the goals: time {seconds / 15:.2f}x, memory {rss_mb / 400:.2f}x")  # fmt: skip
        serve_and_compare(env, tmp, var, media_id, info, args.tiles)


def serve_and_compare(env: dict, tmp: Path, var: Path, media_id: int, info: dict, count: int) -> None:
    app_port = free_port()
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "media:bench_app",
            "--app-dir",
            str(ROOT / "scripts/bench"),
            "--port",
            str(app_port),
            "--log-level",
            "warning",
            "--workers",
            "2",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
    )
    nginx = None
    try:
        app_base = f"http://127.0.0.1:{app_port}/iiif/3/{media_id}/v1"
        wait_ready(app_base + "/info.json")
        urls = {"app": tile_urls(info, app_base, count)}
        if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
            port = free_port()
            conf = tmp / "nginx.conf"
            conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, store=var / "store", media_id=media_id))
            nginx = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf)])
            nginx_base = f"http://127.0.0.1:{port}/iiif/3/{media_id}/v1"
            wait_ready(nginx_base + "/info.json")
            urls["nginx"] = [u.replace(app_base, nginx_base) for u in urls["app"]]
            assert httpx.get(urls["app"][0]).content == httpx.get(urls["nginx"][0]).content
        results = {}
        for name, batch in urls.items():
            latencies(batch[:30])  # warm the page cache and the workers
            results[name] = latencies(batch)
        for name, values in results.items():
            print(f"tiles by {name:5}: p50 {percentile(values, 0.5):6.2f} ms, p95 {percentile(values, 0.95):6.2f} ms "
                  f"({len(values)} random tiles, a new connection each)")  # fmt: skip
        if "nginx" in results:
            ratio = percentile(results["app"], 0.95) / percentile(results["nginx"], 0.95)
            print(f"ratio app/nginx p95: {ratio:.2f}x")
        else:
            print("nginx not installed: no comparison")
    finally:
        app.terminate()
        app.wait(20)
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    main()
