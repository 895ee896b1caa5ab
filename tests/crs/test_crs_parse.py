"""Surveyor notations: DMS angles, numbers with Vietnamese separators, swapped columns."""

from __future__ import annotations

import numpy as np
import pytest

from crs import detect_swapped_axes, parse_angle, parse_number, transform

LAT = 10 + 20 / 60 + 46 / 3600
LON = 107 + 3 / 60 + 7 / 3600


@pytest.mark.parametrize(
    "text",
    [
        "10°20′46″N",
        "10 20 46 N",
        "10d20m46s",
        "10°20'46\"N",
        "10°20’46”N",
        "10°20'46''N",
        "N10°20′46″",
        "n 10 20 46",
        "10:20:46",
        "+10°20′46″",
        "10° 20′ 46″ N",
        "10°20′46″ vĩ độ Bắc",
        "10°20′46″ Bắc",
        "10º20′46″N",
        "10d 20m 46s N",
    ],
)
def test_latitude_variants(text: str) -> None:
    assert parse_angle(text) == pytest.approx(LAT, abs=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "107°03'07\"E",
        "107°03′07″E",
        "107 03 07 E",
        "107d03m07s",
        "E107°03'07\"",
        "107°03′07″ Đông",
        "107°03′07″ kinh độ Đông",
    ],
)
def test_longitude_variants(text: str) -> None:
    assert parse_angle(text) == pytest.approx(LON, abs=1e-12)


@pytest.mark.parametrize(
    "text, value",
    [
        ("-10.3461", -10.3461),
        ("10.3461", 10.3461),
        ("10,3461", 10.3461),
        ("10°20.5′", 10 + 20.5 / 60),
        ("10°20′46.5″", 10 + 20 / 60 + 46.5 / 3600),
        ("10°20′46,5″", 10 + 20 / 60 + 46.5 / 3600),
        ("10 20 46 S", -LAT),
        ("33 S", -33.0),
        ("10.5S", -10.5),
        ("10d20m46sS", -LAT),
        ("10°20′46″ Nam", -LAT),
        ("71°03′W", -(71 + 3 / 60)),
        ("−10.5", -10.5),
        ("106°36′ Tây", -106.6),
        ("0", 0.0),
        ("90N", 90.0),
        ("180 W", -180.0),
    ],
)
def test_signs_and_decimals(text: str, value: float) -> None:
    assert parse_angle(text) == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize(
    "text, kind, message",
    [
        ("91°N", None, "out of range"),
        ("95", "lat", "latitude '95' = 95° is out of range"),
        ("181 E", None, "out of range"),
        ("10 61 00", None, "below 60"),
        ("10 20 60", None, "below 60"),
        ("10.5 20", None, "only the last component"),
        ("-10 S", None, "both a minus sign and a hemisphere"),
        ("10 20 46 E", "lat", "longitude"),
        ("10 20 46 N", "lon", "latitude"),
        ("", None, "empty"),
        ("abc", None, "cannot read angle"),
        ("10°20′46″ X", None, "cannot read angle"),
        ("10d46s", None, "seconds without minutes"),
        ("1 2 3 4", None, "more than degrees"),
        ("20′10°", None, "out of order"),
    ],
)
def test_angle_errors(text: str, kind, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_angle(text, kind=kind)


@pytest.mark.parametrize(
    "text, value",
    [
        ("1144200.498", 1144200.498),
        ("1144200,498", 1144200.498),
        ("1.144.200,498", 1144200.498),
        ("1,144,200.498", 1144200.498),
        ("1 144 200,498", 1144200.498),
        ("1\u00a0144\u00a0200.5", 1144200.5),
        ("1.144.200", 1144200.0),
        ("1,144,200", 1144200.0),
        ("1,144", 1.144),
        ("-426902,367", -426902.367),
        ("+5", 5.0),
        ("1.5e3", 1500.0),
        (" 42 ", 42.0),
        (".5", 0.5),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value, abs=1e-9)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.2.3", "1.144,200.5", "1,14,200", "12 34", "nan", "1,2.3,4"])
def test_parse_number_errors(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def _brvt_en(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    return transform(rng.uniform(106.95, 107.6, n), rng.uniform(10.3, 10.8, n), src=4326, dst=5899)


def test_projected_columns_in_order() -> None:
    e, n = _brvt_en()
    check = detect_swapped_axes(e, n, 5899)
    assert not check.swapped and check.plausible and check.fraction_as_given == 1.0
    assert "as given" in check.message


def test_projected_columns_swapped_vietnamese_x_is_northing() -> None:
    e, n = _brvt_en()
    check = detect_swapped_axes(n, e, "EPSG:5899")
    assert check.swapped and not check.plausible and check.fraction_swapped == 1.0
    assert "swapped" in check.message and "X is usually the northing" in check.message


def test_geographic_lat_lon_swapped() -> None:
    lon, lat = np.array([107.08, 107.2]), np.array([10.35, 10.5])
    assert not detect_swapped_axes(lon, lat, 4326).swapped
    check = detect_swapped_axes(lat, lon, 4326)
    assert check.swapped and "longitude first" in check.message
    assert detect_swapped_axes(lat, lon, 4756).swapped


def test_neither_order_plausible_and_errors() -> None:
    check = detect_swapped_axes([5.0, 6.0], [5.0, 6.0], 5899)
    assert not check.swapped and not check.plausible and "check the CRS" in check.message
    with pytest.raises(ValueError, match="ECEF"):
        detect_swapped_axes([1.0], [2.0], 4978)
    with pytest.raises(ValueError, match="no finite"):
        detect_swapped_axes([np.nan], [1.0], 5899)


def test_swapped_detection_on_a_million_points_is_sampled() -> None:
    e, n = _brvt_en(1000)
    e, n = np.tile(e, 1000), np.tile(n, 1000)
    assert detect_swapped_axes(n, e, 5899).swapped
