"""`heritage import artefacts` on a real PostGIS with generated sample books (labelled as samples):
drafts by default, all or nothing with row/column/reason, idempotent by (museum, number)."""

from __future__ import annotations

import psycopg
import pytest
from typer.testing import CliRunner

from mapserver.artefacts.importer import import_artefacts
from mapserver.importer.values import ImportRejected
from tests.inventory_samples import write_sample_book, write_sample_csv


@pytest.fixture
def fresh_dsn(fresh_dsn):
    """The sample books link some objects to the sample relic 'di-tich-mau-01': add it (a test relic)."""
    with psycopg.connect(fresh_dsn) as conn:
        conn.execute(
            "INSERT INTO sites (id, name_vi, rank) VALUES ('di-tich-mau-01', 'Di tích mẫu (thử)', 'provincial')"
        )
    return fresh_dsn


def count(conn, where: str = "TRUE") -> int:
    return conn.execute(f"SELECT count(*) FROM artefacts WHERE {where}").fetchone()[0]


def test_book_is_imported_as_drafts_then_unchanged(fresh_dsn, tmp_path):
    book = write_sample_book(tmp_path / "so-dang-ky.xlsx", rows=20)
    with psycopg.connect(fresh_dsn) as conn:
        first = import_artefacts(conn, book.path, museum="bao-tang-brvt", actor="test")
        assert (first.inserted, first.updated, first.unchanged) == (20, 0, 0)
        assert count(conn, "publication_status = 'draft'") == 20 and count(conn, "museum_id = 'bao-tang-brvt'") == 20
        assert conn.execute("SELECT count(*) FROM public_artefacts").fetchone()[0] == 0
        versions = conn.execute("SELECT count(*) FROM record_versions WHERE kind = 'artefact'").fetchone()[0]
        assert versions == 20
        again = import_artefacts(conn, book.path, museum="bao-tang-brvt", actor="test")
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 20)
        dims = conn.execute("SELECT dimensions FROM artefacts WHERE dimensions <> '{}'::jsonb LIMIT 1").fetchone()
        assert dims is not None and all(isinstance(v, (int, float)) for v in dims[0].values())


def test_unknown_relic_is_a_row_error(fresh_dsn, tmp_path):
    book = write_sample_book(tmp_path / "relic.xlsx", rows=6)
    with psycopg.connect(fresh_dsn) as conn:
        conn.execute("DELETE FROM sites WHERE id = 'di-tich-mau-01'")
        with pytest.raises(ImportRejected) as info:
            import_artefacts(conn, book.path, museum="bao-tang-brvt", actor="test")
        assert {e.column for e in info.value.errors} == {"site_id"} and count(conn) == 0


def test_bad_row_rejects_the_file_and_changes_nothing(fresh_dsn, tmp_path):
    book = write_sample_book(tmp_path / "bad.xlsx", rows=10, bad_rows=(4,))
    with psycopg.connect(fresh_dsn) as conn:
        with pytest.raises(ImportRejected) as info:
            import_artefacts(conn, book.path, museum="bao-tang-brvt", actor="test")
        rows = {e.row for e in info.value.errors}
        assert book.data_rows[4] in rows  # the spreadsheet's own row number
        assert all(e.column and e.reason for e in info.value.errors)
        assert count(conn) == 0
        with pytest.raises(ImportRejected):
            import_artefacts(conn, book.path, museum="no-such-museum", actor="test")


def test_cli_import_from_windows_1258_csv_with_publish(fresh_dsn, tmp_path, monkeypatch):
    from mapserver.cli import app as cli_app

    book = write_sample_csv(tmp_path / "so.csv", rows=5, museum="bao-tang-con-dao")
    monkeypatch.setenv("HERITAGE_DATABASE_URL", fresh_dsn)
    result = CliRunner().invoke(
        cli_app, ["import", "artefacts", str(book.path), "--museum", "bao-tang-con-dao", "--publish"]
    )
    assert result.exit_code == 0, result.output
    assert "inserted 5" in result.output
    with psycopg.connect(fresh_dsn) as conn:
        assert (
            conn.execute("SELECT count(*) FROM public_artefacts WHERE museum_id = 'bao-tang-con-dao'").fetchone()[0]
            == 5
        )
