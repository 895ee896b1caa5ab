"""Test data shared by the OGC API and planner tests: located test relics (the shipped data has one located relic),
protection zones, an intangible place linked to a relic, GNSS survey points and a surveyor."""

from __future__ import annotations

import psycopg
import pytest
import shapely

import crs
from mapserver.accounts.service import create_user
from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites

# Test-only relics; t-vt1 is the check point of EPSG:6960 (shared notes, computed outside this code):
# WGS 84 (107.0843, 10.3460) <-> VN-2000 / TM-3 107-45 E 426902.367, N 1144200.498.
TEST_SITES = """\
id,name_vi,rank,category,decision_no,decision_date,district_2023,lon,lat,coord_source,coord_accuracy_m
t-vt1,Đình thần Thắng Nhì (thử),national,historical,T-1/QĐ,1993-07-23,Vũng Tàu,107.0843,10.3460,test,0.5
t-vt2,Hải đăng Vũng Tàu (thử),provincial,scenic,T-2/QĐ,2005-03-01,Vũng Tàu,107.0700,10.3300,test,2
t-br,Nhà Đỏ Bà Rịa (thử),national,revolutionary_historical,T-3/QĐ,2010-10-10,Bà Rịa,107.1700,10.5000,test,5
t-xm,Di chỉ Bưng Bạc (thử),inventoried,archaeological,,,Xuyên Mộc,107.4000,10.5500,test,10
"""
POSITIONS = {
    "t-vt1": (107.0843, 10.3460),
    "t-vt2": (107.07, 10.33),
    "t-br": (107.17, 10.5),
    "t-xm": (107.4, 10.55),
    "con-dao-prison": (106.6148, 8.6889),
}
SHIPPED = 24
TOTAL_RELICS = SHIPPED + 4
CHECK_E, CHECK_N = 426902.367, 1144200.498


def square(lon: float, lat: float, half_deg: float) -> shapely.MultiPolygon:
    return shapely.MultiPolygon([shapely.box(lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)])


ZONES = [
    ("t-vt1", "I", square(107.0843, 10.3460, 0.0005)),
    ("t-vt1", "II", square(107.0843, 10.3460, 0.002)),
    ("t-br", "I", square(107.17, 10.5, 0.001)),
]
# Survey points around t-vt1 (lon, lat, observed_at).
SURVEY = [
    ("P1", 107.0844, 10.3461, "2024-05-01T08:00:00+07:00"),
    ("P2", 107.0845, 10.3459, "2024-05-01T08:05:00+07:00"),
    ("P3", 107.0846, 10.3462, "2024-06-15T09:00:00+07:00"),
]


def seed(dsn: str) -> str:
    """Insert the test data; returns a surveyor's API token."""
    with psycopg.connect(dsn) as conn:
        import_sites(conn, read_csv_text(TEST_SITES), actor="test", source_name="test.csv")
        for site, zone, geom in ZONES:
            conn.execute(
                "INSERT INTO protection_zones (site_id, zone, geom, decision_no, source) "
                "VALUES (%s, %s, ST_GeomFromText(%s, 4326), 'T-Z/QĐ', 'test')",
                (site, zone, geom.wkt),
            )
        conn.execute("UPDATE intangible_places SET site_id = 't-vt1' WHERE element_id = 'le-hoi-nghinh-ong-thang-tam'")
        # uploaded by the surveyor whose token the tests use (surveyors see their own points only)
        batch = conn.execute(
            "INSERT INTO survey_batches (site_id, uploaded_by, crs_epsg, height_system, file_name, "
            "file_sha256, file_size, file_key, point_count) "
            "VALUES ('t-vt1', 'user:t-ogc-surveyor', 4326, 'ellipsoidal', 'p.csv', 'x', 1, 'k', %s) RETURNING id",
            (len(SURVEY),),
        ).fetchone()[0]
        for row, (pid, lon, lat, at) in enumerate(SURVEY, 1):
            e, n = crs.from_wgs84(lon, lat, 5899)
            conn.execute(
                "INSERT INTO survey_points (batch_id, row_number, point_id, orig_x, orig_y, lon, lat, "
                "e_vn2000, n_vn2000, h_ellipsoidal, observed_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 2.5, %s)",
                (batch, row, pid, lon, lat, lon, lat, float(e), float(n), at),
            )
        _, token = create_user(conn, "t-ogc-surveyor", "surveyor", "correct horse battery")
    return token


@pytest.fixture(scope="module")
def surveyor_token(module_dsn) -> str:
    return seed(module_dsn)


@pytest.fixture(scope="module")
def api(live_server, surveyor_token):
    """An httpx client on the live app whose database holds the test data."""
    return live_server.client
