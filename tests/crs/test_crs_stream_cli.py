"""CSV streaming conversion and the ``heritage crs`` typer sub-app."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from crs import AmbiguousHeights, CSVFormatError, UnsupportedCRS, convert_csv, transform
from crs.cli import app

runner = CliRunner()


def _convert(text: str, **kwargs) -> str:
    out = io.StringIO()
    convert_csv(io.StringIO(text), out, **kwargs)
    return out.getvalue()


def test_check_value_no_header() -> None:
    # 4 decimals of a metre (0.1 mm); the check value is 426902.367, 1144200.498 to the mm.
    assert _convert("107.0843,10.3460\n", src="EPSG:4326", dst="EPSG:5899") == "426902.3672,1144200.4975\n"


def test_header_detected_heights_converted_and_formats() -> None:
    text = "lon,lat,h\n107.0843,10.3460,5\n\n# comment\n107.2,10.5,1.23456\n"
    out = _convert(text, src=4326, dst=5899, heights="normal")
    lines = out.splitlines()
    assert lines[0] == "easting,northing,h_normal"
    # At H = 5 m (h = 3.2 m) the datum step moves the point 0.1 mm from its height-0 position; H is kept.
    assert lines[1] == "426902.3673,1144200.4975,5.0000"
    assert lines[2].endswith(",1.2346") and len(lines) == 3
    # GNSS ellipsoidal heights become normal heights (EGM96 N = -1.819 m at Vũng Tàu).
    gnss = _convert(text, src=4326, dst=5899, heights="ellipsoidal").splitlines()
    assert gnss[0] == "easting,northing,h_normal" and float(gnss[1].split(",")[2]) == pytest.approx(6.819, abs=0.001)
    kept = _convert(text, src=4326, dst=5899, heights="ellipsoidal", out_heights="ellipsoidal").splitlines()
    assert kept[0] == "easting,northing,h_ellipsoidal" and kept[1].endswith(",5.0000")


def test_wgs84_heights_must_be_said_when_they_matter() -> None:
    with pytest.raises(AmbiguousHeights, match="ellipsoidal"):
        _convert("107.0843,10.3460,5\n", src=4326, dst=5899)
    # Same datum, no conversion asked for: the kind does not matter and z is unchanged.
    assert _convert("107.0843,10.3460,5\n", src=4326, dst="OGC:CRS84") == "107.0843000000,10.3460000000,5.0000\n"


def test_geographic_output_lon_lat_9_decimals() -> None:
    out = _convert("426902.367,1144200.498\n", src=5899, dst="OGC:CRS84")
    lon, lat = out.strip().split(",")
    assert len(lon.split(".")[1]) == 10 and len(lat.split(".")[1]) == 10
    assert float(lon) == pytest.approx(107.0843, abs=2e-8) and float(lat) == pytest.approx(10.346, abs=2e-8)


def test_ecef_output_and_requirement_of_z() -> None:
    out = _convert("107.0843,10.3460,13.181\n", src=4326, dst=4978, heights="ellipsoidal")
    X, Y, Z = (float(v) for v in out.split(","))
    ref = transform(107.0843, 10.3460, 13.181, src=4326, dst=4978, heights="ellipsoidal")
    assert np.allclose([X, Y, Z], [float(v) for v in ref], atol=0.00006)
    with pytest.raises(CSVFormatError, match="line 1: ECEF"):
        _convert("107.0843,10.3460\n", src=4326, dst=4978)


def test_crlf_and_inline_comments() -> None:
    out = _convert(
        "x,y\r\n107.0843,10.3460 # Bạch Dinh gate\r\n\r\n  # note\r\n107.0843,10.3460\r\n", src=4326, dst=5899
    )
    assert out.splitlines() == ["easting,northing", "426902.3672,1144200.4975", "426902.3672,1144200.4975"]


def test_explicit_header_flags() -> None:
    # A numeric first line forced to be a header is skipped.
    assert (
        _convert("1,2\n107.0843,10.3460\n", src=4326, dst=5899, has_header=True).splitlines()[1]
        == "426902.3672,1144200.4975"
    )
    with pytest.raises(CSVFormatError, match="line 1, field 1"):
        _convert("x,y\n107.0843,10.3460\n", src=4326, dst=5899, has_header=False)


@pytest.mark.parametrize(
    "text, message",
    [
        ("x,y\n107.08,10.34\n107.09,abc\n", "line 3, field 2: 'abc' is not a number"),
        ("107.08,10.34\n\n107.09,10.35,4\n", "line 3: expected 2 comma-separated values, found 3"),
        ("107.08,10.34\n107.09,\n", "line 2, field 2: empty value"),
        ("107.08,10.34\n107.09,nan\n", "line 2, field 2: not a finite number"),
        ("1,2,3,4\n", "line 1: expected 2 or 3"),
    ],
)
def test_bad_lines_are_named(text: str, message: str) -> None:
    with pytest.raises(CSVFormatError) as info:
        _convert(text, src=4326, dst=5899)
    assert message in str(info.value)


def test_bad_line_number_across_chunks() -> None:
    lines = [f"{107 + i * 1e-4:.6f},10.4\n" for i in range(25)]
    lines[17] = "107.1,10.4x\n"
    with pytest.raises(CSVFormatError) as info:
        _convert("x,y\n\n" + "".join(lines), src=4326, dst=5899, chunk_lines=4)
    assert info.value.line == 20 and info.value.field == 2


def test_chunked_equals_unchunked_and_counts() -> None:
    rng = np.random.default_rng(2)
    text = "".join(f"{a:.9f},{b:.9f}\n" for a, b in zip(rng.uniform(107, 107.5, 1000), rng.uniform(10.3, 10.7, 1000)))
    assert _convert(text, src=4326, dst=5899, chunk_lines=7) == _convert(text, src=4326, dst=5899)
    assert convert_csv(io.StringIO(text), io.StringIO(), src=4326, dst=5899) == 1000
    assert convert_csv(io.StringIO("\n\n"), io.StringIO(), src=4326, dst=5899) == 0


def test_paths_bom_and_no_partial_output(tmp_path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes("\ufeffx,y\n107.0843,10.3460\n".encode())
    dst = tmp_path / "out.csv"
    assert convert_csv(src, dst, src=4326, dst=5899) == 1
    assert dst.read_text() == "easting,northing\n426902.3672,1144200.4975\n"
    bad = tmp_path / "bad.csv"
    bad.write_text("107.0843,10.3460\noops,1\n")
    target = tmp_path / "never.csv"
    with pytest.raises(CSVFormatError):
        convert_csv(bad, target, src=4326, dst=5899)
    assert not target.exists() and not list(tmp_path.glob(".crs-*"))


def test_unknown_crs() -> None:
    with pytest.raises(UnsupportedCRS):
        _convert("1,2\n", src="EPSG:3857", dst=5899)


def test_two_hundred_thousand_lines_is_fast() -> None:
    rng = np.random.default_rng(4)
    n = 200_000
    lon, lat, z = rng.uniform(107, 107.5, n), rng.uniform(10.3, 10.7, n), rng.uniform(0, 50, n)
    text = "".join(map("%.9f,%.9f,%.3f\n".__mod__, zip(lon.tolist(), lat.tolist(), z.tolist())))
    t0 = time.perf_counter()
    out = _convert(text, src=4326, dst=5899, heights="normal")
    assert time.perf_counter() - t0 < 5.0  # ~0.5 s here; a 1M-line file takes a few seconds
    rows = np.loadtxt(io.StringIO(out), delimiter=",")
    written = np.loadtxt(io.StringIO(text), delimiter=",")  # the input as written, height in the datum step
    e, _, _ = transform(written[:, 0], written[:, 1], written[:, 2], src=4326, dst=5899, heights="normal")
    assert rows.shape == (n, 3) and np.abs(rows[:, 0] - e).max() <= 0.00005
    assert np.abs(rows[:, 2] - z).max() <= 0.0005


# ---- CLI ----


def test_cli_convert_stdin_to_stdout() -> None:
    result = runner.invoke(app, ["convert", "--from", "EPSG:4326", "--to", "EPSG:5899"], input="107.0843,10.3460\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == "426902.3672,1144200.4975\n"


def test_cli_file_argument_and_output(tmp_path) -> None:
    infile = tmp_path / "pts.csv"
    infile.write_text("E,N,H\n426902.367,1144200.498,5\n")
    out = tmp_path / "wgs.csv"
    result = runner.invoke(app, ["convert", "--from", "5899", "--to", "OGC:CRS84", str(infile), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[0] == "lon,lat,h_normal"  # VN-2000 heights are normal heights
    assert "1 points written" in result.stderr


def test_cli_bad_line_exit_1() -> None:
    result = runner.invoke(
        app, ["convert", "--from", "EPSG:4326", "--to", "EPSG:5899"], input="107.0843,10.3460\n107.1,bad\n"
    )
    assert result.exit_code == 1
    assert "line 2, field 2" in result.stderr


def test_cli_unknown_crs_exit_2() -> None:
    result = runner.invoke(app, ["convert", "--from", "EPSG:3857", "--to", "EPSG:5899"], input="1,2\n")
    assert result.exit_code == 2
    assert "EPSG:3857 is not supported" in result.output


def test_cli_header_flag_and_zones() -> None:
    result = runner.invoke(app, ["convert", "--from", "4326", "--to", "5899", "--no-header"], input="a,b\n")
    assert result.exit_code == 1 and "line 1, field 1" in result.stderr
    result = runner.invoke(app, ["zones"])
    assert result.exit_code == 0 and "EPSG:5899" in result.stdout and "Bà Rịa - Vũng Tàu" in result.stdout


def test_cli_heights_options() -> None:
    gnss = "lon,lat,h\n107.0843,10.3460,1500\n"
    refused = runner.invoke(app, ["convert", "--from", "4326", "--to", "5899"], input=gnss)
    assert refused.exit_code == 2 and "--heights" in refused.stderr
    bad = runner.invoke(app, ["convert", "--from", "4326", "--to", "5899", "--heights", "orthometric"], input=gnss)
    assert bad.exit_code == 2
    done = runner.invoke(app, ["convert", "--from", "4326", "--to", "5899", "--heights", "ellipsoidal"], input=gnss)
    assert done.exit_code == 0, done.output
    header, row = done.stdout.splitlines()
    e, n, h = (float(v) for v in row.split(","))
    assert header == "easting,northing,h_normal" and h == pytest.approx(1501.819, abs=0.001)
    # The height moves the datum step by ~5 cm at 1,500 m (the 2D check value is at height 0).
    assert 0.04 < np.hypot(e - 426902.3672, n - 1144200.4975) < 0.07
    back = runner.invoke(
        app, ["convert", "--from", "5899", "--to", "4326", "--out-heights", "ellipsoidal"], input=done.stdout
    )
    assert back.exit_code == 0, back.output
    lon, lat, h2 = (float(v) for v in back.stdout.splitlines()[1].split(","))
    assert abs(lon - 107.0843) < 1e-9 and abs(lat - 10.346) < 1e-9 and abs(h2 - 1500) < 0.0001
