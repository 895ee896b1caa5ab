"""OGC API Features Part 3: queryables and CQL2 filters (text and JSON) translated to parameterised
SQL; results checked against shapely/pyproj computations on the test positions."""

from __future__ import annotations

import json

import pytest
from pyproj import Geod

import crs
from tests.mapserver.seeded import POSITIONS, TOTAL_RELICS

OGC = "/ogc"
ITEMS = OGC + "/collections/relics/items"


def ids(api, filter_, lang="cql2-text", path=ITEMS, **params) -> list[str]:
    value = json.dumps(filter_) if lang == "cql2-json" else filter_
    r = api.get(path, params={"filter": value, "filter-lang": lang, "limit": 1000, **params})
    assert r.status_code == 200, r.text
    return sorted(str(f["id"]) for f in r.json()["features"])


def problem(api, filter_, lang="cql2-text", **params) -> str:
    value = json.dumps(filter_) if lang == "cql2-json" else filter_
    r = api.get(ITEMS, params={"filter": value, "filter-lang": lang, **params})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["parameter"] in ("filter", "filter-lang", "filter-crs")
    return body["detail"]


def test_queryables_are_json_schema(api):
    r = api.get(OGC + "/collections/relics/queryables")
    assert r.headers["content-type"] == "application/schema+json"
    doc = r.json()
    assert doc["$schema"] == "https://json-schema.org/draft/2019-09/schema"
    assert doc["$id"].endswith("/ogc/collections/relics/queryables") and doc["type"] == "object"
    props = doc["properties"]
    assert props["geometry"]["format"] == "geometry-point"
    assert props["rank"]["enum"] == ["special_national", "national", "provincial", "inventoried"]
    assert props["decision_date"] == {
        "title": props["decision_date"]["title"],
        "type": "string",
        "format": "date",
    }
    zones = api.get(OGC + "/collections/protection_zones/queryables").json()["properties"]
    assert zones["geometry"]["format"] == "geometry-multipolygon" and "zone" in zones


@pytest.mark.parametrize(
    "text, json_, expected",
    [
        (
            "rank = 'inventoried' AND location_status <> 'unknown'",
            {
                "op": "and",
                "args": [
                    {"op": "=", "args": [{"property": "rank"}, "inventoried"]},
                    {"op": "<>", "args": [{"property": "location_status"}, "unknown"]},
                ],
            },
            ["t-xm"],
        ),
        (
            "location_accuracy_m < 3",
            {"op": "<", "args": [{"property": "location_accuracy_m"}, 3]},
            ["t-vt1", "t-vt2"],
        ),
        (
            "location_accuracy_m BETWEEN 2 AND 5",
            {"op": "between", "args": [{"property": "location_accuracy_m"}, 2, 5]},
            ["t-br", "t-vt2"],
        ),
        (
            "location_accuracy_m IN (0.5, 10)",
            {"op": "in", "args": [{"property": "location_accuracy_m"}, [0.5, 10]]},
            ["t-vt1", "t-xm"],
        ),
        (
            "NOT (rank = 'national' OR rank = 'provincial') AND location_status = 'sourced'",
            {
                "op": "and",
                "args": [
                    {
                        "op": "not",
                        "args": [
                            {
                                "op": "or",
                                "args": [
                                    {"op": "=", "args": [{"property": "rank"}, "national"]},
                                    {"op": "=", "args": [{"property": "rank"}, "provincial"]},
                                ],
                            }
                        ],
                    },
                    {"op": "=", "args": [{"property": "location_status"}, "sourced"]},
                ],
            },
            ["con-dao-prison", "t-xm"],
        ),
        (
            "decision_no IS NULL AND location_status = 'sourced'",
            {
                "op": "and",
                "args": [
                    {"op": "isNull", "args": [{"property": "decision_no"}]},
                    {"op": "=", "args": [{"property": "location_status"}, "sourced"]},
                ],
            },
            ["t-xm"],
        ),
        (
            "decision_date > DATE('2005-01-01') AND location_status = 'sourced'",
            {
                "op": "and",
                "args": [
                    {"op": ">", "args": [{"property": "decision_date"}, {"date": "2005-01-01"}]},
                    {"op": "=", "args": [{"property": "location_status"}, "sourced"]},
                ],
            },
            ["con-dao-prison", "t-br", "t-vt2"],
        ),
        (
            "T_BEFORE(decision_date, DATE('2000-01-01')) AND location_status = 'sourced'",
            {
                "op": "and",
                "args": [
                    {"op": "t_before", "args": [{"property": "decision_date"}, {"date": "2000-01-01"}]},
                    {"op": "=", "args": [{"property": "location_status"}, "sourced"]},
                ],
            },
            ["t-vt1"],
        ),
        (
            "districts = 'xuyen-moc' AND location_status = 'sourced'",
            {
                "op": "and",
                "args": [
                    {"op": "=", "args": [{"property": "districts"}, "xuyen-moc"]},
                    {"op": "=", "args": [{"property": "location_status"}, "sourced"]},
                ],
            },
            ["t-xm"],
        ),
    ],
)
def test_comparisons_text_and_json_agree(api, text, json_, expected):
    assert ids(api, text) == expected
    assert ids(api, json_, "cql2-json") == expected


def test_like_with_and_without_diacritics(api):
    # search_text is folded (lower case, no diacritics, đ = d): patterns on it are folded too.
    assert ids(api, "search_text LIKE '%bach dinh%'") == ["bach-dinh"]
    assert ids(api, "search_text LIKE '%BẠCH ĐINH%'") == ["bach-dinh"]
    assert ids(api, "ACCENTI(name_vi) LIKE ACCENTI('%thang nhi%')") == ["t-vt1"]
    assert ids(api, "CASEI(name_vi) LIKE CASEI('%THẮNG NHÌ%')") == ["t-vt1"]
    assert ids(
        api,
        {
            "op": "like",
            "args": [
                {"op": "accenti", "args": [{"property": "name_vi"}]},
                {"op": "accenti", "args": ["%hai dang%"]},
            ],
        },
        "cql2-json",
    ) == ["t-vt2"]
    # Plain LIKE is exact, as CQL2 says; _ is one character, and a quote is doubled.
    assert ids(api, "name_vi LIKE '%thang nhi%'") == []
    assert ids(api, "name_vi LIKE 'Đình thần Th_ng Nhì (thử)'") == ["t-vt1"]
    assert ids(api, "name_vi = 'O''Brien'") == []
    assert ids(api, "name_vi NOT LIKE '%(thử)%' AND location_status = 'sourced'") == ["con-dao-prison"]


def test_spatial_operators_match_independent_computations(api):
    polygon = "POLYGON((107.05 10.3, 107.2 10.3, 107.2 10.52, 107.05 10.3))"
    from shapely import Point, wkt

    inside = sorted(i for i, p in POSITIONS.items() if wkt.loads(polygon).intersects(Point(p)))
    assert ids(api, f"S_INTERSECTS(geometry, {polygon})") == inside == ["t-vt1"]
    assert ids(api, f"S_WITHIN(geometry, {polygon})") == inside
    assert ids(api, "S_INTERSECTS(geometry, BBOX(107.0, 10.3, 107.2, 10.6))") == ["t-br", "t-vt1", "t-vt2"]
    geod = Geod(ellps="WGS84")
    _, _, d = geod.inv(107.0843, 10.346, 107.07, 10.33)  # t-vt1 -> t-vt2, metres on the ellipsoid
    near = f"S_DWITHIN(geometry, POINT(107.0843 10.346), {d + 1:.1f}, meters)"
    assert ids(api, near) == ["t-vt1", "t-vt2"]
    assert ids(api, f"S_DWITHIN(geometry, POINT(107.0843 10.346), {d - 1:.1f}, meters)") == ["t-vt1"]
    assert ids(
        api,
        {
            "op": "s_dwithin",
            "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [107.0843, 10.346]}, d + 1],
        },
        "cql2-json",
    ) == ["t-vt1", "t-vt2"]
    assert ids(
        api,
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [107.0, 10.3, 107.2, 10.6]}]},
        "cql2-json",
    ) == ["t-br", "t-vt1", "t-vt2"]
    zones = ids(
        api,
        "S_INTERSECTS(geometry, POINT(107.0843 10.346)) AND zone = 'I'",
        path=OGC + "/collections/protection_zones/items",
    )
    assert len(zones) == 1


def test_filter_crs_vn2000_and_lat_lon(api):
    e, n = (float(v) for v in crs.from_wgs84(107.0843, 10.346, 5899))
    vn = f"S_DWITHIN(geometry, POINT({e:.3f} {n:.3f}), 10, meters)"
    assert ids(api, vn, **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/5899"}) == ["t-vt1"]
    lat_lon = "S_INTERSECTS(geometry, BBOX(10.34, 107.08, 10.35, 107.09))"
    assert ids(api, lat_lon, **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}) == ["t-vt1"]


def test_filter_combines_with_bbox_datetime_and_paging(api):
    r = api.get(
        ITEMS,
        params={
            "filter": "rank IN ('national', 'provincial')",
            "bbox": "107,10,108,11",
            "datetime": "2000-01-01/..",
            "limit": 1,
        },
    )
    body = r.json()
    assert body["numberMatched"] == 2 and body["numberReturned"] == 1
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert [f["id"] for f in api.get(nxt).json()["features"]] == ["t-vt2"]
    assert ids(api, "INCLUDE") and len(ids(api, "INCLUDE")) == TOTAL_RELICS


@pytest.mark.parametrize(
    "filter_, lang, words",
    [
        ("rank = ", "cql2-text", "syntax error"),
        ("rank = 3", "cql2-text", "compares string with number"),
        ("nope = 'x'", "cql2-text", "'nope' is not a queryable"),
        ("S_INTERSECTS(rank, POINT(1 2))", "cql2-text", "needs two geometries"),
        ("S_DWITHIN(geometry, POINT(107 10), 5, furlongs)", "cql2-text", "meters"),
        ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "cql2-text", "not valid"),
        ("S_INTERSECTS(geometry, POINT(200 10))", "cql2-text", "range of longitude"),
        ("decision_date > 'yesterday'", "cql2-text", "RFC 3339"),
        ("districts > 'a'", "cql2-text", "identifiers"),
        ("location_accuracy_m + 1 > 2", "cql2-text", "unsupported"),
        ('{"op": "=", "args": [{"property": "rank"}]}', "cql2-json", "needs 2 arguments"),
        ('{"op": "frobnicate", "args": []}', "cql2-json", "unsupported operator"),
        ("{not json", "cql2-json", "not valid JSON"),
        ("rank = 'x'", "cql3", "filter-lang"),
    ],
)
def test_bad_filters_are_400_naming_the_problem(api, filter_, lang, words):
    r = api.get(ITEMS, params={"filter": filter_, "filter-lang": lang})
    assert r.status_code == 400, r.text
    body = r.json()
    assert words in body["detail"], body
    # Safe messages: no SQL, no Python internals.
    for leak in ("SELECT", "psycopg", "Traceback", "lark", "pygeofilter"):
        assert leak not in body["detail"]


def test_injection_attempts_stay_values(api):
    assert ids(api, "name_vi = 'x''; DROP TABLE sites; --'") == []
    assert ids(api, {"op": "=", "args": [{"property": "name_vi"}, "'; DROP TABLE sites; --"]}, "cql2-json") == []
    assert problem(api, {"op": "=", "args": [{"property": "rank; DROP TABLE sites"}, "x"]}, "cql2-json")
    assert len(ids(api, "INCLUDE")) == TOTAL_RELICS


def test_the_draft_names_cql_text_and_cql_json_are_cql2(api):
    text = "rank = 'national' AND decision_date >= '2005-01-01T'"  # the date as GDAL 3.6 writes it
    assert ids(api, text, "cql-text") == ids(api, text.replace("T'", "'")) == ["binh-ba-6-6-1969", "t-br"]
    as_json = {"op": "=", "args": [{"property": "rank"}, "inventoried"]}
    r = api.get(ITEMS, params={"filter": json.dumps(as_json), "filter-lang": "cql-json", "limit": 100})
    assert sorted(f["id"] for f in r.json()["features"]) == ids(api, as_json, "cql2-json") == ["t-xm"]
    posted = api.post(ITEMS, json={"filter": as_json, "filter-lang": "cql-json"})
    assert [f["id"] for f in posted.json()["features"]] == ["t-xm"]
    lang = next(
        p for p in api.get(OGC + "/api").json()["components"]["parameters"].values() if p["name"] == "filter-lang"
    )
    assert lang["schema"]["enum"] == ["cql2-text", "cql2-json", "cql-text", "cql-json"]
