"""Benchmark: tile fetches through the production front (`heritage serve`: nginx serving published
versions from the store, the app behind it) and from the bare app (`heritage serve --dev`, same
number of workers), against a bare nginx serving the same directory (the floor), on loopback, with
wrk as a bounded load generator (fixed duration and connections), rounds alternating, in one run.

Needs Debian `nginx-light` (or nginx) and `wrk`:  apt-get install nginx-light wrk
    .venv/bin/python scripts/bench/tile_serving.py [--seconds 10] [--connections 16] [--tiles 200]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import psycopg
from _scratch import ROOT, scratch_database, wait_ready

from mapserver.front.serve import default_workers
from tests.live_server import free_port

# The floor: nginx as it comes, serving the store's folder directly (same worker count as the front).
NGINX_CONF = """
worker_processes auto;
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


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, float, int]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99_ms, int(re.search(r"(\d+) requests in", out).group(1))


def family(pid: int) -> list[int]:
    """A process and all its descendants (nginx's workers, uvicorn's workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue.extend(int(child) for child in task.read_text().split())
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes: the cost of the requests whatever else the machine
    runs (a busy machine makes throughput noisy; the CPU one request takes changes less)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(url: str, pids: list[int], script: Path, seconds: int, connections: int) -> tuple[float, float, float]:
    """(requests/s, p99 ms, CPU µs per request of the server's processes) of one wrk run."""
    before = cpu_seconds(pids)
    rps, p99, requests = run_wrk(url, script, seconds, connections)
    return rps, p99, (cpu_seconds(pids) - before) * 1e6 / max(requests, 1)


@contextmanager
def served(dsn: str, var: Path, *options: str):
    """`heritage serve` (--no-worker) on a free port against the scratch database; stopped with
    SIGTERM like a service manager would, everything it started with it."""
    port = free_port()
    env = dict(os.environ, HERITAGE_DATABASE_URL=dsn, HERITAGE_VAR_DIR=str(var))
    command = [sys.executable, "-m", "mapserver.cli", "serve", "--port", str(port), "--no-worker", *options]
    log = var.parent / f"serve-{port}.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out)
    try:
        yield f"http://127.0.0.1:{port}", server.pid
    except BaseException:
        print(f"heritage serve {' '.join(options)}: {log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--tiles", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=default_workers(), help="app workers, front and bare app")
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install nginx-light wrk")
    names = ("nginx", "front", "app")
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
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
        # Every server in a session of its own, as a service would be, wrk in this one: with the
        # kernel's autogroup scheduling a server sharing wrk's session answers faster than one that
        # does not, which would favour the bare nginx over `heritage serve`'s.
        nginx = subprocess.Popen(["nginx", "-c", str(conf)], start_new_session=True)
        workers = ("--workers", str(args.workers))
        try:
            with (
                served(dsn, var, *workers) as (front_url, _),
                served(dsn, var, "--dev", "--no-access-log", *workers) as (app_url, app_pid),
            ):
                urls = {"nginx": f"http://127.0.0.1:{nginx_port}", "front": front_url, "app": app_url}
                for url in urls.values():
                    wait_ready(url + paths[0], seconds=240)
                same = {httpx.get(url + paths[3]).content for url in urls.values()}
                assert len(same) == 1, "the three servers disagree on a tile"
                # Proof that the front answered from nginx itself: the app's ETag is a SHA-1.
                assert len(httpx.get(front_url + paths[3]).headers["etag"]) < 40
                front_nginx = int((var / "front" / "run" / "nginx.pid").read_text())
                pids = {"nginx": family(nginx.pid), "front": family(front_nginx), "app": family(app_pid)}
                for round_number in range(args.rounds):
                    # The order turns each round, so that no server always follows the same one.
                    for name in names[round_number % 3 :] + names[: round_number % 3]:
                        results[name].append(measure(urls[name], pids[name], script, args.seconds, args.connections))
        finally:
            nginx.terminate()
            nginx.wait(10)
    print(
        f"{args.tiles} tiles of 16-128 KiB, wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds "
        f"(medians; ratios: median of each round's ratio), {args.workers} app workers, {os.cpu_count()} cores"
    )
    labels = {"nginx": "bare nginx", "front": "heritage serve", "app": "serve --dev"}
    for name in names:
        rps, p99, cpu = (float(np.median([r[i] for r in results[name]])) for i in range(3))
        rounds = " ".join(f"{r[0]:.0f}" for r in results[name])
        print(f"{labels[name]:15} {rps:8.0f} req/s  p99 {p99:7.2f} ms  CPU {cpu:6.1f} us/request  (rounds: {rounds})")
    for name in ("front", "app"):
        # The servers of one round ran within a minute of each other: their ratio is steadier than
        # the ratio of medians on a machine whose other load comes and goes.
        ratio = [
            np.median([a[i] / b[i] for a, b in zip(results[name], results["nginx"], strict=True)]) for i in range(3)
        ]
        print(
            f"ratio {name}/nginx: throughput {ratio[0]:.2f}x, p99 {ratio[1]:.2f}x, "
            f"CPU per request {ratio[2]:.2f}x (throughput a saturated server reaches: {1 / ratio[2]:.2f}x)"
        )


if __name__ == "__main__":
    main()
