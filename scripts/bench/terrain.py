#!/usr/bin/env python
"""Benchmark of the terrain builder: a 10,000 × 10,000 DEM (the province at 10 m: 100 × 100 km in
EPSG:5899, normal heights, sea as nodata) → Cesium quantized-mesh terrain, with seconds and peak
memory (goal: < 3 min, < 2 GB), against a baseline measured in the same run.

* product: ``tiling.terrain.build_terrain`` as the job runs it (fitted pydelatin meshes, every level
  down to the DEM's resolution, two processes);
* baseline: the naive mesh — every sample of the 257 × 257 grid a vertex — on the same tiles down to
  two levels fewer (the full depth would take several times longer), one process.

Each build runs in its own subprocess so its peak memory (max RSS, the process and its workers) is
its own. The ratios printed are per tile: seconds and bytes.

Smaller runs: ``--size 4000``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

E0, N0 = 400_000.0, 1_100_000.0  # south-west corner: the province's mainland and its sea
RES = 10.0
BLOCK = 1000


def make_dem(path: Path, size: int) -> None:
    """Hills (a few hundred metres) from sums of sines, rough at 10 m, and sea (nodata) in the south."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    profile = dict(
        driver="GTiff", width=size, height=size, count=1, dtype="float32", crs="EPSG:5899", nodata=-9999.0,
        transform=from_origin(E0, N0 + size * RES, RES, RES), tiled=True, blockxsize=256, blockysize=256,
    )  # fmt: skip
    rng = np.random.default_rng(3)
    with rasterio.open(path, "w", **profile) as ds:
        for row in range(0, size, BLOCK):
            y = (size - row - np.arange(min(BLOCK, size - row))[:, None]) * RES
            x = np.arange(size)[None, :] * RES
            h = 200 * (np.sin(x / 7100) * np.cos(y / 5300)) ** 2 + 60 * np.sin(x / 900 + y / 1300)
            h += 15 * np.sin(x / 170) * np.sin(y / 230) + rng.normal(0, 0.5, h.shape)
            h = np.where(y + 0.3 * x < 25_000, -9999.0, np.maximum(h + 5.0, 1.0)).astype("float32")
            ds.write(h, 1, window=Window(0, row, size, h.shape[0]))


def child(dem: str, out: str, mode: str, max_level: int | None) -> None:
    from tiling.terrain.build import DemInput, build_terrain

    naive = mode == "naive"
    workers = 1 if naive else 2
    stats = build_terrain(
        [DemInput(Path(dem), heights="normal")],
        Path(out),
        max_level=max_level,
        regular_step=1 if naive else None,
        workers=workers,
    )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    each_worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if workers > 1 else 0
    # the main process plus every worker at its largest (an upper bound of the sum at any moment)
    peak = (own + workers * each_worker) / 1024**2 if workers > 1 else own / 1024**2
    print(json.dumps({**stats.to_dict(), "peak_rss_gb": round(peak, 2)}))


def run(dem: Path, out: Path, mode: str, max_level: int | None) -> dict:
    started = time.perf_counter()
    args = [sys.executable, __file__, "--child", mode, str(dem), str(out)]
    if max_level is not None:
        args += ["--max-level", str(max_level)]
    result = subprocess.run(args, capture_output=True, text=True, check=True)
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    stats.update(wall_seconds=round(time.perf_counter() - started, 1))
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000, help="DEM width and height in pixels")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DEM", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--max-level", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, dem, out = args.child
        child(dem, out, mode, args.max_level)
        return
    work = Path(tempfile.mkdtemp(prefix="heritage-bench-terrain-"))
    try:
        dem = work / "dem.tif"
        t = time.perf_counter()
        make_dem(dem, args.size)
        print(f"DEM {args.size} × {args.size} at {RES:.0f} m written in {time.perf_counter() - t:.1f} s")
        product = run(dem, work / "product", "product", None)
        print(f"product : {json.dumps(product)}")
        baseline = run(dem, work / "baseline", "naive", product["max_level"] - 2)
        print(f"baseline: {json.dumps(baseline)}")
        per_tile = product["seconds"] / product["tiles"]
        base_per_tile = baseline["seconds"] / baseline["tiles"]
        print(
            f"terrain build: {product['tiles']} tiles, levels 0–{product['max_level']}, "
            f"{product['wall_seconds']:.1f} s wall, peak RSS {product['peak_rss_gb']:.2f} GB "
            f"(goal < 180 s, < 2 GB), {product['bytes'] / 1e6:.1f} MB"
        )
        print(
            f"per tile: {per_tile * 1000:.1f} ms vs naive {base_per_tile * 1000:.1f} ms "
            f"(ratio {base_per_tile / per_tile:.2f}× faster); bytes per tile "
            f"{product['bytes'] / product['tiles'] / 1e3:.1f} kB vs {baseline['bytes'] / baseline['tiles'] / 1e3:.1f} kB "
            f"(ratio {baseline['bytes'] / baseline['tiles'] / (product['bytes'] / product['tiles']):.1f}× smaller)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
