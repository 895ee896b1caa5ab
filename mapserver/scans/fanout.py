"""A point cloud too big for one machine's time, tiled by any number of workers (tiling.fanout).

``tile_scan`` sees a cloud of at least ``HERITAGE_TILING_FANOUT_POINTS`` points (default 20 M)
and, instead of tiling it, *prepares* it: reads it once, writes the upper levels' tiles and one
file per octree bucket into the store under ``scans/<id>/fanout/<run>/``, records the run in
``stats->'fanout'`` and defers one ``tile_scan_part`` job per bucket. Any worker takes a part:
it fetches the bucket file, builds that subtree, stores its tiles and nodes, and marks the part
done under the scan row's lock; the one that finds every part done defers ``merge_scan_parts``,
which gathers all tiles, writes the one tileset.json, validates it and publishes it as the next
version like any tiling job. A part or a merge of a run that is no longer the scan's (tiled
again since) does nothing. Parts are ``HERITAGE_TILING_PART_POINTS`` points at most (2 M).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from pathlib import Path

import psycopg

from ..db import database_url
from ..jobs.scratch import remove, scratch_dir
from ..store import make_store
from . import queries

log = logging.getLogger("heritage.tiling")
# task names as registered by jobs.tasks under the "heritage" namespace (jobs.queue.NAMESPACE)
TILE_PART = "heritage:tile_scan_part"
MERGE_PARTS = "heritage:merge_scan_parts"


def fanout_points() -> int:
    return int(os.environ.get("HERITAGE_TILING_FANOUT_POINTS", "20000000"))


def part_points() -> int:
    return int(os.environ.get("HERITAGE_TILING_PART_POINTS", "2000000"))


def wanted(path: Path) -> bool:
    from tiling.fanout import point_count

    count = point_count(path)
    return count is not None and count >= fanout_points()


def _prefix(scan_id: int, run: str) -> str:
    return f"scans/{scan_id}/fanout/{run}"


def _defer(settings, task: str, **kwargs) -> None:
    from procrastinate.exceptions import AlreadyEnqueued

    from ..jobs.queue import make_app  # imported here: jobs.queue → jobs.tasks → this module

    app = make_app(database_url(settings))
    with app.open():
        lock = f"{task}:{kwargs['scan_id']}:{kwargs['run']}:{kwargs.get('part', '')}"
        try:
            app.configure_task(task, queueing_lock=lock).defer(**kwargs)
        except AlreadyEnqueued:  # a retried part found every part done again: one merge is enough
            log.info("%s %s is queued already", task, kwargs)


def start(settings, conn: psycopg.Connection, store, scan_id: int, source: Path, row: tuple, work: Path) -> None:
    """Prepare a big scan and queue its parts (called by tiling_job.run_tiling, scan 'running')."""
    from tiling.fanout import prepare
    from tiling.pointcloud.octree import OctreeParams

    _, epsg, heights, e, n, h, heading, compress, _version = row
    run = uuid.uuid4().hex[:12]
    conn.execute(queries.PROGRESS, (0.0, "reading the scan to split it", scan_id))
    plan = prepare(
        source,
        work / "upper",
        work / "buckets",
        src_crs=epsg,
        heights=heights,
        anchor=(e, n, h) if e is not None else None,
        heading=heading or 0.0,
        compress=compress,
        octree=OctreeParams(bucket=part_points()),
    )
    prefix = _prefix(scan_id, run)
    store.put_tree(f"{prefix}/upper", work / "upper")
    for b in plan.buckets:
        store.put_file(f"{prefix}/buckets/{b['file']}", work / "buckets" / b["file"])
    (work / "plan.json").write_text(plan.to_json())
    store.put_file(f"{prefix}/plan.json", work / "plan.json")
    state = {"run": run, "parts": len(plan.buckets), "done": {}}
    conn.execute(queries.FANOUT_STARTED, (json.dumps(state), f"tiling in {len(plan.buckets)} parts", scan_id))
    for part in range(len(plan.buckets)):
        _defer(settings, TILE_PART, scan_id=scan_id, run=run, part=part)
    log.info("scan %s: run %s split into %s parts", scan_id, run, len(plan.buckets))


def _current(conn: psycopg.Connection, scan_id: int, run: str) -> dict | None:
    row = conn.execute(queries.FANOUT_LOCK, (scan_id,)).fetchone()
    state = row[0] if row else None
    return state if state and state.get("run") == run else None


def _plan(store, prefix: str, work: Path):
    from tiling.fanout import Plan

    with store.local_tree(prefix) as folder:
        return Plan.from_json((folder / "plan.json").read_text())


def _fetch(store, key: str, target: Path) -> Path:
    info = store.stat(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as fh:
        for block in store.read(key, 0, info.size if info else 0):
            fh.write(block)
    return target


def run_part(settings, scan_id: int, run: str, part: int) -> None:
    """Build one part; the last part to finish queues the merge."""
    from tiling.fanout import build_part

    store = make_store(settings)
    prefix = _prefix(scan_id, run)
    work = scratch_dir(settings)
    try:
        with psycopg.connect(database_url(settings), autocommit=True) as conn:
            with conn.transaction():
                if _current(conn, scan_id, run) is None:
                    log.info("scan %s: part %s of a replaced run %s skipped", scan_id, part, run)
                    return
            plan = _plan(store, prefix, work)
            name = plan.buckets[part]["file"]
            bucket = _fetch(store, f"{prefix}/buckets/{name}", work / "bucket" / name)
            nodes = build_part(plan, part, bucket, work / "out")
            (work / "out" / "nodes.json").write_text(json.dumps(nodes))
            store.delete_prefix(f"{prefix}/part-{part}")  # a retried part replaces its first try
            store.put_tree(f"{prefix}/part-{part}", work / "out")
            with conn.transaction():
                state = _current(conn, scan_id, run)
                if state is None:
                    return
                state["done"][str(part)] = os.getpid()
                done, total = len(state["done"]), state["parts"]
                stage = f"tiled {done} of {total} parts"
                conn.execute(queries.FANOUT_SET, (json.dumps(state), 0.9 * done / total, stage, scan_id))
        if done == total:
            _defer(settings, MERGE_PARTS, scan_id=scan_id, run=run)
    finally:
        remove(work)


def run_merge(settings, scan_id: int, run: str) -> None:
    """Gather every part's tiles into one validated tileset and publish it."""
    from tiling.errors import TilingError
    from tiling.fanout import merge

    from .tiling_job import publish  # imported here: tiling_job imports this module

    store = make_store(settings)
    prefix = _prefix(scan_id, run)
    work = scratch_dir(settings)
    try:
        with psycopg.connect(database_url(settings), autocommit=True) as conn:
            with conn.transaction():
                state = _current(conn, scan_id, run)
            if state is None or state.get("merged") or len(state["done"]) != state["parts"]:
                log.info("scan %s: merge of run %s not needed", scan_id, run)
                return
            version = conn.execute(queries.TILING_INPUT, (scan_id,)).fetchone()[-1]
            conn.execute(queries.PROGRESS, (0.9, "merging the parts", scan_id))
            out = work / "out"
            plan = _plan(store, prefix, work)
            parts = []
            for folder in ["upper", *(f"part-{i}" for i in range(state["parts"]))]:
                with store.local_tree(f"{prefix}/{folder}") as here:
                    shutil.copytree(here / "tiles", out / "tiles", dirs_exist_ok=True)
                    if folder != "upper":
                        parts.append(json.loads((here / "nodes.json").read_text()))
            try:
                stats = merge(plan, parts, out)
            except TilingError as exc:
                conn.execute(*queries.failed(scan_id, str(exc)))
                return
            with conn.transaction():
                if _current(conn, scan_id, run) is None:  # tiled again meanwhile
                    return
                state["merged"] = True
                conn.execute(queries.FANOUT_SET, (json.dumps(state), 0.95, "publishing", scan_id))
            workers = sorted(set(state["done"].values()))  # process ids of the workers that built parts
            publish(conn, store, scan_id, version + 1, out, stats, fanout={"parts": state["parts"], "workers": workers})
        store.delete_prefix(prefix)
    finally:
        remove(work)
