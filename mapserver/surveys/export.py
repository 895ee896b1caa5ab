"""A batch's points streamed back as CSV or GeoJSON in the CRS the surveyor asks for.

Stored VN-2000 / TM-3 107-45 coordinates are returned as stored; any other zone is converted from
the stored WGS 84 through crs/ (EPSG:6960 pinned, at the point's ellipsoidal height when it has
one), a chunk of rows at a time. Metres with 4 decimals and degrees with 10 (0.1 mm or better).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import numpy as np
from psycopg_pool import AsyncConnectionPool

import crs

from ..csvfile import csv_text
from . import queries

PROVINCIAL_ZONE = 5899
CHUNK_ROWS = 20_000
HEIGHT_DECIMALS = 4


def _fmt(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


def _coordinates(rows: list[tuple], zone: crs.Zone) -> tuple[list, list]:
    lon = [r[2] for r in rows]
    lat = [r[3] for r in rows]
    if zone.epsg == PROVINCIAL_ZONE:
        return [r[4] for r in rows], [r[5] for r in rows]
    if zone.datum == "WGS84" and zone.kind == "geographic":
        return lon, lat
    h = np.array([np.nan if r[7] is None else r[7] for r in rows], dtype=np.float64)
    xs, ys, _ = crs.transform(lon, lat, h, src=4326, dst=zone, heights="ellipsoidal")
    return xs.tolist(), ys.tolist()


def _csv_chunk(rows: list[tuple], xs: list, ys: list, decimals: int) -> str:
    return csv_text(
        (
            (
                r[0],
                r[1] or "",
                _fmt(x, decimals),
                _fmt(y, decimals),
                _fmt(r[6], HEIGHT_DECIMALS),
                _fmt(r[7], HEIGHT_DECIMALS),
                _fmt(r[8], 3),
                r[9].isoformat() if r[9] else "",
            )
            for r, x, y in zip(rows, xs, ys)
        ),
        line_end="\n",
    )


def _geojson_features(rows: list[tuple], xs: list, ys: list, decimals: int, zone: crs.Zone) -> list[str]:
    out = []
    for r, x, y in zip(rows, xs, ys):
        height = r[7] if zone.datum == "WGS84" else r[6]
        coords = [round(x, decimals), round(y, decimals)]
        if height is not None:
            coords.append(round(height, HEIGHT_DECIMALS))
        feature = {
            "type": "Feature",
            "id": r[0],
            "geometry": {"type": "Point", "coordinates": coords},
            "properties": {
                "point": r[0],
                "code": r[1],
                "h_normal": r[6],
                "h_ellipsoidal": r[7],
                "accuracy_m": r[8],
                "observed_at": r[9].isoformat() if r[9] else None,
            },
        }
        out.append(json.dumps(feature, ensure_ascii=False))
    return out


async def point_lines(pool: AsyncConnectionPool, batch_id: int, zone: crs.Zone, fmt: str) -> AsyncIterator[str]:
    geographic = zone.kind == "geographic"
    decimals = 10 if geographic else 4
    names = ("lon", "lat") if geographic else ("easting", "northing")
    if fmt == "csv":
        yield f"point,code,{names[0]},{names[1]},h_normal,h_ellipsoidal,accuracy_m,observed_at\n"
    else:
        yield (
            '{"type":"FeatureCollection","crs_note":"coordinates in '
            + zone.srs
            + ', height = h_normal (VN-2000) for VN-2000 output, h_ellipsoidal (WGS 84) for WGS 84",'
            '"features":['
        )
    first = True
    async with pool.connection() as conn, conn.transaction():
        async with conn.cursor(name=f"points_{batch_id}") as cur:
            await cur.execute(queries.POINTS, (batch_id,))
            while rows := await cur.fetchmany(CHUNK_ROWS):
                xs, ys = _coordinates(rows, zone)
                if fmt == "csv":
                    yield _csv_chunk(rows, xs, ys, decimals)
                    continue
                features = _geojson_features(rows, xs, ys, decimals, zone)
                yield ("" if first else ",") + ",".join(features)
                first = False
    if fmt == "geojson":
        yield "]}"
