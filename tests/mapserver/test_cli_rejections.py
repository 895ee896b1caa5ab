"""The command line on a file refused as a whole: one sentence, no empty row/column/reason table, no
"row 0"; a file refused row by row still gets its table (mapserver.cli_output)."""

from __future__ import annotations

import psycopg
import pytest
from typer.testing import CliRunner

from mapserver.cli import app
from tests.inventory_samples import write_sample_csv

runner = CliRunner()
TABLE_MARKS = ("┃", "┏", "│ reason", "reason ┃")


@pytest.fixture
def cli(fresh_dsn, monkeypatch, tmp_path):
    monkeypatch.setenv("HERITAGE_DATABASE_URL", fresh_dsn)
    monkeypatch.setenv("HERITAGE_VAR_DIR", str(tmp_path / "var"))
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def _one_sentence(output: str) -> str:
    text = output.strip()
    assert not any(mark in text for mark in TABLE_MARKS), text
    assert "row 0" not in text and "\n0 " not in text
    # The survey's progress bar stays as last drawn ("importing p.csv ━━━ 0 rows"); then the sentence.
    lines = [line for line in text.splitlines() if not line.startswith("importing ")]
    assert len(lines) <= 2, text  # one sentence, wrapped at most once by the console width
    return " ".join(lines)


def test_survey_for_an_unknown_relic_is_one_sentence(cli, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("P1,1144200.498,426902.367,15\n")
    result = cli("survey", "import", path, "--site", "no-such-relic", "--crs", "EPSG:5899", "--heights", "normal")
    assert result.exit_code == 1
    sentence = _one_sentence(result.output)
    assert "rejected:" in sentence and "nothing stored" in sentence and "Unknown relic id 'no-such-relic'" in sentence


def test_survey_with_bad_rows_keeps_its_table(cli, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("P1,abc,426902,15\nP2,1144200.498,426902.367,15\n")
    result = cli("survey", "import", path, "--site", "bach-dinh", "--crs", "EPSG:5899", "--heights", "normal")
    assert result.exit_code == 1
    assert "reason" in result.output and "nothing stored" in result.output and "abc" in result.output


def test_artefacts_for_an_unknown_museum_is_one_sentence(cli, fresh_dsn, tmp_path):
    with psycopg.connect(fresh_dsn) as conn:  # the sample book links objects to this sample relic
        conn.execute(
            "INSERT INTO sites (id, name_vi, rank) VALUES ('di-tich-mau-01', 'Di tích mẫu (thử)', 'provincial')"
        )
    book = write_sample_csv(tmp_path / "so.csv", rows=3, museum="bao-tang-con-dao")
    result = cli("import", "artefacts", book.path, "--museum", "no-such-museum")
    assert result.exit_code == 1
    sentence = _one_sentence(result.output)
    assert "unknown museum 'no-such-museum'" in sentence and "nothing imported" in sentence
    assert "inserted 0" not in sentence  # no per-row summary of a file no row is to blame for


def test_sites_with_a_missing_column_keep_the_header_row(cli, tmp_path):
    # A required column missing from the header is a problem of row 1 (the header) and its column.
    path = tmp_path / "s.csv"
    path.write_text("ten,hang\nA,national\n", encoding="utf-8")
    result = cli("import", "sites", path)
    assert result.exit_code == 1 and "required column is missing" in result.output
    assert "row 0" not in result.output
