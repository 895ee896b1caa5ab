"""`heritage import sites`: formats, Vietnamese headers and encodings, atomic rejection, idempotence."""

from __future__ import annotations

import json

import psycopg
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from mapserver.cli import app
from tests.encodings import encode_like_excel

runner = CliRunner()

VI_HEADER = "Mã,Tên di tích,Xếp hạng,Loại hình,Số quyết định,Ngày quyết định,Huyện,Kinh độ,Vĩ độ\n"
VI_ROWS = (
    "moi-1,Đình thần Thắng Nhất,Quốc gia,Lịch sử,123/QĐ,25/03/1991,Vũng Tàu,107.0900,10.3500\n"
    "moi-2,Miếu Hòn Bà,Cấp tỉnh,,,,Vũng Tàu,,\n"
)


@pytest.fixture
def cli(fresh_dsn, monkeypatch, tmp_path):
    monkeypatch.setenv("HERITAGE_DATABASE_URL", fresh_dsn)
    monkeypatch.setenv("HERITAGE_VAR_DIR", str(tmp_path / "var"))

    def run(*args: str):
        return runner.invoke(app, list(args))

    return run


def count(dsn: str, where: str = "true") -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(f"SELECT count(*) FROM sites WHERE {where}").fetchone()[0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_vietnamese_csv_in_every_excel_encoding(cli, fresh_dsn, tmp_path, encoding, delimiter):
    text = (VI_HEADER + VI_ROWS).replace(",", delimiter)
    path = tmp_path / "ds.csv"
    path.write_bytes(encode_like_excel(text, encoding))
    result = cli("import", "sites", str(path))
    assert result.exit_code == 0, result.output
    assert "inserted 2, updated 0" in result.output
    with psycopg.connect(fresh_dsn) as conn:
        row = conn.execute(
            "SELECT name_vi, rank, category, decision_date::text, admin_unit_ids, "
            "location_status, ST_X(geom), ST_Y(geom) FROM sites WHERE id = 'moi-1'"
        ).fetchone()
    assert row == (
        "Đình thần Thắng Nhất",
        "national",
        "historical",
        "1991-03-25",
        ["vung-tau"],
        "sourced",
        107.09,
        10.35,
    )
    assert count(fresh_dsn, "id = 'moi-2' AND geom IS NULL AND location_status = 'unknown'") == 1


def test_reimport_is_idempotent(cli, fresh_dsn, tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text(VI_HEADER + VI_ROWS, encoding="utf-8")
    assert "inserted 2" in cli("import", "sites", str(path)).output
    again = cli("import", "sites", str(path))
    assert again.exit_code == 0 and "inserted 0, updated 0, unchanged 2" in again.output
    assert count(fresh_dsn) == 26


def test_bad_row_rejects_the_whole_file(cli, fresh_dsn, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        VI_HEADER + VI_ROWS + "moi-3,Sai,Quốc gia,,,31/02/1990,Vũng Tàu,abc,10.3\n"
        "Bad Id,Tên,hạng lạ,,,,Nowhere,,\n"
        "moi-1,Trùng mã,Quốc gia,,,,,,\n"
        "moi-4,Ngoài tỉnh,Quốc gia,,,,,105.85,21.03\n",
        encoding="utf-8",
    )
    before = count(fresh_dsn)
    result = cli("import", "sites", str(path))
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    for expected in (
        "decision_date",
        "'abc' is not a number",
        "rank",
        "unknown administrative unit",
        "duplicate id 'moi-1'",
        "outside the province",
        "nothing imported",
    ):
        assert expected in out, expected
    assert "4 │ decision_date" in result.output or "4 " in result.output
    assert count(fresh_dsn) == before  # nothing changed


def test_missing_required_column(cli, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("id,name_vi\na,b\n", encoding="utf-8")
    result = cli("import", "sites", str(path))
    assert result.exit_code == 1 and "rank" in result.output and "missing" in result.output


def test_geojson_and_xlsx(cli, fresh_dsn, tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [107.17, 10.5]},
                "properties": {
                    "id": "gj-1",
                    "name_vi": "Nhà Đỏ",
                    "rank": "provincial",
                    "district_2023": "Bà Rịa",
                    "coord_accuracy_m": 3,
                },
            }
        ],
    }
    gj = tmp_path / "sites.geojson"
    gj.write_text(json.dumps(doc), encoding="utf-8")
    assert cli("import", "sites", str(gj)).exit_code == 0
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã", "Tên di tích", "Xếp hạng", "Ngày quyết định", "Kinh độ", "Vĩ độ"])
    import datetime

    ws.append(["xl-1", "Chùa Phước Lâm", "Kiểm kê", datetime.datetime(2001, 5, 4), 107.2, 10.45])
    xlsx = tmp_path / "sites.xlsx"
    wb.save(xlsx)
    result = cli("import", "sites", str(xlsx))
    assert result.exit_code == 0, result.output
    with psycopg.connect(fresh_dsn) as conn:
        assert conn.execute("SELECT location_accuracy_m FROM sites WHERE id='gj-1'").fetchone() == (3.0,)
        assert conn.execute(
            "SELECT rank, decision_date::text, ST_AsText(geom) FROM sites WHERE id='xl-1'"
        ).fetchone() == ("inventoried", "2001-05-04", "POINT(107.2 10.45)")


def test_new_position_keeps_the_old_one_in_history(cli, fresh_dsn, tmp_path):
    path = tmp_path / "move.csv"
    path.write_text(
        "id,name_vi,rank,lon,lat,coord_source\n"
        "con-dao-prison,Khu di tích lịch sử cách mạng Nhà tù Côn Đảo,special_national,"
        "106.6150,8.6890,survey 2026\n",
        encoding="utf-8",
    )
    assert cli("import", "sites", str(path)).exit_code == 0
    with psycopg.connect(fresh_dsn) as conn:
        history = conn.execute(
            "SELECT ST_AsText(geom), location_status FROM site_location_history WHERE site_id = 'con-dao-prison'"
        ).fetchall()
        assert history == [("POINT(106.6148 8.6889)", "sourced")]
    # A row without coordinates keeps the registry's position.
    path.write_text("id,name_vi,rank\ncon-dao-prison,Nhà tù Côn Đảo,special_national\n", encoding="utf-8")
    assert cli("import", "sites", str(path)).exit_code == 0
    assert count(fresh_dsn, "id = 'con-dao-prison' AND ST_X(geom) = 106.615") == 1


def test_unreadable_files(cli, tmp_path):
    bad = tmp_path / "x.geojson"
    bad.write_text("{not json", encoding="utf-8")
    result = cli("import", "sites", str(bad))
    assert result.exit_code == 1 and "Not valid JSON" in result.output
    other = tmp_path / "x.shp"
    other.write_bytes(b"\x00")
    assert "Unsupported file type" in cli("import", "sites", str(other)).output
