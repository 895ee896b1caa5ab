"""`heritage report annual`: the DOCX, PDF and XLSX open, say the same figures, and those figures
equal counts taken straight from the database (the seeded registry plus records made here)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from docx import Document
from openpyxl import load_workbook

from mapserver.reports.cli import write_annual_report
from mapserver.settings import Settings

DATA = Settings().data_dir


@pytest.fixture(scope="module")
def report(module_dsn, tmp_path_factory) -> tuple[list[Path], str]:
    with psycopg.connect(module_dsn) as conn:
        # one artefact this year, one relic surveyed: the figures must follow the database
        conn.execute(
            "INSERT INTO artefacts (museum_id, number, name_vi, publication_status) "
            "SELECT id, 'BT-1', 'Hiện vật thử', 'published' FROM museums ORDER BY id LIMIT 1"
        )
        conn.execute(
            "UPDATE sites SET location_status = 'surveyed', geom = ST_SetSRID(ST_MakePoint(107.0714, 10.3421), 4326) "
            "WHERE id = 'bach-dinh'"
        )
        paths = write_annual_report(conn, 2026, tmp_path_factory.mktemp("report"), DATA)
    return paths, module_dsn


def _count(dsn: str, statement: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(statement).fetchone()[0]


def _docx_tables(path: Path) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in Document(path).tables]


def test_docx_figures_equal_the_database(report):
    (docx, _, _), dsn = report
    doc = Document(docx)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO" in text and "Kế hoạch số 233/KH-UBND" in text and "năm 2026" in text
    assert "III. KHÓ KHĂN, VƯỚNG MẮC" in text and "Cán bộ phụ trách điền nội dung" in text
    ranks = {row[0]: row for row in _docx_tables(docx)[0][1:]}
    national = ranks["Di tích quốc gia"]
    assert national[1] == "28"
    assert int(national[2]) == _count(dsn, "SELECT count(*) FROM sites WHERE rank = 'national'")
    total = ranks["Tổng số di tích (kiểm kê)"]
    assert total[1] == "219" and int(total[2]) == _count(dsn, "SELECT count(*) FROM sites")
    assert int(total[6]) == _count(dsn, "SELECT count(*) FROM sites WHERE location_status = 'surveyed'") >= 1
    unranked = ranks["Di tích kiểm kê chưa xếp hạng"]
    assert int(unranked[2]) == _count(dsn, "SELECT count(*) FROM sites WHERE rank = 'inventoried'")
    museums = {row[0]: row for row in _docx_tables(docx)[2][1:]}
    assert sum(int(r[1]) for r in museums.values()) == _count(dsn, "SELECT count(*) FROM artefacts") >= 1


def test_xlsx_and_pdf_say_the_same(report, tmp_path):
    (docx, pdf, xlsx), _ = report
    book = load_workbook(xlsx)
    sheet = book.worksheets[0]
    xlsx_rows = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert xlsx_rows == _docx_tables(docx)[0]
    assert len(book.worksheets) == 4
    # The PDF embeds its fonts and prints Vietnamese text as it is (pdftotext reads it back).
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts and " yes " in fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Di tích quốc gia đặc biệt" in text and "KHÓ KHĂN, VƯỚNG MẮC" in text and "Bảo tàng" in text
