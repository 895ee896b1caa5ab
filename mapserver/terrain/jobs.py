"""The body of a raster job: build → publish a new folder in the store → switch the layer to done.

A terrain job merges every usable DEM added up to and including its own (tiling.terrain.build)
into ``terrain/v<id>/``; the newest done build is the public terrain, so a failed build leaves the
previous one on the map. An imagery job writes ``imagery/<id>/v1/``. Nothing half-written is ever
published: the output is made in a scratch folder and copied in as a whole.
"""

from __future__ import annotations

import json
import logging
import os
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg

from ..db import database_url
from ..jobs.scratch import remove, scratch_dir
from ..store import make_store
from . import queries

log = logging.getLogger("heritage.terrain")
TASK = "build_raster"
PROGRESS_EVERY_SECONDS = 0.5
ORIGINAL_MISSING = "The original upload is missing from the store; add the raster again."
INTERNAL = "Internal error while building the layer (retried {n} times); the staff has been notified in the logs."
# Processes meshing the tiles of one terrain build (the province at 10 m is ~2,300 tiles).
BUILD_PROCESSES = min(2, os.cpu_count() or 1)
# The water mask is known from the GSHHG shorelines within this margin (degrees) of the DEMs.
WATER_MARGIN_DEG = 0.5


def _progress_writer(conn: psycopg.Connection, layer_id: int, also=None):
    last = [0.0]

    def report(fraction: float, stage: str) -> None:
        if also is not None:
            also(fraction, stage)
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_SECONDS and fraction < 1:
            return
        last[0] = now
        conn.execute(queries.PROGRESS, (max(0.0, min(1.0, float(fraction))), stage[:200], layer_id))

    return report


def water_mask_for(bounds):
    """Cesium's water mask from the GSHHG land around bounds, or None when the shorelines are not
    installed (the mask is then left out: 'where known')."""
    from tiling.terrain import gshhg

    if not gshhg.available():
        return None
    w, s, e, n = bounds
    box = (max(-180.0, w - WATER_MARGIN_DEG), max(-90.0, s - WATER_MARGIN_DEG), min(180.0, e + WATER_MARGIN_DEG))
    box = (*box, min(90.0, n + WATER_MARGIN_DEG))
    return gshhg.WaterMask(gshhg.land_polygons(box), box)


def _build_terrain(conn, store, layer_id: int, work: Path, report) -> tuple[dict, int]:
    from tiling.terrain.build import DemInput, build_terrain, describe

    from .service import TERRAIN_ATTRIBUTION

    rows = conn.execute(queries.DEMS_FOR_BUILD, (layer_id,)).fetchall()
    with ExitStack() as stack:
        ids, dems = [], []
        for dem_id, file_key, epsg, heights, label in rows:
            if store.stat(file_key) is None:
                if dem_id == layer_id:
                    raise FileNotFoundError(file_key)
                log.warning("DEM %s has no original in the store; left out of build %s", dem_id, layer_id)
                continue
            folder, _, name = file_key.rpartition("/")
            local = stack.enter_context(store.local_tree(folder))
            ids.append(dem_id)
            dems.append(DemInput(local / name, crs=epsg, heights=heights, label=label))
        infos = describe(dems)
        union = (
            min(i.bounds[0] for i in infos),
            min(i.bounds[1] for i in infos),
            max(i.bounds[2] for i in infos),
            max(i.bounds[3] for i in infos),
        )
        stats = build_terrain(
            dems,
            work / "out",
            water=water_mask_for(union),
            progress=report,
            version=str(layer_id),
            attribution=TERRAIN_ATTRIBUTION,
            workers=BUILD_PROCESSES,
        )
    store.put_tree(f"terrain/v{layer_id}", work / "out")
    source = infos[ids.index(layer_id)].to_dict()
    return {"source": source, "build": {**stats.to_dict(), "merged": ids}}, layer_id


def _build_imagery(store, layer_id: int, file_key: str, epsg, work: Path, report) -> tuple[dict, int]:
    from tiling.terrain.imagery import build_imagery

    folder, _, name = file_key.rpartition("/")
    with store.local_tree(folder) as local:
        stats, source = build_imagery(local / name, work / "out", crs=epsg, progress=report)
    store.put_tree(f"imagery/{layer_id}/v1", work / "out")
    return {"source": source, "build": stats.to_dict()}, 1


def run_build(settings, layer_id: int, *, attempt: int = 1, progress=None) -> None:
    """Build one layer (the job's body; ``heritage terrain add --now`` runs it in the CLI with progress)."""
    from tiling.errors import TilingError

    store = make_store(settings)
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        row = conn.execute(queries.JOB_INPUT, (layer_id,)).fetchone()
        if row is None:
            log.warning("raster layer %s no longer exists; nothing to build", layer_id)
            return
        kind, file_key, _, epsg, _, _ = row
        if not file_key or store.stat(file_key) is None:
            conn.execute(*queries.failed(layer_id, ORIGINAL_MISSING))
            return
        conn.execute(queries.RUNNING, (attempt, layer_id))
        work = scratch_dir(settings)
        report = _progress_writer(conn, layer_id, progress)
        try:
            if kind == "terrain":
                stats, version = _build_terrain(conn, store, layer_id, work, report)
            else:
                stats, version = _build_imagery(store, layer_id, file_key, epsg, work, report)
            conn.execute(queries.DONE, (json.dumps(stats), version, layer_id))
            if kind == "terrain":
                _drop_old_builds(conn, store, layer_id)
        except TilingError as exc:
            conn.execute(*queries.failed(layer_id, str(exc)))
        finally:
            remove(work)


def _drop_old_builds(conn: psycopg.Connection, store, layer_id: int) -> None:
    """Keep the new build and the one before it (caches, open viewers); older merged builds go."""
    older = [r[0] for r in conn.execute(queries.OLD_TERRAIN_BUILDS, (layer_id,)).fetchall()]
    for build_id in older[:-1]:
        store.delete_prefix(f"terrain/v{build_id}")


def mark_failed(settings, layer_id: int, reason: str) -> None:
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute(*queries.failed(layer_id, reason))


def mark_queued_again(settings, layer_id: int) -> None:
    with psycopg.connect(database_url(settings), autocommit=True) as conn:
        conn.execute(queries.QUEUED_AGAIN, (layer_id,))


def build_raster(context, layer_id: int) -> None:
    """The procrastinate task (jobs.tasks registers it on the 'terrain' queue)."""
    from ..jobs.tasks import MAX_ATTEMPTS as max_attempts

    settings = context.additional_context["settings"]
    attempt = (context.job.attempts or 0) + 1
    try:
        run_build(settings, layer_id, attempt=attempt)
    except Exception:
        log.exception("building raster layer %s failed (attempt %s of %s)", layer_id, attempt, max_attempts)
        if attempt >= max_attempts:
            mark_failed(settings, layer_id, INTERNAL.format(n=max_attempts))
        raise


def defer_build_sync(dsn: str, layer_id: int) -> int:
    """Queue the build of a layer (CLI; the web app runs this in a thread)."""
    from ..jobs.queue import NAMESPACE, make_app

    app = make_app(dsn)
    with app.open():
        return app.configure_task(f"{NAMESPACE}:{TASK}").defer(layer_id=layer_id)
