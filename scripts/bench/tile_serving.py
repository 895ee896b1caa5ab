"""Benchmark: tile fetches from the app (/tiles/…) versus nginx serving the same directory on
loopback, with wrk as a bounded load generator (fixed duration and connections), in one run.

Needs Debian `nginx-light` (or nginx) and `wrk`:  apt-get install nginx-light wrk
    .venv/bin/python scripts/bench/tile_serving.py [--seconds 10] [--connections 16] [--tiles 200]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import psycopg
from _scratch import app_process, scratch_database, wait_ready

from tests.live_server import free_port

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    types {{ application/json json; model/gltf-binary glb; application/octet-stream pnts; }}
    server {{
        listen 127.0.0.1:{port};
        location /tiles/ {{ alias {store}/tiles/; etag on; add_header Access-Control-Allow-Origin *; }}
    }}
}}
"""
WRK_SCRIPT = """
local paths = {{{paths}}}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""


def make_tiles(store: Path, scan_id: int, count: int) -> list[str]:
    """A tileset-shaped directory: tileset.json plus `count` content files of 16–128 KiB."""
    folder = store / "tiles" / str(scan_id) / "v1"
    (folder / "tiles").mkdir(parents=True)
    rng = np.random.default_rng(5)
    paths = []
    for i in range(count):
        (folder / "tiles" / f"{i}.pnts").write_bytes(rng.bytes(int(rng.integers(16, 128)) * 1024))
        paths.append(f"/tiles/{scan_id}/v1/tiles/{i}.pnts")
    (folder / "tileset.json").write_text('{"asset": {"version": "1.0"}, "geometricError": 10}')
    return paths


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--tiles", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install nginx-light wrk")
    with scratch_database(seed=True) as (dsn, tmp):
        with psycopg.connect(dsn) as conn:
            scan_id = conn.execute(
                "INSERT INTO scans (site_id, file_name, file_key, file_sha256, file_size, height_system, status, "
                "progress, tileset_version, created_by) VALUES ('bach-dinh', 'bench', 'bench', '', 0, 'normal', "
                "'done', 1, 1, 'bench') RETURNING id"
            ).fetchone()[0]
        var = tmp / "var"
        paths = make_tiles(var / "store", scan_id, args.tiles)
        script = tmp / "paths.lua"
        script.write_text(WRK_SCRIPT.format(paths=", ".join(f'"{p}"' for p in paths)))
        nginx_port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=nginx_port, store=var / "store"))
        nginx = subprocess.Popen(["nginx", "-c", str(conf)])
        try:
            with app_process(dsn, var) as app_url:
                nginx_url = f"http://127.0.0.1:{nginx_port}"
                wait_ready(app_url + paths[0])
                wait_ready(nginx_url + paths[0])
                assert httpx.get(app_url + paths[3]).content == httpx.get(nginx_url + paths[3]).content
                results = {"app": [], "nginx": []}
                for _ in range(args.rounds):
                    for name, url in (("nginx", nginx_url), ("app", app_url)):
                        results[name].append(run_wrk(url, script, args.seconds, args.connections))
        finally:
            nginx.terminate()
            nginx.wait(10)
    print(
        f"{args.tiles} tiles of 16-128 KiB, wrk -t2 -c{args.connections} -d{args.seconds}s, "
        f"{args.rounds} alternating rounds (median of rounds)"
    )
    med = {k: (float(np.median([r[0] for r in v])), float(np.median([r[1] for r in v]))) for k, v in results.items()}
    for name in ("nginx", "app"):
        print(f"{name:6} {med[name][0]:10.0f} req/s   p99 {med[name][1]:8.2f} ms")
    print(
        f"ratio app/nginx: throughput {med['app'][0] / med['nginx'][0]:.2f}x, "
        f"p99 {med['app'][1] / med['nginx'][1]:.2f}x"
    )


if __name__ == "__main__":
    main()
