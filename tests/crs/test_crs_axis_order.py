"""``heritage crs convert`` checks the column order against the numbers (crs.axis_order).

Oracle: pygeodesy (exact Transverse Mercator and the EPSG:6960 Helmert, as in
test_crs_independent), not our own transform, and the published check value
426902.367 E / 1144200.498 N = 107.0843°E 10.3460°N.
"""

from __future__ import annotations

import io
import math

import pytest
from pygeodesy.datums import Datums, Transform
from pygeodesy.ecef import EcefKarney
from pygeodesy.etm import ExactTransverseMercator
from typer.testing import CliRunner

from crs import convert_csv, zone_for_epsg
from crs.axis_order import SwappedColumns
from crs.cli import app

runner = CliRunner()
CONVERT = ["convert", "--from", "EPSG:5899", "--to", "EPSG:4326"]
NORTH_FIRST = "1144501.995,425544.985\n"

# EPSG:6960 (coordinate frame) handed to pygeodesy's position-vector Transform: rotations negated.
_HELMERT = Transform(
    name="", tx=-191.90441429, ty=-39.30318279, tz=-111.45032835, s=0.252906278,
    sx=0.00928836, sy=-0.01975479, sz=0.00427372,
)  # fmt: skip
_ECEF = EcefKarney(Datums.WGS84.ellipsoid)
_ZONE = zone_for_epsg(5899)
_TM = ExactTransverseMercator(datum=Datums.WGS84, lon0=_ZONE.central_meridian, k0=_ZONE.scale_factor)


def _vn2000_geodetic(e: float, n: float) -> tuple[float, float]:
    r = _TM.reverse(e - _ZONE.false_easting, n - _ZONE.false_northing)
    return r.lon, r.lat


def _chain(lon: float, lat: float) -> tuple[float, float]:
    """WGS 84 (lon, lat, h = 0) -> VN-2000 geodetic (exact inverse of the Helmert): the 2D convention."""
    w = _ECEF.forward(lat, lon, 0.0)
    v = [w.x, w.y, w.z]
    for _ in range(6):
        f = _HELMERT.transform(*v)
        v = [v[0] + w.x - f.x, v[1] + w.y - f.y, v[2] + w.z - f.z]
    r = _ECEF.reverse(*v)
    return r.lon, r.lat


def _oracle_wgs84(e: float, n: float) -> tuple[float, float]:
    """The WGS 84 point whose chain lands on (e, n), by fixed-point iteration on geodetic differences."""
    lon_t, lat_t = _vn2000_geodetic(e, n)
    lon, lat = lon_t, lat_t
    for _ in range(8):
        lon_c, lat_c = _chain(lon, lat)
        lon, lat = lon + lon_t - lon_c, lat + lat_t - lat_c
    return lon, lat


def _metres(lon: float, lat: float, lon2: float, lat2: float) -> float:
    return math.hypot((lon2 - lon) * 111_320 * math.cos(math.radians(lat)), (lat2 - lat) * 110_574)


def test_northing_first_file_is_refused_naming_its_lines() -> None:
    result = runner.invoke(app, CONVERT, input="E,N\n" + NORTH_FIRST * 3)
    assert result.exit_code == 1
    assert result.stdout == "lon,lat\n"  # the header only: no point was converted
    message = result.stderr
    assert "look the other way round in EPSG:5899" in message and "lines 2, 3, 4" in message
    assert "1144501.995 fits only as the northing" in message and "add --axis-order north-east" in message


def test_axis_order_north_east_converts_to_the_oracle_to_the_millimetre() -> None:
    result = runner.invoke(app, [*CONVERT, "--axis-order", "north-east"], input=NORTH_FIRST)
    assert result.exit_code == 0, result.output
    lon, lat = (float(v) for v in result.stdout.split(","))
    ref_lon, ref_lat = _oracle_wgs84(425544.985, 1144501.995)
    assert _metres(ref_lon, ref_lat, lon, lat) <= 0.001
    assert 107.0 < lon < 107.2 and 10.3 < lat < 10.4  # not 113.54°E, 3.83°N
    # The published check value, written northing first.
    known = runner.invoke(app, [*CONVERT, "--axis-order", "north-east"], input="1144200.498,426902.367\n")
    lon, lat = (float(v) for v in known.stdout.split(","))
    assert _metres(107.0843, 10.3460, lon, lat) <= 0.0015  # the check value is rounded to the millimetre


def test_oracle_reproduces_the_check_value() -> None:
    lon, lat = _oracle_wgs84(426902.367, 1144200.498)
    assert _metres(107.0843, 10.3460, lon, lat) <= 0.0015


def test_latitude_first_is_refused_and_read_with_north_east() -> None:
    refused = runner.invoke(app, ["convert", "--from", "4326", "--to", "5899"], input="10.3460,107.0843\n")
    assert refused.exit_code == 1 and "the latitude comes first on line 1" in refused.stderr
    done = runner.invoke(
        app, ["convert", "--from", "4326", "--to", "5899", "--axis-order", "north-east"], input="10.3460,107.0843\n"
    )
    assert done.exit_code == 0 and done.stdout == "426902.3672,1144200.4975\n"
    # Said north-east, written east first: refused the other way round.
    wrong = runner.invoke(app, [*CONVERT, "--axis-order", "north-east"], input="425544.985,1144501.995\n")
    assert wrong.exit_code == 1 and "the easting comes first" in wrong.stderr
    assert "add --axis-order east-north" in wrong.stderr


def test_rows_that_disagree_with_the_rest_are_named_across_chunks(tmp_path) -> None:
    rows = ["425544.985,1144501.995\n"] * 9
    rows[6] = rows[8] = NORTH_FIRST
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("E,N\n\n" + "".join(rows))
    with pytest.raises(SwappedColumns) as info:
        convert_csv(src, dst, src=5899, dst=4326, chunk_lines=4)
    # Lines 3–11 hold the rows; rows 7 and 9 are lines 9 and 11, in the third chunk.
    assert info.value.lines == [9] and not info.value.file_swapped
    assert "line 9: the two coordinates are the other way round from the rest of the file (easting first)" in str(
        info.value
    )
    assert not dst.exists()
    result = runner.invoke(app, [*CONVERT, str(src)])
    assert result.exit_code == 1 and "lines 9, 11:" in result.stderr and "--axis-order" not in result.stderr


def test_a_mostly_swapped_first_chunk_names_both_kinds_of_rows() -> None:
    text = NORTH_FIRST * 7 + "425544.985,1144501.995\n"
    with pytest.raises(SwappedColumns) as info:
        convert_csv(io.StringIO(text), io.StringIO(), src=5899, dst=4326)
    assert info.value.file_swapped and info.value.lines == list(range(1, 8))
    assert "lines 1, 2, 3, 4, 5 and 2 more" in str(info.value) and "also check line 8" in str(info.value)


def test_points_outside_every_order_and_ecef_are_not_judged() -> None:
    # Neither order fits (not Vietnam): the check has nothing to say; ECEF has no such pair.
    assert convert_csv(io.StringIO("500000,5000000\n"), io.StringIO(), src=5899, dst=4326) == 1
    out = io.StringIO()
    assert convert_csv(io.StringIO("-1.0e6,6.0e6,1.2e6\n"), out, src=4978, dst=4978) == 1


def test_bad_axis_order_option() -> None:
    result = runner.invoke(app, [*CONVERT, "--axis-order", "ne"], input=NORTH_FIRST)
    assert result.exit_code == 2 and "east-north or north-east" in result.output
