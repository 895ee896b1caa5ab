"""OGC API Features Part 2 (CRS by reference): output and bbox in CRS84, EPSG:4326 (lat/lon),
VN-2000 zones and UTM, converted through crs/ (EPSG:6960) and checked against an independent pair
and against crs/ to the millimetre."""

from __future__ import annotations

import numpy as np
import pytest

import crs
from mapserver.geo import crsref
from tests.mapserver.seeded import CHECK_E, CHECK_N, POSITIONS

OGC = "/ogc"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def uri(epsg: int) -> str:
    return f"http://www.opengis.net/def/crs/EPSG/0/{epsg}"


def features(api, collection="relics", **params):
    r = api.get(f"{OGC}/collections/{collection}/items", params={"limit": 100, **params})
    assert r.status_code == 200, r.text
    return r, {f["id"]: f for f in r.json()["features"]}


def test_vn2000_output_matches_the_independent_check_pair(api):
    r, got = features(api, crs=uri(5899), bbox="107.0,10.3,107.2,10.4")
    assert r.headers["content-crs"] == f"<{uri(5899)}>"
    e, n = got["t-vt1"]["geometry"]["coordinates"]
    assert e == pytest.approx(CHECK_E, abs=0.001) and n == pytest.approx(CHECK_N, abs=0.001)
    one = api.get(f"{OGC}/collections/relics/items/t-vt1", params={"crs": uri(5899)})
    assert one.headers["content-crs"] == f"<{uri(5899)}>"
    assert one.json()["geometry"]["coordinates"] == [
        pytest.approx(CHECK_E, abs=0.001),
        pytest.approx(CHECK_N, abs=0.001),
    ]


@pytest.mark.parametrize("epsg", [5899, 5896, 9214, 9218, 3405, 3406])
def test_projected_output_matches_crs_to_the_millimetre(api, epsg):
    # Points on both sides of 107.11°E (where pyproj's default would switch to EPSG:5194).
    _, got = features(api, crs=uri(epsg), bbox="106,8,108,11")
    assert set(got) == set(POSITIONS)
    for site, (lon, lat) in POSITIONS.items():
        e, n = crs.from_wgs84(lon, lat, epsg)
        assert got[site]["geometry"]["coordinates"] == [
            pytest.approx(float(e), abs=0.0006),
            pytest.approx(float(n), abs=0.0006),
        ]


def test_epsg_4326_is_latitude_first_and_crs84_longitude_first(api):
    _, lat_lon = features(api, crs=uri(4326), bbox="107.0,10.3,107.2,10.4")
    assert lat_lon["t-vt1"]["geometry"]["coordinates"] == [10.346, 107.0843]
    _, lon_lat = features(api, crs=CRS84, bbox="107.0,10.3,107.2,10.4")
    assert lon_lat["t-vt1"]["geometry"]["coordinates"] == [107.0843, 10.346]
    # VN-2000 geographic (EPSG:4756, lat/lon) differs from WGS 84 by the datum shift.
    _, vn = features(api, crs=uri(4756), bbox="107.0,10.3,107.2,10.4")
    lon, lat = crs.transform(107.0843, 10.346, src=4326, dst=4756)
    assert vn["t-vt1"]["geometry"]["coordinates"] == [
        pytest.approx(float(lat), abs=1e-8),
        pytest.approx(float(lon), abs=1e-8),
    ]
    assert abs(float(lon) - 107.0843) > 1e-4  # a real shift, not an identity


def test_polygons_are_converted_vertex_by_vertex(api):
    _, wgs = features(api, "protection_zones")
    _, vn = features(api, "protection_zones", crs=uri(5899))
    for fid, feature in wgs.items():
        ring = np.array(feature["geometry"]["coordinates"][0][0])
        e, n = crs.from_wgs84(ring[:, 0], ring[:, 1], 5899)
        got = np.array(vn[fid]["geometry"]["coordinates"][0][0])
        assert got.shape == ring.shape
        assert np.abs(got - np.column_stack([e, n])).max() < 0.001


@pytest.mark.parametrize(
    "bbox_crs, bbox",
    [
        (None, "107.08,10.34,107.09,10.35"),
        (CRS84, "107.08,10.34,107.09,10.35"),
        (uri(4326), "10.34,107.08,10.35,107.09"),
        (uri(5899), f"{CHECK_E - 50},{CHECK_N - 50},{CHECK_E + 50},{CHECK_N + 50}"),
        (uri(3405), None),
    ],
)
def test_bbox_crs(api, bbox_crs, bbox):
    if bbox is None:  # a box around t-vt1 in UTM 48N, computed through crs/
        e, n = crs.from_wgs84(107.0843, 10.346, 3405)
        bbox = f"{float(e) - 50},{float(n) - 50},{float(e) + 50},{float(n) + 50}"
    params = {"bbox": bbox, **({"bbox-crs": bbox_crs} if bbox_crs else {})}
    _, got = features(api, **params)
    assert list(got) == ["t-vt1"]


def test_bbox_in_vn2000_follows_the_curved_edges():
    # A projected box is densified before conversion: its lon/lat outline is not a rectangle.
    polygon = crsref.bbox_to_wgs84([400000, 1100000, 500000, 1200000], crsref.parse_crs_param(uri(5899), "x"))
    assert len(polygon.exterior.coords) > 100
    corners = np.array(polygon.exterior.coords)
    e, n = crs.from_wgs84(corners[:, 0], corners[:, 1], 5899)
    assert e.min() == pytest.approx(400000, abs=0.01) and n.max() == pytest.approx(1200000, abs=0.01)


def test_crs_errors(api):
    for params, name in (
        ({"crs": "http://www.opengis.net/def/crs/EPSG/0/2154"}, "crs"),
        ({"bbox-crs": "EPSG:nope", "bbox": "1,2,3,4"}, "bbox-crs"),
        ({"bbox-crs": uri(4326), "bbox": "107.08,10.34,107.09,10.35"}, "bbox"),
        ({"crs": uri(4979)}, "crs"),
    ):
        r = api.get(f"{OGC}/collections/relics/items", params=params)
        assert r.status_code == 400 and r.json()["parameter"] == name, params


def test_repeated_identical_crs_is_accepted(api):
    # GDAL re-appends the connection string's query to links that already carry it.
    r = api.get(f"{OGC}/collections/relics/items/t-vt1?crs={uri(5899)}&crs={uri(5899)}")
    assert r.status_code == 200
    r = api.get(f"{OGC}/collections/relics/items/t-vt1?crs={uri(5899)}&crs={uri(3405)}")
    assert r.status_code == 400
