"""The sample monument shown on first run: a generated temple (mesh + point cloud), clearly
labelled as a sample, placed at the sourced position of the Côn Đảo prison relic (the only relic
with a public coordinate) — it never gives a relic a position it does not have."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import psycopg

import crs

from ..store import Store
from . import queries
from .register import ScanRequest, register_scan

DEMO_SITE = "con-dao-prison"
LABEL = "Mẫu minh họa (mô hình tạo tự động, không phải bản quét thật) · Sample model (generated, not a real scan)"


def _anchor(conn: psycopg.Connection) -> tuple[float, float, float] | None:
    row = conn.execute(
        "SELECT ST_X(geom), ST_Y(geom) FROM sites WHERE id = %s AND location_status <> 'unknown'", (DEMO_SITE,)
    ).fetchone()
    if row is None:
        return None
    lon, lat = row
    east, north = (float(v) for v in crs.from_wgs84(lon, lat, 5899))
    # No terrain model is shipped and the globe is the bare ellipsoid: put the base at h = 0,
    # i.e. normal height H = -N, so the sample stands on the globe's surface.
    normal_height = float(crs.ellipsoidal_to_normal(lon, lat, 0.0))
    return east, north, round(normal_height, 3)


def ensure_demo_scans(conn: psycopg.Connection, store: Store) -> list[int]:
    """Register the two sample scans once; returns the ids that need a tiling job."""
    anchor = _anchor(conn)
    if anchor is None:
        return []
    existing = conn.execute(queries.SAMPLES_OF_SITE, (DEMO_SITE,)).fetchall()
    if existing:
        return [scan_id for scan_id, status in existing if status == "queued"]
    from tiling.demo import write_demo_mesh, write_demo_pointcloud

    ids = []
    with tempfile.TemporaryDirectory(prefix="heritage-demo-") as tmp:
        obj = write_demo_mesh(Path(tmp) / "mesh")
        archive = Path(tmp) / "sample-temple-mesh.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in obj.parent.iterdir():
                zf.write(part, part.name)
        las = write_demo_pointcloud(Path(tmp) / "pc")
        for path, name, label in (
            (archive, archive.name, LABEL + " — lưới 3D / mesh"),
            (las, "sample-temple-points.las", LABEL + " — đám mây điểm / point cloud"),
        ):
            ids.append(
                register_scan(
                    conn,
                    store,
                    ScanRequest(
                        site_id=DEMO_SITE,
                        file_path=path,
                        file_name=name,
                        actor="setup",
                        crs="EPSG:5899",
                        heights="normal",
                        anchor=anchor,
                        heading=0.0,
                        label=label,
                        sample=True,
                    ),
                )
            )
    return ids
