"""Benchmark: 1 000 000 random WGS 84 points in Bà Rịa–Vũng Tàu -> EPSG:5899.

Compares ``crs.transform`` with a bare pinned pyproj Transformer (EPSG:6960 picked from
TransformerGroup, no wrapper) in the same process; prints medians of several repetitions and the
throughput ratio ours/bare (goal >= 0.9). Also checks both give the same coordinates.

Usage: .venv/bin/python scripts/bench/crs_convert.py [--points N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from pyproj.transformer import TransformerGroup

import crs


def _median_seconds(fn, repeat: int) -> float:
    fn()  # warm-up: transformer creation, caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(20250701)
    # BR-VT mainland and sea, both sides of 107.11°E (where pyproj's default would switch ops).
    lon = rng.uniform(106.95, 107.60, args.points)
    lat = rng.uniform(10.30, 10.85, args.points)

    bare = next(
        t
        for t in TransformerGroup("EPSG:4326", "EPSG:5899", always_xy=True).transformers
        if crs.PINNED_NAME in t.description
    )

    ours_s = _median_seconds(lambda: crs.transform(lon, lat, src=4326, dst=5899), args.repeat)
    bare_s = _median_seconds(lambda: bare.transform(lon, lat), args.repeat)

    e1, n1 = crs.transform(lon, lat, src=4326, dst=5899)
    e2, n2 = bare.transform(lon, lat)
    diff = float(np.max(np.hypot(e1 - e2, n1 - n2)))

    ours_tp, bare_tp = args.points / ours_s, args.points / bare_s
    print(f"points: {args.points}, repetitions: {args.repeat} (median)")
    print(f"crs.transform   : {ours_s * 1000:8.1f} ms  {ours_tp / 1e6:6.2f} Mpts/s")
    print(f"bare pyproj 6960: {bare_s * 1000:8.1f} ms  {bare_tp / 1e6:6.2f} Mpts/s")
    print(f"ratio ours/bare throughput: {ours_tp / bare_tp:.3f} (goal >= 0.9)")
    print(f"max difference ours vs bare: {diff * 1000:.6f} mm")


if __name__ == "__main__":
    main()
