"""Use cases of raster layers: register a DEM or an orthophoto (original into the store, row, audit),
read layers for the staff, and the layers the viewer is given (GET /api/terrain). Job side:
terrain.jobs."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg_pool import AsyncConnectionPool

import crs

from ..db import connection
from ..errors import NotFound
from ..records.audit import audit_entry
from ..store import Store, file_sha256, safe_name
from . import queries

KINDS = ("terrain", "imagery")
SUFFIXES = (".tif", ".tiff", ".gtiff", ".cog")
PUBLIC_TTL_SECONDS = 30.0
TERRAIN_ATTRIBUTION = "Địa hình / Terrain: Sở VHTTDL Bà Rịa–Vũng Tàu (DEM của đơn vị)"


class RasterRejected(ValueError):
    """The raster cannot be used; the message is safe to show."""


@dataclass
class RasterRequest:
    kind: str
    file_path: Path
    file_name: str
    actor: str
    crs: str | None = None
    heights: str | None = None  # terrain only: 'normal' (VN-2000, Hòn Dấu) or 'ellipsoidal'
    label: str | None = None


def _check(req: RasterRequest) -> tuple[int, dict]:
    """Open the raster (header only) the way the job will: its CRS must be one crs/ supports."""
    from tiling.errors import TilingError
    from tiling.terrain.raster import SourceRaster

    if req.kind not in KINDS:
        raise RasterRejected("kind must be terrain or imagery")
    if Path(req.file_name).suffix.lower() not in SUFFIXES:
        raise RasterRejected(f"a GeoTIFF is expected ({', '.join(SUFFIXES)})")
    if req.kind == "terrain" and req.heights not in ("normal", "ellipsoidal"):
        raise RasterRejected("heights must be normal (VN-2000, Hòn Dấu) or ellipsoidal (WGS 84)")
    if req.kind == "imagery" and req.heights is not None:
        raise RasterRejected("heights apply to terrain (DEMs) only")
    code = None
    if req.crs:
        try:
            code = crs.parse_crs(req.crs).epsg
        except (crs.UnsupportedCRS, ValueError) as exc:
            raise RasterRejected(f"Unsupported CRS '{req.crs[:60]}': {exc}") from None
    try:
        with SourceRaster(req.file_path, crs_code=code, heights=req.heights) as raster:
            if req.kind == "imagery" and raster.dataset.dtypes[0] != "uint8":
                raise RasterRejected("an orthophoto must have 8-bit bands (RGB or RGBA)")
            return raster.info.epsg, raster.info.to_dict()
    except TilingError as exc:
        raise RasterRejected(str(exc)) from None


def register_raster(conn: psycopg.Connection, store: Store, req: RasterRequest) -> int:
    """Insert the layer and store its original; the caller queues the build job after the commit."""
    epsg, source = _check(req)
    sha256, size = file_sha256(req.file_path)
    with conn.transaction():
        layer_id = conn.execute(
            queries.INSERT,
            (req.kind, req.label, req.file_name[:200], sha256, size, epsg, req.heights, req.actor),
        ).fetchone()[0]
        key = f"rasters/{layer_id}/{safe_name(req.file_name)}"
        store.put_file(key, req.file_path)
        conn.execute(queries.SET_FILE_KEY, (key, layer_id))
        conn.execute(
            *audit_entry(req.actor, "upload", f"raster_{req.kind}", str(layer_id), {"file": req.file_name[:200]})
        )
    return layer_id


async def all_layers(pool: AsyncConnectionPool) -> list:
    async with connection(pool) as conn:
        return json.loads((await (await conn.execute(queries.ALL)).fetchone())[0])


async def one_layer(pool: AsyncConnectionPool, layer_id: int) -> dict:
    async with connection(pool) as conn:
        row = await (await conn.execute(queries.ONE, (layer_id,))).fetchone()
    if row is None:
        raise NotFound(f"No raster layer {layer_id}.")
    return json.loads(row[0])


def _rectangle(bounds) -> list[float] | None:
    return [round(float(v), 7) for v in bounds] if bounds else None


async def viewer_layers(pool: AsyncConnectionPool) -> dict:
    """What the map shows besides the globe: the current terrain, the orthophotos (coarse first, so
    finer ones draw on top), the basemap — with their URLs (immutable, versioned)."""
    async with connection(pool) as conn:
        terrain = await (await conn.execute(queries.TERRAIN_VERSIONS)).fetchall()
        imagery = await (await conn.execute(queries.IMAGERY_LAYERS)).fetchall()
        basemap = await (await conn.execute(queries.BASEMAP_CURRENT)).fetchone()
    out: dict = {"terrain": None, "imagery": [], "basemap": None}
    if terrain:
        build_id, stats = terrain[0]
        build = (stats or {}).get("build", {})
        out["terrain"] = {
            "id": build_id,
            "url": f"/terrain/v{build_id}/layer.json",
            "rectangle": _rectangle(build.get("bounds")),
            "max_level": build.get("max_level"),
            "sources": [s.get("label") or s.get("crs") for s in build.get("sources", [])],
            "attribution": TERRAIN_ATTRIBUTION,
        }
    for layer_id, label, version, stats in imagery:
        built = (stats or {}).get("build", {})
        out["imagery"].append(
            {
                "id": layer_id,
                "label": label,
                "url_template": f"/imagery/{layer_id}/v{version}/{{z}}/{{x}}/{{reverseY}}.png",
                "tiling_scheme": "geographic",
                "rectangle": _rectangle((stats or {}).get("source", {}).get("bounds")),
                "min_level": built.get("min_level", 0),
                "max_level": built.get("max_level", 0),
                "attribution": label,
            }
        )
    if basemap:
        version, manifest = basemap
        out["basemap"] = {
            "version": version,
            "url_template": f"/basemap/{version}/{{z}}/{{x}}/{{reverseY}}.png",
            "tiling_scheme": "geographic",
            "rectangle": manifest.get("bounds"),
            "min_level": manifest.get("min_level"),
            "max_level": manifest.get("max_level"),
            "attribution": manifest.get("attribution"),
        }
    return out


class PublishedRasters:
    """Which terrain builds and imagery versions the public may fetch, remembered briefly per app (a
    tile should not cost a query). Only yes-answers are remembered."""

    def __init__(self, ttl_seconds: float = PUBLIC_TTL_SECONDS):
        self.ttl = ttl_seconds
        self._until: dict[tuple, float] = {}

    async def _ask(self, pool: AsyncConnectionPool, key: tuple, sql: str, params: tuple, check) -> bool:
        if self._until.get(key, 0) > time.monotonic():
            return True
        async with connection(pool) as conn:
            rows = await (await conn.execute(sql, params)).fetchall()
        ok = check(rows)
        if ok:
            self._until[key] = time.monotonic() + self.ttl
        return ok

    async def terrain(self, pool: AsyncConnectionPool, build_id: int) -> bool:
        # the current build and the one before it (caches, open viewers)
        return await self._ask(
            pool, ("terrain", build_id), queries.TERRAIN_VERSIONS, (), lambda rows: build_id in [r[0] for r in rows]
        )

    async def imagery(self, pool: AsyncConnectionPool, layer_id: int, version: int) -> bool:
        return await self._ask(
            pool, ("imagery", layer_id, version), queries.IMAGERY_PUBLIC, (layer_id, version), lambda rows: bool(rows)
        )

    async def basemap(self, pool: AsyncConnectionPool, version: str) -> bool:
        return await self._ask(pool, ("basemap", version), queries.BASEMAP_EXISTS, (version,), lambda rows: bool(rows))
