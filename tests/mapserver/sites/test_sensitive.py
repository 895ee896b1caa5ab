"""Sensitive relics: the public sees a point generalised to a 0.01° grid everywhere (JSON API,
searches, OGC, impact) and no 3D scan; a narrow search around the true point finds nothing."""

from __future__ import annotations

import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites

TRUE_LON, TRUE_LAT = 107.08437, 10.34613
SNAPPED = [107.08, 10.35]


@pytest.fixture(scope="module")
def client(live_server, module_dsn):
    with psycopg.connect(module_dsn) as conn:
        import_sites(
            conn,
            read_csv_text(
                "id,name_vi,rank,category,lon,lat,coord_accuracy_m\n"
                f"t-dig,Di chỉ khảo cổ (thử),provincial,archaeological,{TRUE_LON},{TRUE_LAT},2\n"
            ),
            actor="test",
            source_name="t.csv",
        )
        editor = create_user(conn, "sens-editor", "editor")[1]
        conn.execute(
            "INSERT INTO scans (site_id, file_name, file_key, file_sha256, file_size, height_system, "
            "status, progress, tileset_version, created_by) "
            "VALUES ('t-dig', 'x', 'x', '', 0, 'normal', 'done', 1, 1, 'test')"
        )
        # a protection zone drawn around the true point
        conn.execute(
            "INSERT INTO protection_zones (site_id, zone, geom) VALUES ('t-dig', 'I', "
            "ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 0.001)))",
            (TRUE_LON, TRUE_LAT),
        )
    r = live_server.client.patch(
        "/api/sites/t-dig", json={"sensitive": True}, headers={"Authorization": f"Bearer {editor}"}
    )
    assert r.status_code == 200, r.text
    return live_server.client


def test_generalised_point_and_accuracy(client):
    feature = client.get("/api/sites/t-dig").json()
    assert feature["geometry"]["coordinates"] == pytest.approx(SNAPPED, abs=1e-9)
    assert feature["properties"]["location_generalized"] is True
    assert feature["properties"]["location_accuracy_m"] == 1000


def test_searches_do_not_reveal_the_true_point(client):
    tight = f"{TRUE_LON - 0.0005},{TRUE_LAT - 0.0005},{TRUE_LON + 0.0005},{TRUE_LAT + 0.0005}"
    assert "t-dig" not in [f["id"] for f in client.get("/api/sites", params={"bbox": tight}).json()["features"]]
    near = client.get("/api/sites", params={"near": f"{TRUE_LON},{TRUE_LAT}", "radius": 50}).json()
    assert "t-dig" not in [f["id"] for f in near["features"]]
    ogc = client.get("/ogc/collections/relics/items/t-dig").json()
    assert ogc["geometry"]["coordinates"] == pytest.approx(SNAPPED, abs=1e-9)
    impact = client.post(
        "/api/planner/impact",
        json={"footprint": {"type": "Point", "coordinates": [TRUE_LON, TRUE_LAT]}, "buffer_m": 30},
    )
    assert impact.status_code == 200, impact.text
    assert "t-dig" not in [f["properties"]["site_id"] for f in impact.json()["features"]]


def test_scans_are_withheld_from_the_public(client):
    assert client.get("/api/sites/t-dig/scans").json()["scans"] == []
    scan_id = client.get("/api/sites/t-dig/scans", headers={}).json()
    assert client.get("/tiles/1/v1/tileset.json").status_code == 404
    assert scan_id["withheld"] == "sensitive location"


def test_protection_zones_of_a_sensitive_relic_are_withheld(client):
    zones = client.get("/ogc/collections/protection_zones/items", params={"limit": 1000}).json()["features"]
    assert "t-dig" not in [z["properties"]["site_id"] for z in zones]
    footprint = {"type": "Point", "coordinates": [TRUE_LON, TRUE_LAT]}
    report = client.post("/api/planner/impact", json={"footprint": footprint, "buffer_m": 500}).json()
    assert all(f["properties"]["kind"] != "protection_zone" for f in report["features"])
