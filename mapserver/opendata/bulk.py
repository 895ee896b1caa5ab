"""Bulk files of a dataset: built from its public rows, kept in the store under the dataset's
current version (``opendata/{dataset}/{version}/{file}``), so a file is built once per version
and a publication or withdrawal gives the next request a freshly built file."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool

from ..csvfile import UTF8_BOM, csv_text
from ..geo import crsref, exports
from ..ogc import collections as ogc_collections
from ..ogc import documents
from ..ogc import query as ogc_query
from ..ogc.params import parse_items_query
from ..records import queries as record_queries
from ..store import Store
from .datasets import Dataset, Distribution

# Open data of the registry is small (hundreds of relics); the cap keeps one request bounded.
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Version:
    tag: str  # short hex fingerprint of the public rows
    rows: int
    modified: datetime | None


async def version(pool: AsyncConnectionPool, dataset: Dataset) -> Version:
    async with pool.connection() as conn:
        rows, modified = await (await conn.execute(dataset.fingerprint_sql)).fetchone()
    seed = f"{dataset.id}|{rows}|{modified.isoformat() if modified else ''}".encode()
    return Version(hashlib.sha256(seed).hexdigest()[:16], rows, modified)


def store_key(dataset: Dataset, v: Version, d: Distribution) -> str:
    return f"opendata/{dataset.id}/{v.tag}/{d.file_name}"


async def _features(
    pool: AsyncConnectionPool, dataset: Dataset, epsg: int | None
) -> tuple[list[dict], list[str], Any, Any]:
    """The dataset's features in CRS84 or ``epsg`` (converted through crs/), their columns, zone, collection."""
    c = ogc_collections.find(dataset.collection, None)
    params = {"limit": str(MAX_ROWS)}
    if epsg is not None:
        params["crs"] = f"http://www.opengis.net/def/crs/EPSG/0/{epsg}"
    q = parse_items_query(params, c, default_limit=MAX_ROWS, max_limit=MAX_ROWS)
    mode = "geojson" if crsref.is_crs84(q.crs) else "wkb"
    statement, values = ogc_query.page_sql(c, q, mode)
    async with pool.connection() as conn:
        rows = await (await conn.execute(statement, values)).fetchall()
    texts = documents.feature_texts(rows, q.crs, mode)
    features = orjson.loads("[" + ",".join(texts) + "]")
    return features, [p.name for p in c.output_properties], q.crs, c


async def _records(pool: AsyncConnectionPool, dataset: Dataset) -> list[dict[str, Any]]:
    statement, values = record_queries.page(
        dataset.kind, public=True, filters={}, q=None, statuses=None, limit=MAX_ROWS, offset=0
    )
    async with pool.connection() as conn:
        text, _ = await (await conn.execute(statement, values)).fetchone()
    return orjson.loads(text)


def _records_csv(records: list[dict[str, Any]], dataset: Dataset) -> bytes:
    columns = [f.name for f in dataset.kind.public_fields]
    header = ["id", *[c for c in columns if c != "id"]]
    return (UTF8_BOM + csv_text([header, *[[r.get(c) for c in header] for r in records]])).encode()


async def build(pool: AsyncConnectionPool, dataset: Dataset, d: Distribution) -> bytes:
    """The file's bytes, built from the public rows now."""
    if dataset.kind is not None:
        records = await _records(pool, dataset)
        if d.format == "json":
            return orjson.dumps(records)
        return _records_csv(records, dataset)
    features, columns, zone, c = await _features(pool, dataset, d.epsg)
    if d.format == "geojson":
        return orjson.dumps({"type": "FeatureCollection", "name": dataset.id, "features": features})
    if d.format == "csv":
        return exports.to_csv(features, columns, zone)
    return await run_in_threadpool(
        exports.to_gpkg, features, columns, zone, dataset.id.replace("-", "_"), c.geometry_type
    )


async def current_file(pool: AsyncConnectionPool, store: Store, dataset: Dataset, d: Distribution) -> tuple[str, bytes]:
    """(version tag, bytes) of the file for the dataset as published now; built and kept on first use."""
    v = await version(pool, dataset)
    key = store_key(dataset, v, d)
    if await run_in_threadpool(store.stat, key) is None:
        body = await build(pool, dataset, d)
        await run_in_threadpool(_put, store, key, body)
        return v.tag, body
    return v.tag, await run_in_threadpool(_read, store, key)


def _put(store: Store, key: str, body: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="heritage-opendata-") as folder:
        path = Path(folder) / "file"
        path.write_bytes(body)
        store.put_file(key, path)


def _read(store: Store, key: str) -> bytes:
    info = store.stat(key)
    return b"".join(store.read(key, 0, info.size))
