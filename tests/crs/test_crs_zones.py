"""Zone registry, EPSG/URI parsing and province lookup, checked against pyproj's EPSG database."""

from __future__ import annotations

import dataclasses

import pytest
from pyproj import CRS
from pyproj.database import query_crs_info

from crs import UnsupportedCRS, Zone, all_zones, parse_crs, tm3_zone_for_longitude, zone_for_epsg, zone_for_province
from crs._text import fold
from crs.provinces import PROVINCE_MERIDIANS

TM3_CODES = [5896, 5897, 5898, 5899, *range(9205, 9219)]


def test_registry_contains_every_required_crs() -> None:
    codes = {z.epsg for z in all_zones()}
    assert {4326, 4979, 4978, 4756, 3405, 3406, *TM3_CODES} <= codes
    assert "OGC:CRS84" in {z.srs for z in all_zones()}


def test_every_vn2000_tm3_crs_in_the_database_is_registered() -> None:
    in_db = {
        int(i.code)
        for i in query_crs_info(auth_name="EPSG")
        if i.name.startswith("VN-2000 / TM-3") and not i.deprecated
    }
    registered = {z.epsg for z in all_zones() if z.family == "TM-3"}
    assert in_db == registered
    assert set(TM3_CODES) <= in_db


@pytest.mark.parametrize("code", TM3_CODES)
def test_tm3_zone_matches_pyproj(code: int) -> None:
    zone = zone_for_epsg(code)
    crs = CRS.from_epsg(code)
    assert zone.datum == "VN2000" and crs.geodetic_crs.datum.name == "Vietnam 2000"
    assert zone.kind == "projected" and zone.family == "TM-3"
    assert zone.scale_factor == 0.9999 and zone.false_easting == 500_000 and zone.false_northing == 0
    assert zone.bounds == crs.area_of_use.bounds
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert zone.central_meridian == params["Longitude of natural origin"]
    assert zone.lat_first is False


def test_bria_vung_tau_zone_5899() -> None:
    z = zone_for_epsg(5899)
    assert (z.name, z.central_meridian, z.kind, z.datum) == ("VN-2000 / TM-3 107-45", 107.75, "projected", "VN2000")
    assert "Bà Rịa - Vũng Tàu" in z.provinces
    assert z.uri == "http://www.opengis.net/def/crs/EPSG/0/5899"
    assert bool(z.contains(107.08, 10.35)) and not bool(z.contains(105.0, 10.35))


def test_utm_zones_and_geographic_axis_notes() -> None:
    assert zone_for_epsg(3405).central_meridian == 105 and zone_for_epsg(3405).scale_factor == 0.9996
    assert zone_for_epsg(3406).central_meridian == 111 and zone_for_epsg(3406).family == "UTM"
    assert zone_for_epsg(4326).lat_first and zone_for_epsg(4756).lat_first
    assert not parse_crs("OGC:CRS84").lat_first
    assert zone_for_epsg(4756).datum == "VN2000" and zone_for_epsg(4326).datum == "WGS84"
    assert zone_for_epsg(4978).kind == "geocentric"
    assert parse_crs("OGC:CRS84").uri == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def test_zone_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        zone_for_epsg(5899).epsg = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "EPSG:5899",
        "5899",
        "epsg:5899",
        "EPSG::5899",
        "urn:ogc:def:crs:EPSG::5899",
        "urn:ogc:def:crs:EPSG:9.5:5899",
        "http://www.opengis.net/def/crs/EPSG/0/5899",
        "https://www.opengis.net/def/crs/EPSG/0/5899",
        "[EPSG:5899]",
        " EPSG:5899 ",
    ],
)
def test_parse_crs_epsg_forms(text: str) -> None:
    assert parse_crs(text).epsg == 5899


@pytest.mark.parametrize(
    "text",
    [
        "OGC:CRS84",
        "CRS84",
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    ],
)
def test_parse_crs_crs84_forms(text: str) -> None:
    zone = parse_crs(text)
    assert zone.srs == "OGC:CRS84" and zone.epsg == 4326 and not zone.lat_first


@pytest.mark.parametrize("text", ["EPSG:3857", "32648", "urn:ogc:def:crs:EPSG::2154", "VN2000", "", "EPSG:"])
def test_parse_crs_rejects_unsupported(text: str) -> None:
    with pytest.raises(UnsupportedCRS):
        parse_crs(text)


def test_zone_for_epsg_message() -> None:
    with pytest.raises(UnsupportedCRS, match="EPSG:3857 is not supported"):
        zone_for_epsg(3857)
    with pytest.raises(UnsupportedCRS, match="not an EPSG code"):
        zone_for_epsg("abc")


@pytest.mark.parametrize(
    "name",
    [
        "Bà Rịa - Vũng Tàu",
        "Ba Ria Vung Tau",
        "BÀ RỊA–VŨNG TÀU",
        "ba-ria vung-tau",
        "Tỉnh Bà Rịa - Vũng Tàu",
        "BRVT",
        "Ba Ria-Vung Tau province",
    ],
)
def test_zone_for_province_brvt(name: str) -> None:
    assert zone_for_province(name).epsg == 5899


@pytest.mark.parametrize(
    "name, epsg",
    [
        ("Hồ Chí Minh", 9210),
        ("TP. Hồ Chí Minh", 9210),
        ("Thành phố Hồ Chí Minh", 9210),
        ("Đồng Nai", 5899),
        ("Lâm Đồng", 5899),
        ("Hà Nội", 5897),
        ("Quảng Ngãi", 5898),
        ("Thua Thien-Hue", 9214),
        ("Dak Lak", 9218),
        ("Đắk Nông", 9218),
        ("Khánh Hoà", 9217),
        ("Bình Phước", 9212),
        ("Cà Mau", 9207),
        ("Điện Biên", 9205),
    ],
)
def test_zone_for_province_others(name: str, epsg: int) -> None:
    assert zone_for_province(name).epsg == epsg


def test_province_table_agrees_with_epsg_area_names() -> None:
    # EPSG's area-of-use texts name the provinces of each TM-3 zone (Circular 973/2001).
    areas: dict[float, str] = {}
    for info in query_crs_info(auth_name="EPSG"):
        if info.name.startswith("VN-2000 / TM-3"):
            cm = zone_for_epsg(int(info.code)).central_meridian
            areas[cm] = areas.get(cm, "") + fold(info.area_of_use.name)
    assert len(PROVINCE_MERIDIANS) == 64  # 63 provinces before 2025 + Hà Tây (merged into Hà Nội 2008)
    for province, cm in PROVINCE_MERIDIANS.items():
        assert fold(province) in areas[cm], province


def test_zone_for_province_unknown() -> None:
    with pytest.raises(UnsupportedCRS, match="unknown province"):
        zone_for_province("Atlantis")


@pytest.mark.parametrize(
    "lon, epsg",
    [
        (102.5, 5896),
        (103.49, 5896),
        (103.5, 5897),
        (105.0, 5897),
        (106.49, 5897),
        (106.5, 5898),
        (107.08, 5898),
        (109.4, 5898),
    ],
)
def test_tm3_zone_for_longitude_regular(lon: float, epsg: int) -> None:
    assert tm3_zone_for_longitude(lon).epsg == epsg


def test_tm3_zone_for_longitude_provincial_and_errors() -> None:
    assert tm3_zone_for_longitude(107.7, provincial=True).epsg == 5899
    assert tm3_zone_for_longitude(105.8, provincial=True).epsg == 9210
    for bad in (95.0, 115.0, float("nan")):
        with pytest.raises(UnsupportedCRS):
            tm3_zone_for_longitude(bad)


def test_zone_objects_are_hashable_and_shared() -> None:
    assert parse_crs("EPSG:5899") is zone_for_epsg(5899)
    assert isinstance(hash(zone_for_epsg(5899)), int) and isinstance(zone_for_epsg(5899), Zone)
