"""The offline basemap, made at set-up (``ensure_basemap``, called by ``heritage setup``; or
``heritage basemap build``): GSHHG shorelines from Debian's gmt-gshhg-full, the province outline of
the database and the district seats of data/district_seats.csv, rendered by tiling.terrain.basemap
into ``basemap/<version>/`` of the store. The version is a hash of every input, so running set-up
again costs one query when nothing changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg
from shapely import wkb
from shapely.geometry import box

from ..jobs.scratch import remove, scratch_dir
from ..regions import queries as region_queries
from ..regions.unlocated import SEATS_FILE, district_seats
from ..store import make_store
from . import queries

RENDERER_VERSION = "1"
MARGIN_DEG = 0.15
DEFAULT_MAX_LEVEL = 15  # ≈ 2.4 m per pixel: street scale; 16 doubles the time for lines the data cannot refine
BOUNDARY_ATTRIBUTION = "ranh giới tỉnh © geoBoundaries (CC BY-SA 4.0)"
PROVENANCE = [
    {
        "data": "shorelines",
        "source": "GSHHG 2.3.7 full resolution, Debian package gmt-gshhg-full",
        "authors": "P. Wessel, W. H. F. Smith",
        "licence": "LGPL-3+",
    },
    {"data": "province outline", "source": "data/boundary.geojson (geoBoundaries gbOpen)", "licence": "CC BY-SA 4.0"},
    {"data": "district seats", "source": f"data/{SEATS_FILE} (Wikipedia infobox coordinates, cited per row)"},
]


def _seats(data_dir: Path) -> tuple[list, bytes]:
    from tiling.terrain.basemap import Label

    path = data_dir / SEATS_FILE
    raw = path.read_bytes() if path.is_file() else b""
    return [Label(s["name"], s["lon"], s["lat"]) for s in district_seats(data_dir).values()], raw


def _inputs(conn: psycopg.Connection, settings, max_level: int):
    from tiling.terrain import gshhg

    row = conn.execute(region_queries.PROVINCE_OUTLINE).fetchone()
    if row is None:
        return None
    outline_wkb = bytes(row[0])
    province = wkb.loads(outline_wkb)
    w, s, e, n = province.bounds
    bounds = (w - MARGIN_DEG, s - MARGIN_DEG, e + MARGIN_DEG, n + MARGIN_DEG)
    labels, seats_raw = _seats(settings.data_dir)
    info = gshhg.GSHHG_FULL.stat()
    digest = hashlib.sha256()
    for part in (RENDERER_VERSION, str(info.st_size), str(info.st_mtime_ns), str(bounds), str(max_level)):
        digest.update(part.encode())
    digest.update(outline_wkb)
    digest.update(seats_raw)
    return digest.hexdigest()[:12], province, bounds, labels


def ensure_basemap(settings, dsn: str, *, max_level: int = DEFAULT_MAX_LEVEL, progress=None) -> tuple[str | None, str]:
    """(version, what happened). Builds the basemap unless this exact one exists already."""
    from tiling.terrain import gshhg
    from tiling.terrain.basemap import BasemapSpec, build_basemap

    if not gshhg.available():
        return None, f"skipped: {gshhg.GSHHG_FULL} is missing (apt-get install gmt-gshhg-full)"
    with psycopg.connect(dsn, autocommit=True) as conn:
        found = _inputs(conn, settings, max_level)
        if found is None:
            return None, "skipped: no province boundary is loaded"
        version, province, bounds, labels = found
        if conn.execute(queries.BASEMAP_EXISTS, (version,)).fetchone():
            return version, "up to date"
        land = gshhg.land_polygons(bounds).intersection(box(*bounds))
        spec = BasemapSpec(
            bounds=bounds,
            land=land,
            province=province,
            labels=labels,
            max_level=max_level,
            attribution=f"Bản đồ nền / Basemap: {gshhg.ATTRIBUTION}; {BOUNDARY_ATTRIBUTION}",
            provenance=PROVENANCE,
        )
        work = scratch_dir(settings)
        try:
            stats = build_basemap(spec, work / "out", progress=progress)
            make_store(settings).put_tree(f"basemap/{version}", work / "out")
        finally:
            remove(work)
        manifest = {**_manifest(spec), "seconds": round(stats.seconds, 1)}
        conn.execute(queries.BASEMAP_INSERT, (version, json.dumps(manifest)))
    return version, f"built {stats.rendered} drawn + {stats.filled} plain tiles in {stats.seconds:.0f} s"


def _manifest(spec) -> dict:
    return {
        "bounds": [round(v, 6) for v in spec.bounds],
        "min_level": spec.min_level,
        "max_level": spec.max_level,
        "attribution": spec.attribution,
        "provenance": spec.provenance,
    }
