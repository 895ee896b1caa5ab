"""The relic query API through the real app over HTTP, on a real PostGIS."""

from __future__ import annotations

import json

import psycopg
import pytest
from pyproj import Geod

from mapserver.importer.readers import read_csv_text
from mapserver.importer.sites import import_sites

# Test-only relics with known positions (the shipped data has just one located relic).
TEST_SITES = """id,name_vi,rank,category,district_2023,lon,lat,coord_source,coord_accuracy_m
t-vt1,Đình thần Thắng Nhì (thử),national,historical,Vũng Tàu,107.0843,10.3460,test,0.5
t-vt2,Hải đăng Vũng Tàu (thử),provincial,scenic,Vũng Tàu,107.0700,10.3300,test,2
t-br,Nhà Đỏ Bà Rịa (thử),national,revolutionary_historical,Bà Rịa,107.1700,10.5000,test,5
t-xm,Di chỉ Bưng Bạc (thử),inventoried,archaeological,Xuyên Mộc,107.4000,10.5500,test,10
"""
SHIPPED = 24
LOCATED_SHIPPED = 1
TOTAL = SHIPPED + 4


@pytest.fixture(scope="module")
def api(live_server, module_dsn):
    with psycopg.connect(module_dsn) as conn:
        import_sites(conn, read_csv_text(TEST_SITES), actor="test", source_name="test.csv")
    return live_server.client


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["features"]]


def test_list_is_geojson_with_counts(api):
    r = api.get("/api/sites", params={"limit": 1000})
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == TOTAL == body["numberReturned"] == len(body["features"])
    unknown = [f for f in body["features"] if f["properties"]["location_status"] == "unknown"]
    assert len(unknown) == SHIPPED - LOCATED_SHIPPED
    assert all(f["geometry"] is None for f in unknown)
    prison = next(f for f in body["features"] if f["id"] == "con-dao-prison")
    assert prison["geometry"] == {"type": "Point", "coordinates": [106.6148, 8.6889]}
    assert prison["properties"]["rank"] == "special_national"


def test_paging_with_next_and_prev_links(api):
    seen = []
    url = "/api/sites?limit=10"
    pages = 0
    while url:
        body = api.get(url).json()
        assert body["numberMatched"] == TOTAL
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0] if nxt else None
        pages += 1
    assert pages == 3 and len(seen) == TOTAL == len(set(seen))
    assert seen == sorted(seen)
    second = api.get("/api/sites", params={"limit": 10, "offset": 10}).json()
    assert any(link["rel"] == "prev" for link in second["links"])


def test_bbox(api):
    assert ids(api.get("/api/sites", params={"bbox": "107.0,10.3,107.1,10.4"})) == ["t-vt1", "t-vt2"]
    assert ids(api.get("/api/sites", params={"bbox": "106,8,107,9"})) == ["con-dao-prison"]
    assert ids(api.get("/api/sites", params={"bbox": "100,20,101,21"})) == []


def test_intersects_geojson_wkt_and_post(api):
    triangle = "POLYGON((107.05 10.3, 107.2 10.3, 107.2 10.52, 107.05 10.3))"
    got = ids(api.get("/api/sites", params={"intersects": triangle}))
    geojson = {"type": "Polygon", "coordinates": [[[107.05, 10.3], [107.2, 10.3], [107.2, 10.52], [107.05, 10.3]]]}
    assert ids(api.get("/api/sites", params={"intersects": json.dumps(geojson)})) == got
    posted = api.post("/api/sites/search", json={"intersects": geojson, "limit": 5})
    assert ids(posted) == got
    # Independent check with shapely on the test positions.
    from shapely import wkt
    from shapely.geometry import Point

    poly = wkt.loads(triangle)
    expected = sorted(
        i
        for i, (x, y) in {
            "t-vt1": (107.0843, 10.346),
            "t-vt2": (107.07, 10.33),
            "t-br": (107.17, 10.5),
            "t-xm": (107.4, 10.55),
        }.items()
        if poly.intersects(Point(x, y))
    )
    assert got == expected == ["t-vt1"]


def test_near_uses_ellipsoidal_distance(api):
    body = api.get("/api/sites", params={"near": "107.0843,10.3460", "radius": 2500}).json()
    assert [f["id"] for f in body["features"]] == ["t-vt1", "t-vt2"]  # ordered by distance
    _, _, metres = Geod(ellps="WGS84").inv(107.0843, 10.3460, 107.07, 10.33)
    assert body["features"][1]["properties"]["distance_m"] == pytest.approx(metres, abs=0.01)
    assert ids(api.get("/api/sites", params={"near": "107.0843,10.3460", "radius": 2000})) == ["t-vt1"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"rank": "inventoried"}, ["t-xm"]),
        ({"rank": "special_national"}, ["ben-loc-an", "con-dao-prison"]),
        ({"category": "scenic,archaeological"}, ["t-vt2", "t-xm"]),
        ({"district": "xuyen-moc", "located": "true"}, ["t-xm"]),
        ({"district": "Xuyên Mộc", "located": "true"}, ["t-xm"]),
        ({"district": "xuyen moc", "located": "true"}, ["t-xm"]),
        ({"q": "bach dinh"}, ["bach-dinh"]),
        ({"q": "BẠCH DINH"}, ["bach-dinh"]),
        ({"q": "dinh co"}, ["dinh-co-long-hai"]),
        ({"q": "thang nhi"}, ["t-vt1"]),
        ({"q": "100%"}, []),
        ({"q": "_"}, []),
        ({"located": "true", "rank": "national"}, ["t-br", "t-vt1"]),
        ({"bbox": "107.0,10.3,107.5,10.6", "rank": "national,provincial", "q": "thu"}, ["t-br", "t-vt1", "t-vt2"]),
        ({"bbox": "107.0,10.3,107.5,10.6", "district": "vung-tau", "category": "historical"}, ["t-vt1"]),
    ],
)
def test_filters_and_combinations(api, params, expected):
    assert ids(api.get("/api/sites", params={**params, "limit": 100})) == expected


def test_number_matched_counts_all_pages(api):
    body = api.get("/api/sites", params={"located": "false", "limit": 3}).json()
    assert body["numberMatched"] == SHIPPED - LOCATED_SHIPPED and body["numberReturned"] == 3


def test_unlocated_sites_only_without_spatial_filter(api):
    everything = api.get("/api/sites", params={"limit": 100}).json()["features"]
    assert any(f["geometry"] is None for f in everything)
    spatial = api.get("/api/sites", params={"bbox": "-180,-90,180,90", "limit": 100}).json()["features"]
    assert all(f["geometry"] is not None for f in spatial) and len(spatial) == LOCATED_SHIPPED + 4


def test_site_detail_and_404(api):
    r = api.get("/api/sites/bach-dinh")
    assert r.status_code == 200
    props = r.json()["properties"]
    assert props["name_vi"] == "Di tích lịch sử văn hóa Bạch Dinh"
    assert props["decision_no"] == "983VH/QĐ" and props["decision_date"] == "1992-08-04"
    assert props["location_status"] == "unknown" and r.json()["geometry"] is None
    assert "baria-vungtau.gov.vn" in props["sources"]
    assert props["districts"][0]["valid_to"] == "2025-06-30"
    missing = api.get("/api/sites/no-such-relic")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "10,10,5,5"}, "bbox"),
        ({"bbox": "1,2,3,nan"}, "bbox"),
        ({"intersects": "POLYGON((0 0, 1 1"}, "intersects"),
        ({"intersects": "POINT(1 2)"}, "intersects"),
        ({"intersects": "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))"}, "intersects"),
        ({"near": "107,10"}, "radius"),
        ({"radius": "100"}, "near"),
        ({"near": "107,10", "radius": "-5"}, "radius"),
        ({"near": "x,10", "radius": "5"}, "near"),
        ({"rank": "famous"}, "rank"),
        ({"category": "nope"}, "category"),
        ({"located": "maybe"}, "located"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1e9"}, "limit"),
        ({"offset": "-1"}, "offset"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api, params, parameter):
    r = api.get("/api/sites", params=params)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["parameter"] == parameter and body["status"] == 400
    assert "Traceback" not in r.text and "psycopg" not in r.text


def test_post_search_rejects_unknown_fields(api):
    r = api.post("/api/sites/search", json={"polygon": {}})
    assert r.status_code == 400 and r.json()["parameter"] == "polygon"


def test_boundary_has_geometry_and_attribution(api):
    body = api.get("/api/boundary").json()
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon" and len(feature["geometry"]["coordinates"]) == 20
    assert "geoBoundaries" in body["attribution"] and feature["properties"]["licence"] == "CC BY-SA 4.0"
    assert feature["properties"]["valid_to"] == "2025-06-30"


def test_openapi_and_docs(api):
    spec = api.get("/openapi.json").json()
    assert "/api/sites" in spec["paths"] and "/api/sites/{site_id}" in spec["paths"]
    assert api.get("/docs").status_code == 200


def test_unknown_route_is_problem_json(api):
    r = api.get("/api/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_spatial_queries_use_the_gist_index(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN SELECT id FROM sites s WHERE ST_Intersects(s.geom, ST_MakeEnvelope(107,10,108,11,4326))"
            )
        )
        assert "sites_geom_idx" in plan
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN SELECT id FROM sites s WHERE ST_DWithin(s.geom::geography, "
                "ST_SetSRID(ST_MakePoint(107, 10), 4326)::geography, 1000)"
            )
        )
        assert "sites_geog_idx" in plan


def test_oversized_bodies_are_refused(api):
    huge = {"intersects": {"type": "Polygon", "coordinates": [[[107, 10]] * 4_000_000]}}
    r = api.post("/api/sites/search", json=huge)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
