"""Artefact inventory books without a database: finding the header under merged titles, spreadsheet
row numbers in errors, header aliases, encodings, and the dimension / weight / dating / code parsers."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from mapserver.importer import artefact_values as av
from mapserver.importer.inventory import FIELDS, header_field, read_inventory
from mapserver.importer.readers import ReadError
from mapserver.importer.sites import SITE_ID
from mapserver.text import fold
from tests.encodings import encode_like_excel
from tests.inventory_samples import (
    CONDITION_CODES,
    HEADER,
    METHOD_CODES,
    TITLE,
    write_sample_book,
    write_sample_csv,
)


def _xlsx(path: Path, rows: list[list], merges: tuple[str, ...] = (), sheets: dict[str, list[list]] | None = None):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, cells in {**(sheets or {}), "Sổ": rows}.items():
        sheet = workbook.create_sheet(title)
        for row in cells:
            sheet.append(row)
        if title == "Sổ":
            for ref in merges:
                sheet.merge_cells(ref)
    workbook.save(path)
    return path


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(encode_like_excel(text, encoding))
    return path


def _errors(result) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


# -- the sample book ---------------------------------------------------------------------------------


def test_header_is_found_below_the_merged_title_block(tmp_path):
    book = write_sample_book(tmp_path / "so.xlsx")
    sheet = load_workbook(book.path).worksheets[0]
    assert {str(r) for r in sheet.merged_cells.ranges} >= {"A1:V1", "A2:V2"}
    assert "MẪU THỬ" in sheet["A1"].value and sheet["A1"].value == TITLE

    result = read_inventory(book.path)

    assert result.errors == []
    assert result.header_row == book.header_row == 4
    assert result.sheet == "Sổ ĐKHV (mẫu)"
    assert [r.row for r in result.rows] == book.data_rows
    assert [r.number for r in result.rows] == [f"MT-{i:04d}" for i in range(1, 21)]


def test_blank_rows_and_the_repeated_header_are_skipped(tmp_path):
    book = write_sample_book(tmp_path / "so.xlsx", rows=30)
    result = read_inventory(book.path)
    read = {r.row for r in result.rows}
    assert len(result.rows) == 30 and result.errors == []
    assert book.blank_row not in read and book.repeated_header_row not in read
    assert book.data_rows[-1] == 4 + 30 + 2  # two rows in the middle are not data


def test_sample_values_are_parsed(tmp_path):
    result = read_inventory(write_sample_book(tmp_path / "so.xlsx").path)
    first, chum, treasure = result.rows[0], result.rows[2], result.rows[2]
    assert first.name_vi == "Bình gốm men lam (mẫu)" and first.material == "Gốm men lam"
    assert (first.year_from, first.year_to) == (1802, 1900)
    assert first.dimensions == {"height_cm": 32, "mouth_diameter_cm": 18} and first.weight_kg == 2.5
    assert chum.dimensions == {"height_cm": 120} and chum.weight_kg == 45
    assert treasure.national_treasure and treasure.treasure_decision == "QĐ số 000/QĐ-TTg (mẫu)"
    assert [r.acquisition_method for r in result.rows[:6]] == METHOD_CODES
    assert result.rows[5].acquisition_text == "Ký gửi dài hạn"
    assert [r.condition for r in result.rows[:5]] == CONDITION_CODES
    assert result.rows[3].quantity == 2 and result.rows[3].acquisition_date == date(2019, 3, 4)
    assert (result.rows[1].acquisition_date, result.rows[1].acquisition_date_precision) == (date(2016, 1, 1), "year")
    assert result.rows[0].site_id == "di-tich-mau-01" and result.rows[1].site_id is None


def test_bad_rows_name_the_spreadsheet_row_and_the_header_as_written(tmp_path):
    book = write_sample_book(tmp_path / "so.xlsx", bad_rows=(3, 12))
    result = read_inventory(book.path)

    bad = [book.data_rows[3], book.data_rows[12]]
    assert _errors(result) == {(n, column) for n in bad for column in ("Số lượng", "Ngày nhập")}
    assert len(result.rows) == 18 and not {r.row for r in result.rows} & set(bad)
    reasons = {(e.row, e.column): e.reason for e in result.errors}
    assert "at least 1" in reasons[(bad[0], "Số lượng")] and "not a date" in reasons[(bad[0], "Ngày nhập")]
    sheet = load_workbook(book.path).worksheets[0]  # the numbers are the sheet's own
    column = HEADER.index("Số lượng") + 1
    assert [sheet.cell(n, column).value for n in bad] == ["0", "0"]
    assert str(result.errors[0]).startswith(f"row {bad[0]}, column ")


def test_unknown_columns_are_listed(tmp_path):
    result = read_inventory(write_sample_book(tmp_path / "so.xlsx").path)
    assert result.ignored_columns == ["STT", "Người nhập liệu"]


def test_windows_1258_csv_reads_like_the_xlsx(tmp_path):
    book = write_sample_csv(tmp_path / "so.csv", bad_rows=(4,))
    data = book.path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "e\u0301".encode("cp1258") in data or b"\xec" in data  # tones written as combining marks
    from_csv = read_inventory(book.path)
    from_xlsx = read_inventory(write_sample_book(tmp_path / "so.xlsx", bad_rows=(4,)).path)
    assert from_csv.header_row == 4 and from_csv.sheet is None
    assert from_csv.rows == from_xlsx.rows
    assert from_csv.errors == from_xlsx.errors and from_csv.errors[0].row == book.data_rows[4]
    assert from_csv.rows[0].name_vi == "Bình gốm men lam (mẫu)"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_encodings_and_separators(tmp_path, encoding, sep):
    text = f"Sổ mẫu thử\n\nSố ĐKHV{sep}Tên hiện vật{sep}Chất liệu{sep}Niên đại\nA-1{sep}Đĩa sứ (mẫu){sep}Sứ{sep}thế kỷ XIX\n"
    result = read_inventory(_csv(tmp_path / "a.csv", text, encoding))
    assert result.header_row == 3 and result.errors == []
    [row] = result.rows
    assert (row.row, row.name_vi, row.material, row.year_from) == (4, "Đĩa sứ (mẫu)", "Sứ", 1801)


def test_duplicate_numbers_are_errors_on_the_later_row(tmp_path):
    text = "Số ĐKHV,Tên hiện vật,Chất liệu\nBT-1,Bát (mẫu),Gốm\nBT-2,Đĩa (mẫu),Gốm\n bt-1 ,Chén (mẫu),Gốm\n"
    result = read_inventory(_csv(tmp_path / "d.csv", text))
    [error] = result.errors
    assert (error.row, error.column) == (4, "Số ĐKHV")
    assert error.reason == "duplicate number 'bt-1' (first on row 2)"
    assert [r.number for r in result.rows] == ["BT-1", "BT-2"]


# -- headers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,alias", [(name, alias) for name, aliases in FIELDS.items() for alias in aliases])
def test_every_header_alias(name, alias):
    assert header_field(alias) == name
    assert header_field(alias.upper()) == name
    assert header_field(fold(alias)) == name  # typed without diacritics
    assert header_field(f" {alias}\n(ghi rõ) ") == name  # a note in parentheses, a line break


def test_alias_families_end_to_end(tmp_path):
    header = [
        "SỐ KIỂM KÊ", "Tên", "English name", "Loại", "Chất liệu", "Kỹ thuật chế tác", "Thời kỳ", "KT (mm)",
        "Khối lượng (g)", "SL", "Nguồn gốc", "Ngày nhập kho", "Nơi sưu tầm", "Vị trí", "Hiện trạng", "BVQG",
        "QĐ BVQG", "Mã di tích", "Ghi chú", "Bản quyền",
    ]  # fmt: skip
    row = [
        "KK.07", "Bình (mẫu)", "Jar (sample)", "Đồ gia dụng", "Gốm", "Bàn xoay", "TK 18", "Cao 320", "850", "3",
        "Mua của tư nhân", "1998", "Chợ Bà Rịa", "Phòng trưng bày", "tot", "không", "", "", "dòng 1\ndòng 2", "BT",
    ]  # fmt: skip
    result = read_inventory(_xlsx(tmp_path / "a.xlsx", [header, row]))
    assert result.errors == [] and result.ignored_columns == []
    [r] = result.rows
    assert (r.number, r.name_vi, r.name_en, r.object_type, r.material) == (
        "KK.07", "Bình (mẫu)", "Jar (sample)", "Đồ gia dụng", "Gốm",
    )  # fmt: skip
    assert (r.technique, r.dating_text, r.year_from, r.year_to) == ("Bàn xoay", "TK 18", 1701, 1800)
    assert r.dimensions == {"height_cm": 32} and r.weight_kg == 0.85 and r.quantity == 3
    assert (r.acquisition_method, r.acquisition_text) == ("purchase", "Mua của tư nhân")
    assert (r.acquisition_date, r.acquired_from, r.current_location) == (
        date(1998, 1, 1),
        "Chợ Bà Rịa",
        "Phòng trưng bày",
    )
    assert (r.condition, r.national_treasure, r.site_id, r.notes, r.rights) == (
        "good",
        False,
        None,
        "dòng 1\ndòng 2",
        "BT",
    )


def test_of_two_number_columns_the_registration_number_is_read(tmp_path):
    text = "Số kiểm kê,Số ĐKHV,Tên hiện vật,Chất liệu,Mô tả\nKK-9,ĐK-1,Bát (mẫu),Gốm,men rạn\n"
    result = read_inventory(_csv(tmp_path / "n.csv", text))
    assert result.rows[0].number == "ĐK-1"
    assert result.ignored_columns == ["Số kiểm kê", "Mô tả"]


def test_missing_required_column_and_no_header(tmp_path):
    result = read_inventory(_csv(tmp_path / "m.csv", "Tiêu đề\nSố ĐKHV,Chất liệu,Niên đại\nA,Gốm,1930\n"))
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "Tên hiện vật", "required column is missing from the header")
    ]
    with pytest.raises(ReadError, match="known columns"):
        read_inventory(_csv(tmp_path / "x.csv", "a,b,c\n1,2,3\n"))
    with pytest.raises(ReadError, match=".xlsx"):
        read_inventory(tmp_path / "old.xls", b"\xd0\xcf\x11\xe0")


def test_merged_cells_two_level_header_column_numbers_and_footer(tmp_path):
    rows = [
        ["SỔ ĐĂNG KÝ HIỆN VẬT – MẪU THỬ – không phải dữ liệu thật"],
        [],
        ["Số ĐKHV", "Tên hiện vật", "Kích thước (cm)", None, None, "Nơi bảo quản", "Trọng lượng (kg)"],
        [None, None, "Cao", "Dài", "ĐK miệng", None, None],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
        ["M-1", "Chum (mẫu)", 60, 40, 35.5, "Kho 3", 12.5],
        ["M-2", "Hũ (mẫu)", 20, None, "1,2 dm", None, 2],
        ["M-3", "Nồi (mẫu)", "không đo", None, None, None, None],
        [None, None, None, None, None, None, None],
        ["Người lập sổ", None, None, "Giám đốc", None, None, None],
        ["Ngày 12 tháng 5 năm 2024"],
    ]
    merges = ("A1:G1", "C3:E3", "A3:A4", "B3:B4", "F3:F4", "G3:G4", "F6:F8")
    result = read_inventory(_xlsx(tmp_path / "m.xlsx", rows, merges))
    assert result.errors == [] and result.header_row == 3
    assert [r.row for r in result.rows] == [6, 7, 8]
    chum, hu, noi = result.rows
    assert chum.dimensions == {"height_cm": 60, "length_cm": 40, "mouth_diameter_cm": 35.5}
    assert chum.dimensions_text == "Cao 60; Dài 40; ĐK miệng 35,5" and chum.weight_kg == 12.5
    assert hu.dimensions == {"height_cm": 20, "mouth_diameter_cm": 12} and hu.weight_kg == 2
    assert noi.dimensions == {} and noi.dimensions_text == "Cao không đo"
    assert [r.current_location for r in result.rows] == ["Kho 3"] * 3  # merged down over three rows


def test_rows_with_only_a_preprinted_stt_are_blank(tmp_path):
    text = "STT,Số ĐKHV,Tên hiện vật,Chất liệu\n1,A-1,Bát (mẫu),Gốm\n2,,,\n3,,,\nTổng cộng: 1 hiện vật,,,\n"
    result = read_inventory(_csv(tmp_path / "s.csv", text))
    assert len(result.rows) == 1 and result.errors == []


def test_a_later_sheet_is_read_when_the_first_has_no_header(tmp_path):
    guide = [["Hướng dẫn nhập liệu (mẫu)"], ["Ghi số ĐKHV ở cột B"]]
    path = _xlsx(
        tmp_path / "g.xlsx", [["Số ĐKHV", "Tên hiện vật", "Chất liệu"], ["A", "Bát (mẫu)", "Gốm"]], sheets={"HD": guide}
    )
    result = read_inventory(path)
    assert result.sheet == "Sổ" and result.rows[0].row == 2


def test_typed_excel_cells(tmp_path):
    rows = [
        ["Số ĐKHV", "Tên hiện vật", "Số lượng", "Ngày nhập", "Trọng lượng (kg)", "Bảo vật quốc gia"],
        [1234, "Bát (mẫu)", 2.0, datetime(2020, 1, 2), 1.125, True],
    ]
    [r] = read_inventory(_xlsx(tmp_path / "t.xlsx", rows)).rows
    assert (r.number, r.quantity, r.acquisition_date, r.weight_kg, r.national_treasure) == (
        "1234", 2, date(2020, 1, 2), 1.125, True,
    )  # fmt: skip


def test_row_level_checks(tmp_path):
    text = (
        "Số ĐKHV,Tên hiện vật,Niên đại,Tình trạng,Bảo vật quốc gia,Quyết định BVQG,Di tích liên quan\n"
        'A-1,Bát (mẫu),"thời Lý, thế kỷ XIX",Tốt,,,\n'
        "A-2,,1930,rất đẹp,có,,Di Tich 1\n"
        "A-3,Tượng (mẫu),,,không,QĐ 1 (mẫu),\n"
        "A-4,Trống (mẫu),,,,QĐ 2 (mẫu),di-tich-1\n"
    )
    result = read_inventory(_csv(tmp_path / "r.csv", text))
    reasons = {(e.row, e.column): e.reason for e in result.errors}
    assert set(reasons) == {
        (2, "Niên đại"),
        (3, "Tên hiện vật"),
        (3, "Tình trạng"),
        (3, "Di tích liên quan"),
        (4, "Bảo vật quốc gia"),
    }
    assert "do not overlap" in reasons[(2, "Niên đại")] and "1009–1225" in reasons[(2, "Niên đại")]
    [r] = result.rows
    assert r.number == "A-4" and r.national_treasure and r.site_id == "di-tich-1"
    assert SITE_ID.match("di-tich-1")


# -- value parsers -----------------------------------------------------------------------------------

DIMENSIONS = [
    ("Cao 32cm, ĐK miệng 18cm", None, {"height_cm": 32, "mouth_diameter_cm": 18}),
    ("D: 45 cm; R: 30 cm; C: 12 cm", None, {"length_cm": 45, "width_cm": 30, "height_cm": 12}),
    ("32 x 18 x 5 cm", None, {"length_cm": 32, "width_cm": 18, "height_cm": 5}),
    ("Cao 1,2m", None, {"height_cm": 120}),
    ("Cao 320 mm", None, {"height_cm": 32}),
    ("DxRxC: 45x30x12 cm", None, {"length_cm": 45, "width_cm": 30, "height_cm": 12}),
    ("Cao 32, ĐK 18 (cm)", None, {"height_cm": 32, "diameter_cm": 18}),
    ("chiều cao toàn bộ 45 cm, đường kính đáy 20 cm", None, {"height_cm": 45, "base_diameter_cm": 20}),
    ("Cao 7cm, ĐK miệng 15cm, ĐK đáy 6cm", None, {"height_cm": 7, "mouth_diameter_cm": 15, "base_diameter_cm": 6}),
    ("dai 1.200 mm, rong 0,5 m", None, {"length_cm": 120, "width_cm": 50}),
    ("Dày 2cm", None, {"thickness_cm": 2}),
    ("18 × 24", None, {"length_cm": 18, "width_cm": 24}),
    ("Cao 12", "mm", {"height_cm": 1.2}),
    ("méo miệng, không đo được", None, {}),
    ("", None, {}),
]


@pytest.mark.parametrize("text,unit,expected", DIMENSIONS)
def test_dimensions(text, unit, expected):
    assert av.parse_dimensions(text, unit) == expected


WEIGHTS = [
    ("2,5 kg", None, 2.5),
    ("350g", None, 0.35),
    ("1.200 g", None, 1.2),
    ("khoảng 3 lạng", None, 0.3),
    ("0,5 tấn", None, 500),
    ("2.5kg (cả đế)", None, 2.5),
    ("850", "g", 0.85),
    ("850", None, None),
    ("nặng", None, None),
]


@pytest.mark.parametrize("text,unit,expected", WEIGHTS)
def test_weight(text, unit, expected):
    assert av.parse_weight(text, unit) == expected


DATINGS = [
    ("thế kỷ XIX", 1801, 1900, False),
    ("TK 18", 1701, 1800, False),
    ("TK.19", 1801, 1900, False),
    ("thế kỷ thứ 19", 1801, 1900, False),
    ("thời Nguyễn", 1802, 1945, False),
    ("thời Lê", 1428, 1789, False),
    ("Nhà Lê sơ", 1428, 1527, False),
    ("thời Nguyễn, thế kỷ XIX", 1802, 1900, False),
    ("1930", 1930, 1930, False),
    ("1945-1954", 1945, 1954, False),
    ("1945–54", 1945, 1954, False),
    ("đầu thế kỷ XX", 1901, 1933, False),
    ("giữa thế kỷ XIX", 1834, 1866, False),
    ("cuối thế kỷ XIX", 1867, 1900, False),
    ("nửa sau thế kỷ XVIII", 1751, 1800, False),
    ("cuối thế kỷ XIX - đầu thế kỷ XX", 1867, 1933, False),
    ("thế kỷ XVIII-XIX", 1701, 1900, False),
    ("khoảng năm 1880", 1880, 1880, True),
    ("c. 1900", 1900, 1900, True),
    ("Thế kỷ XIX?", 1801, 1900, True),
    ("thế kỷ II TCN", -200, -101, False),
    ("thế kỷ III - I TCN", -300, -1, False),
    ("năm 179 TCN", -179, -179, False),
    ("thiên niên kỷ I TCN", -1000, -1, False),
    ("Minh Mạng (1820-1841)", 1820, 1841, False),
    ("thời Tây Sơn", 1778, 1802, False),
    ("thời Pháp thuộc", 1858, 1945, False),
    ("văn hóa Óc Eo", 1, 630, False),
    ("thời Lê - Nguyễn", 1428, 1945, False),
    ("thập niên 1930", 1930, 1939, False),
    ("những năm 30 của thế kỷ XX", 1930, 1939, False),
    ("trước năm 1945", None, 1944, False),
    ("không rõ niên đại", None, None, False),
    ("đồ thờ lễ", None, None, False),  # "lễ" folds to "le" but is not the Lê dynasty
    ("Nguyễn Văn A hiến tặng", None, None, False),
]


@pytest.mark.parametrize("text,year_from,year_to,approximate", DATINGS)
def test_dating(text, year_from, year_to, approximate):
    dating = av.parse_dating(text)
    assert (dating.year_from, dating.year_to, dating.approximate, dating.conflict) == (
        year_from, year_to, approximate, None,
    )  # fmt: skip


def test_dating_parts_that_contradict_each_other():
    dating = av.parse_dating("thời Lý, thế kỷ XIX")
    assert (dating.year_from, dating.year_to) == (None, None)
    assert "1009–1225" in dating.conflict and "1801–1900" in dating.conflict


def test_period_table_is_well_formed():
    assert all(lo < hi for lo, hi in av.PERIODS.values())
    assert av.PERIODS["le"] == (1428, 1789) and av.PERIODS["nguyen"] == (1802, 1945)
    assert {"le", "ly", "tran", "nguyen", "ngo", "dinh", "ho", "mac"} <= av._NEEDS_PREFIX


@pytest.mark.parametrize(
    "text,code",
    [
        ("Hiến tặng", "donation"),
        ("Do ông X hiến tặng (mẫu)", "donation"),
        ("hien tang", "donation"),
        ("Mua", "purchase"),
        ("Mua lại của tư nhân", "purchase"),
        ("Khai quật", "excavation"),
        ("Hiện vật sưu tầm", "collection"),  # "hiện" is not "hiến"
        ("Điều chuyển từ bảo tàng khác", "transfer"),
        ("Ký gửi", "other"),
    ],
)
def test_acquisition_methods(text, code):
    assert av.acquisition_method(text) == code


@pytest.mark.parametrize(
    "text,code",
    [("Tốt", "good"), ("tot, sứt nhẹ", "good"), ("Khá", "fair"), ("Trung bình", "average"), ("KÉM", "poor")]
    + [("Hư hỏng", "damaged"), ("vỡ, đã gắn lại", "damaged")],
)
def test_conditions(text, code):
    assert av.condition(text) == code


def test_coded_values_refuse_what_they_cannot_read():
    with pytest.raises(ValueError, match="tốt, khá"):
        av.condition("đẹp")
    assert av.yes_no("Có") and av.yes_no("x") and not av.yes_no("Không")
    with pytest.raises(ValueError):
        av.yes_no("có lẽ")
    assert av.quantity("") == 1 and av.quantity("02 chiếc") == 2 and av.quantity("1 bộ (3 chiếc)") == 1
    for bad in ("0", "hai", "1,5", "-2"):
        with pytest.raises(ValueError, match="whole number"):
            av.quantity(bad)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("12/05/2015", (date(2015, 5, 12), "day")),
        ("12-5-2015", (date(2015, 5, 12), "day")),
        ("ngày 12 tháng 5 năm 2015", (date(2015, 5, 12), "day")),
        ("2018-09-01", (date(2018, 9, 1), "day")),
        ("05/2019", (date(2019, 5, 1), "month")),
        ("Năm 2001", (date(2001, 1, 1), "year")),
        ("1998", (date(1998, 1, 1), "year")),
        ("35000", (date(1995, 10, 28), "day")),  # an Excel day number
        ("", None),
    ],
)
def test_acquisition_dates(text, expected):
    assert av.acquisition_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2020", "2020-13-01", "hôm qua", "12/05/15"])
def test_bad_acquisition_dates(text):
    with pytest.raises(ValueError, match="not a date"):
        av.acquisition_date(text)


def test_future_and_too_early_dates():
    with pytest.raises(ValueError, match="future"):
        av.acquisition_date("2031", today=date(2030, 1, 1))
    with pytest.raises(ValueError, match="before 1800"):
        av.acquisition_date("1750")


def test_sample_books_say_they_are_samples(tmp_path):
    assert re.search("MẪU THỬ – không phải dữ liệu thật", TITLE)
    book = write_sample_book(tmp_path / "so.xlsx", rows=12)
    assert all("(mẫu)" in str(record["Tên hiện vật"]) for record in book.records)
