"""OGC API Features Part 1 through the real app over HTTP on PostGIS: landing page, conformance,
collections, items (bbox, datetime, paging, properties, sortby), single items, HTML, OpenAPI 3.0,
errors and the survey points collection that only signed-in surveyors see."""

from __future__ import annotations

import pytest
import shapely

from tests.mapserver.seeded import POSITIONS, SURVEY, TOTAL_RELICS

OGC = "/ogc"
PUBLIC = ["relics", "protection_zones", "intangible_places", "festival_places", "craft_villages"]


def ids(response) -> list:
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["features"]]


def rels(doc: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for link in doc["links"]:
        out.setdefault(link["rel"], []).append(link)
    return out


def test_landing_page_and_conformance(api):
    for path in (OGC, OGC + "/"):
        r = api.get(path)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        links = rels(r.json())
        assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(links)
        assert links["service-desc"][0]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    conf = api.get(OGC + "/conformance").json()["conformsTo"]
    for cls in (
        "ogcapi-features-1/1.0/conf/core",
        "ogcapi-features-1/1.0/conf/geojson",
        "ogcapi-features-1/1.0/conf/html",
        "ogcapi-features-1/1.0/conf/oas30",
        "ogcapi-features-2/1.0/conf/crs",
        "ogcapi-features-3/1.0/conf/filter",
        "ogcapi-features-3/1.0/conf/queryables",
        "cql2/1.0/conf/cql2-text",
        "cql2/1.0/conf/cql2-json",
    ):
        assert any(uri.endswith(cls) for uri in conf), cls


def test_collections_list_crs_and_extents(api):
    doc = api.get(OGC + "/collections").json()
    assert [c["id"] for c in doc["collections"]] == PUBLIC  # survey points hidden from the public
    relics = doc["collections"][0]
    assert relics["crs"][0] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    for epsg in (4326, 5899, 5896, 9218, 3405, 3406):
        assert f"http://www.opengis.net/def/crs/EPSG/0/{epsg}" in relics["crs"]
    assert relics["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    xmin, ymin, xmax, ymax = relics["extent"]["spatial"]["bbox"][0]
    assert (xmin, ymin, xmax, ymax) == pytest.approx((106.6148, 8.6889, 107.4, 10.55))
    assert relics["extent"]["temporal"]["interval"][0][0] < relics["extent"]["temporal"]["interval"][0][1]
    one = api.get(OGC + "/collections/relics").json()
    assert one["extent"] == relics["extent"] and one["title"] == relics["title"]
    links = rels(one)
    assert links["items"][0]["type"] == "application/geo+json"
    assert "http://www.opengis.net/def/rel/ogc/1.0/queryables" in links
    assert api.get(OGC + "/collections/nope").status_code == 404


def test_items_geojson_with_counts_and_paging(api):
    url = OGC + "/collections/relics/items?limit=10"
    seen, pages = [], 0
    while url:
        r = api.get(url)
        assert r.headers["content-type"] == "application/geo+json"
        assert r.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
        body = r.json()
        assert body["numberMatched"] == TOTAL_RELICS and body["numberReturned"] == len(body["features"])
        assert body["timeStamp"].endswith("Z")
        seen += [f["id"] for f in body["features"]]
        links = rels(body)
        if pages:
            assert "prev" in links
        url = links["next"][0]["href"] if "next" in links else None
        pages += 1
    assert pages == 3 and len(seen) == TOTAL_RELICS == len(set(seen)) and seen == sorted(seen)
    # Not surveyed: null geometry, never a made-up position.
    unknown = api.get(OGC + "/collections/relics/items/bach-dinh").json()
    assert unknown["geometry"] is None and unknown["properties"]["location_status"] == "unknown"


def test_limit_is_capped_and_invalid_or_unknown_parameters_are_400(api):
    assert len(ids(api.get(OGC + "/collections/relics/items", params={"limit": 10**9}))) == TOTAL_RELICS
    for params, name in (
        ({"limit": "unlimited"}, "limit"),
        ({"limit": 0}, "limit"),
        ({"ooga": "booga"}, "ooga"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "107,10,x,11"}, "bbox"),
        ({"datetime": "yesterday"}, "datetime"),
        ({"properties": "secret"}, "properties"),
        ({"sortby": "-nope"}, "sortby"),
        ({"crs": "EPSG:9999"}, "crs"),
        ({"crs": "http://www.opengis.net/def/crs/EPSG/0/4978"}, "crs"),
        ({"f": "xml"}, "f"),
    ):
        r = api.get(OGC + "/collections/relics/items", params=params)
        assert r.status_code == 400, params
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["parameter"] == name


def test_bbox_matches_shapely_and_excludes_unlocated(api):
    bbox = (107.0, 10.3, 107.2, 10.6)
    expected = sorted(i for i, (x, y) in POSITIONS.items() if shapely.box(*bbox).intersects(shapely.Point(x, y)))
    got = ids(api.get(OGC + "/collections/relics/items", params={"bbox": ",".join(map(str, bbox))}))
    assert got == expected == ["t-br", "t-vt1", "t-vt2"]
    zones = ids(api.get(OGC + "/collections/protection_zones/items", params={"bbox": "107.08,10.34,107.09,10.35"}))
    assert len(zones) == 2
    # 6 numbers (with heights) are accepted; heights do not restrict 2D data.
    assert ids(api.get(OGC + "/collections/relics/items", params={"bbox": "107.0,10.3,-100,107.2,10.6,100"})) == got


def test_datetime_on_decision_date_and_observed_at(api, surveyor_token):
    def relic_ids(value):
        return ids(api.get(OGC + "/collections/relics/items", params={"datetime": value, "limit": 100}))

    assert "t-vt1" in relic_ids("1993-07-23") and "t-vt2" not in relic_ids("1993-07-23")
    window = relic_ids("2005-01-01/2010-12-31")
    assert {"t-vt2", "t-br"} <= set(window) and "t-vt1" not in window and "t-xm" not in window
    assert "t-br" in relic_ids("2010-01-01T00:00:00Z/..") and "t-vt1" not in relic_ids("../1990-01-01")
    headers = {"Authorization": f"Bearer {surveyor_token}"}
    r = api.get(
        OGC + "/collections/survey_points/items",
        params={"datetime": "2024-05-01T00:00:00Z/2024-05-31"},
        headers=headers,
    )
    assert sorted(f["properties"]["point_id"] for f in r.json()["features"]) == ["P1", "P2"]


def test_properties_selection_sortby_and_skip_geometry(api):
    r = api.get(
        OGC + "/collections/relics/items",
        params={"properties": "rank,name_vi", "sortby": "-decision_date", "limit": 3},
    )
    features = r.json()["features"]
    assert all(set(f["properties"]) == {"rank", "name_vi"} for f in features)
    dates = [
        api.get(OGC + f"/collections/relics/items/{f['id']}").json()["properties"]["decision_date"] for f in features
    ]
    assert dates == sorted(dates, reverse=True) and None not in dates
    r = api.get(OGC + "/collections/relics/items", params={"skipGeometry": "true", "bbox": "107,10,108,11"})
    assert all(f["geometry"] is None for f in r.json()["features"]) and r.json()["numberMatched"] == 4
    by_rank = ids(api.get(OGC + "/collections/relics/items", params={"sortby": "+rank,-name_vi", "limit": 100}))
    assert len(by_rank) == TOTAL_RELICS


def test_queryable_parameters(api):
    assert ids(api.get(OGC + "/collections/relics/items", params={"rank": "inventoried", "bbox": "107,10,108,11"})) == [
        "t-xm"
    ]
    vung_tau = ids(api.get(OGC + "/collections/relics/items", params={"districts": "vung-tau", "limit": 100}))
    assert {"t-vt1", "t-vt2", "bach-dinh"} <= set(vung_tau) and "t-br" not in vung_tau
    assert api.get(OGC + "/collections/relics/items", params={"location_accuracy_m": "abc"}).status_code == 400


def test_single_item_with_links_and_404s(api):
    r = api.get(OGC + "/collections/relics/items/t-vt1")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feature = r.json()
    assert feature["id"] == "t-vt1" and feature["geometry"] == {
        "type": "Point",
        "coordinates": [107.0843, 10.346],
    }
    assert {"self", "alternate", "collection"} <= set(rels(feature))
    zone_id = ids(api.get(OGC + "/collections/protection_zones/items"))[0]
    zone = api.get(OGC + f"/collections/protection_zones/items/{zone_id}").json()
    assert zone["geometry"]["type"] == "MultiPolygon" and zone["properties"]["area_m2"] > 0
    for path in (
        "/collections/relics/items/nope",
        "/collections/protection_zones/items/abc",
        "/collections/protection_zones/items/999999",
        "/collections/survey_points/items/1",
    ):
        assert api.get(OGC + path).status_code == 404, path
    assert api.get(OGC + "/collections/relics/items/t-vt1", params={"bbox": "1,2,3,4"}).status_code == 400


def test_intangible_places_use_the_linked_relic_point_or_null(api):
    features = api.get(OGC + "/collections/intangible_places/items").json()["features"]
    assert len(features) == 3
    linked = [f for f in features if f["properties"]["site_id"] == "t-vt1"]
    assert len(linked) == 1 and linked[0]["geometry"]["coordinates"] == [107.0843, 10.346]
    assert all(f["geometry"] is None for f in features if f["properties"]["site_id"] is None)


def test_survey_points_only_for_surveyors(api, surveyor_token):
    assert api.get(OGC + "/collections/survey_points").status_code == 404
    assert api.get(OGC + "/collections/survey_points/items").status_code == 404
    assert "survey_points" not in str(api.get(OGC + "/api").json()["paths"])
    assert api.get(OGC + "/collections", headers={"Authorization": "Bearer wrong"}).status_code == 401
    headers = {"Authorization": f"Bearer {surveyor_token}"}
    listed = [c["id"] for c in api.get(OGC + "/collections", headers=headers).json()["collections"]]
    assert listed == PUBLIC + ["survey_points"]
    r = api.get(OGC + "/collections/survey_points/items", headers=headers)
    assert r.status_code == 200 and "private" in r.headers["cache-control"]
    points = {f["properties"]["point_id"]: f for f in r.json()["features"]}
    assert set(points) == {p[0] for p in SURVEY}
    assert points["P1"]["geometry"]["coordinates"] == [107.0844, 10.3461]
    assert "/collections/survey_points/items" in api.get(OGC + "/api", headers=headers).json()["paths"]


def test_html_views(api):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for path in (
        "",
        "/conformance",
        "/api",
        "/collections",
        "/collections/relics",
        "/collections/relics/items",
        "/collections/relics/items/t-vt1",
        "/collections/relics/queryables",
    ):
        r = api.get(OGC + path, headers=browser)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        assert "script-src 'none'" in r.headers["content-security-policy"]
    page = api.get(OGC + "/collections/relics/items", params={"f": "html", "limit": 5}).text
    assert 'rel="next"' in page
    item = api.get(OGC + "/collections/relics/items/t-vt1", params={"f": "html"}).text
    assert "Đình thần Thắng Nhì (thử)" in item and "107.0843" in item
    # f=json wins over a browser's Accept header.
    assert (
        api.get(OGC + "/collections/relics/items", params={"f": "json"}, headers=browser).headers["content-type"]
        == "application/geo+json"
    )


def test_html_escapes_data(api, module_dsn):
    import psycopg

    with psycopg.connect(module_dsn) as conn:
        conn.execute("UPDATE sites SET name_en = '<script>alert(1)</script>' WHERE id = 't-xm'")
    page = api.get(OGC + "/collections/relics/items/t-xm", params={"f": "html"}).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_openapi_30_document_describes_the_ogc_paths(api):
    r = api.get(OGC + "/api")
    assert r.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = r.json()
    assert doc["openapi"].startswith("3.0")
    for c in PUBLIC:
        for path in (
            f"/collections/{c}",
            f"/collections/{c}/items",
            f"/collections/{c}/items/{{featureId}}",
            f"/collections/{c}/queryables",
        ):
            assert path in doc["paths"], path
    bbox = doc["components"]["parameters"]["bbox"]
    assert bbox["schema"] == {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}
    assert bbox["style"] == "form" and bbox["explode"] is False
    from openapi_schema_validator import OAS30Validator

    # The OpenAPI 3.0 meta-schema check of ogctests; here the parameters' schemas are validated too.
    for parameter in doc["components"]["parameters"].values():
        OAS30Validator.check_schema(parameter["schema"])
