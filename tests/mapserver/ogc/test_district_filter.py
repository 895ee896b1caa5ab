"""Relics by district (the former districts included): the `district` queryable, CQL2 text and
JSON, the A_* array operators, the SQL they become (parameterised, served by the GIN index of
sites.admin_unit_ids) and GDAL's -where. The expected sets are read from the features' own
`districts` ids, not through a filter."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from mapserver.ogc.collections import RELICS
from mapserver.ogc.params import parse_items_query
from mapserver.ogc.query import count_sql
from tests.mapserver.ogc.test_gdal_filters import gdal, item_requests

OGC = "/ogc"
ITEMS = OGC + "/collections/relics/items"


def ids(api, filter_, lang="cql2-text", **params) -> list[str]:
    value = json.dumps(filter_) if lang == "cql2-json" else filter_
    r = api.get(ITEMS, params={"filter": value, "filter-lang": lang, "limit": 1000, **params})
    assert r.status_code == 200, r.text
    return sorted(f["id"] for f in r.json()["features"])


@pytest.fixture(scope="module")
def units(api) -> dict[str, set[str]]:
    """Relic id -> the ids of its administrative units, as the features show them."""
    features = api.get(ITEMS, params={"limit": 1000}).json()["features"]
    return {f["id"]: set(f["properties"]["districts"]) for f in features}


def having(units, test) -> list[str]:
    return sorted(i for i, u in units.items() if test(u))


def test_queryable_is_listed_with_its_names(api):
    r = api.get(OGC + "/collections/relics/queryables")
    district = r.json()["properties"]["district"]
    assert district["type"] == "array" and district["items"]["type"] == "string"
    names = district["items"]["enum"]
    assert {"Châu Đức", "Vũng Tàu", "Xuyên Mộc", "Côn Đảo", "Bà Rịa", "Phú Mỹ"} <= set(names)
    assert len(names) <= 20 and "A_CONTAINS" in district["description"]
    page = api.get(OGC + "/collections/relics/queryables", params={"f": "html"}).text
    assert "<code>district</code>" in page and "Châu Đức" in page


def test_features_carry_the_names(api):
    t_vt1 = api.get(ITEMS + "/t-vt1").json()["properties"]
    assert t_vt1["district"] == ["Vũng Tàu"] and t_vt1["districts"] == ["vung-tau"]


def test_district_by_name_or_id_text_json_and_parameter(api, units):
    expected = having(units, lambda u: "chau-duc" in u)
    assert expected and len(expected) < len(units)
    for value in ("Châu Đức", "Huyện Châu Đức", "chau duc", "CHÂU ĐỨC", "chau-duc", "Chau Duc District"):
        quoted = value.replace("'", "''")
        assert ids(api, f"district = '{quoted}'") == expected, value
    assert ids(api, {"op": "=", "args": [{"property": "district"}, "Châu Đức"]}, "cql2-json") == expected
    assert ids(api, None, district="Châu Đức") == expected  # queryables as parameters
    assert ids(api, "district <> 'Châu Đức'") == having(units, lambda u: "chau-duc" not in u)
    assert ids(api, "district = 'Hà Nội'") == []


def test_district_in_and_array_operators(api, units):
    either = having(units, lambda u: u & {"chau-duc", "xuyen-moc"})
    assert ids(api, "district IN ('Châu Đức', 'Xuyên Mộc')") == either
    assert ids(api, "A_OVERLAPS(district, ('Châu Đức', 'Xuyên Mộc'))") == either
    assert ids(api, "A_CONTAINS(district, ('Vũng Tàu'))") == having(units, lambda u: "vung-tau" in u)
    assert ids(api, "A_CONTAINS(district, ('Châu Đức', 'Xuyên Mộc'))") == having(
        units, lambda u: {"chau-duc", "xuyen-moc"} <= u
    )
    only = having(units, lambda u: u <= {"vung-tau", "ba-ria"})
    assert ids(api, "A_CONTAINEDBY(district, ('Vũng Tàu', 'Bà Rịa'))") == only
    assert ids(api, "A_CONTAINS(('Vũng Tàu', 'Bà Rịa'), district)") == only  # the list first
    assert ids(api, "A_EQUALS(district, ('Vũng Tàu'))") == having(units, lambda u: u == {"vung-tau"})
    assert ids(api, "A_CONTAINS(districts, ('vung-tau')) AND rank = 'national'") == sorted(
        i for i in having(units, lambda u: "vung-tau" in u) if i in ids(api, "rank = 'national'")
    )
    json_ = {"op": "a_overlaps", "args": [{"property": "district"}, ["Châu Đức", "Xuyên Mộc"]]}
    assert ids(api, json_, "cql2-json") == either
    assert ids(api, "NOT A_OVERLAPS(district, ('Châu Đức', 'Xuyên Mộc'))") == having(
        units, lambda u: not u & {"chau-duc", "xuyen-moc"}
    )


@pytest.mark.parametrize(
    "filter_, detail",
    [
        ("A_CONTAINS(rank, ('national'))", "array property"),
        ("A_CONTAINS(district, (1, 2))", "needs text values"),
        ("A_CONTAINS(district, 'Châu Đức')", "syntax error"),
        ("district > 'Châu Đức'", "use = or <>"),
    ],
)
def test_mistyped_array_filters_are_400(api, filter_, detail):
    r = api.get(ITEMS, params={"filter": filter_})
    assert r.status_code == 400 and detail in r.json()["detail"], r.text


def test_the_sql_is_parameterised_and_uses_the_index(module_dsn, surveyor_token):
    for text in ("district = 'Châu Đức'", "A_CONTAINS(district, ('Châu Đức', 'Xuyên Mộc'))"):
        q = parse_items_query({"filter": text}, RELICS, default_limit=10, max_limit=100)
        statement, params = count_sql(RELICS, q)
        with psycopg.connect(module_dsn) as conn:
            rendered = statement.as_string(conn)
            assert "Châu" not in rendered and "Ch\\u00e2u" not in rendered
            assert "Châu Đức" in [v for p in params.values() if isinstance(p, list) for v in p]
            conn.execute("SET enable_seqscan = off")  # a dozen test rows: make the planner show its options
            plan = "\n".join(r[0] for r in conn.execute(b"EXPLAIN " + rendered.encode(), params))
        assert "sites_admin_units_idx" in plan, plan


def test_gdal_sends_the_district_where_to_the_server(live_server, units):
    where = "district = 'Châu Đức'"
    out, debug = gdal("ogrinfo", "-ro", "-al", "-q", f"OAPIF:{live_server.url}/ogc/collections/relics", "-where", where)
    filtered = [u for u in item_requests(debug) if "filter=" in u]
    assert filtered and all(where in u for u in filtered) and "evaluated on client side" not in debug
    got = sorted(re.findall(r"^  id \(String\) = (\S+)$", out, re.MULTILINE))
    assert got == having(units, lambda u: "chau-duc" in u) and got
    assert "district (StringList) = (1:Châu Đức)" in out
