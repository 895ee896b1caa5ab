"""Benchmark: a 1,000,000-row GNSS CSV through POST /api/surveys end to end (stream to disk, parse,
validate, convert through crs/, COPY), versus a bare COPY of the same file into a plain table in
the same run (the floor any import pays). Prints seconds, rows/s, the ratio and the server's peak
memory (VmHWM), which must not grow with the file (goals: under 5 s and 300 MiB). The file is the
header-less receiver layout in EPSG:5899 with heights: the column order is read from the numbers
and the heights are normal heights by default (no ``heights`` field is sent).

    .venv/bin/python scripts/bench/survey_upload.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import httpx
import numpy as np
import psycopg
from _scratch import app_process, scratch_database

from mapserver.accounts.service import create_user


def make_csv(path: Path, rows: int) -> None:
    """Receiver layout point,northing,easting,height,code around Vũng Tàu (EPSG:5899)."""
    rng = np.random.default_rng(3)
    north = 1_144_200 + rng.uniform(-500, 500, rows)
    east = 426_900 + rng.uniform(-500, 500, rows)
    height = 15 + rng.uniform(-2, 2, rows)
    with open(path, "w") as fh:
        for start in range(0, rows, 100_000):
            stop = min(rows, start + 100_000)
            fh.write("".join(f"P{i},{north[i]:.3f},{east[i]:.3f},{height[i]:.3f},TP\n" for i in range(start, stop)))


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with scratch_database(seed=True) as (dsn, folder):
        with psycopg.connect(dsn) as conn:
            _, token = create_user(conn, "bench", "surveyor")
        data = folder / "points.csv"
        make_csv(data, args.rows)
        size_mib = data.stat().st_size / 2**20
        print(f"file: {args.rows:,} rows, {size_mib:.1f} MiB")

        with psycopg.connect(dsn) as conn:
            conn.execute("CREATE TABLE bare (point text, n float8, e float8, h float8, code text)")
            t0 = time.perf_counter()
            with open(data, "rb") as fh, conn.cursor().copy("COPY bare FROM STDIN (FORMAT csv)") as copy:
                while block := fh.read(1 << 20):
                    copy.write(block)
            conn.commit()
            bare = time.perf_counter() - t0

        with app_process(dsn, folder / "var") as url:
            pid = server_pid(url)
            idle_rss = peak_rss_mib(pid)
            client = httpx.Client(base_url=url, timeout=600, headers={"Authorization": f"Bearer {token}"})
            t0 = time.perf_counter()
            with open(data, "rb") as fh:
                response = client.post(
                    "/api/surveys",
                    files={"file": ("points.csv", fh, "text/csv")},
                    data={"site_id": "bach-dinh", "crs": "EPSG:5899"},
                )
            app = time.perf_counter() - t0
            response.raise_for_status()
            stored = response.json()["point_count"]
            peak = peak_rss_mib(pid)
    print(f"bare COPY of the CSV (floor):   {bare:6.2f} s  {args.rows / bare:12,.0f} rows/s")
    print(f"POST /api/surveys end to end:   {app:6.2f} s  {args.rows / app:12,.0f} rows/s ({stored:,} points stored)")
    print(f"ratio app/bare COPY: {app / bare:.2f}x   (goal: app under 5 s)")
    print(f"server peak RSS: {peak:.0f} MiB (idle {idle_rss:.0f} MiB; file {size_mib:.0f} MiB) (goal: under 300 MiB)")


def server_pid(url: str) -> int:
    """The uvicorn process listening on the URL's port (for its memory figures)."""
    import subprocess

    port = url.rsplit(":", 1)[1]
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
    return int(out.split("pid=")[1].split(",")[0])


if __name__ == "__main__":
    main()
