"""SAMPLE museum inventory books (sổ đăng ký hiện vật) for tests: invented objects, not real records.

Every book says so in its title row. The layout is the one museums print: a merged title, a merged
subtitle, a blank row, the header (row 4), data rows with a blank row in the middle and one repeated
header row, as XLSX or as CSV in Windows-1258 (the way Vietnamese Excel saves "CSV").

A row listed in `bad_rows` (0-based index of the data record) gets two bad values: quantity "0" (must be
at least 1) and acquisition date "31/02/2020" (no such day).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tests.encodings import encode_like_excel

TITLE = "SỔ ĐĂNG KÝ HIỆN VẬT – BẢO TÀNG TỈNH BÀ RỊA–VŨNG TÀU – MẪU THỬ – không phải dữ liệu thật"
HEADER = [
    "STT",
    "Số ĐKHV",
    "Tên hiện vật",
    "Tên tiếng Anh",
    "Loại hình",
    "Chất liệu",
    "Kỹ thuật",
    "Niên đại",
    "Kích thước",
    "Trọng lượng",
    "Số lượng",
    "Hình thức sưu tầm",
    "Ngày nhập",
    "Người hiến tặng",
    "Nơi bảo quản",
    "Tình trạng",
    "Bảo vật quốc gia",
    "Quyết định BVQG",
    "Di tích liên quan",
    "Ghi chú",
    "Quyền",
    "Người nhập liệu",  # not a field: listed as ignored
]
HEADER_ROW = 4

# (name, English name, type, material, technique, dating, dimensions, weight): invented test objects.
OBJECTS = [
    ("Bình gốm men lam (mẫu)", "Blue-glazed jar (sample)", "Đồ gia dụng", "Gốm men lam", "Vẽ lam dưới men",
     "thời Nguyễn, thế kỷ XIX", "Cao 32cm, ĐK miệng 18cm", "2,5 kg"),
    ("Lư hương đồng (mẫu)", "Bronze incense burner (sample)", "Đồ thờ", "Đồng", "Đúc",
     "thời Nguyễn", "D: 45 cm; R: 30 cm; C: 12 cm", "3,2 kg"),
    ("Chum sành (mẫu)", "Stoneware jar (sample)", "Đồ gia dụng", "Sành", "Bàn xoay",
     "đầu thế kỷ XX", "Cao 1,2m", "45 kg"),
    ("Bát men trắng (mẫu)", "White-glazed bowl (sample)", "Đồ gia dụng", "Gốm men trắng", "Bàn xoay, tráng men",
     "thời Lê", "Cao 7cm, ĐK miệng 15cm, ĐK đáy 6cm", "350g"),
    ("Tiền đồng Minh Mạng (mẫu)", "Minh Mang copper coin (sample)", "Tiền cổ", "Đồng", "Đúc",
     "Minh Mạng (1820-1841)", "ĐK 2,4 cm", "4g"),
    ("Ảnh tư liệu bến cảng (mẫu)", "Harbour photograph (sample)", "Tài liệu", "Giấy ảnh", "In ảnh",
     "1945-1954", "18 x 24 cm", ""),
    ("Rìu đá mài (mẫu)", "Polished stone axe (sample)", "Công cụ lao động", "Đá", "Ghè, mài",
     "thế kỷ II TCN", "Dài 12 cm, rộng 5 cm, dày 2 cm", "0,3 kg"),
    ("Mỏ neo gỗ (mẫu)", "Wooden anchor (sample)", "Phương tiện", "Gỗ", "Đẽo",
     "khoảng năm 1880", "Dài 150 cm", "12 kg"),
    ("Bình vôi (mẫu)", "Lime pot (sample)", "Đồ gia dụng", "Gốm men nâu", "Nặn tay",
     "TK 18", "Cao 14cm", "600 g"),
    ("Tượng gỗ (mẫu)", "Wooden statue (sample)", "Đồ thờ", "Gỗ sơn son", "Chạm khắc",
     "cuối thế kỷ XIX - đầu thế kỷ XX", "Cao 45 cm, rộng 20 cm", "4,5kg"),
]  # fmt: skip
METHODS = ["Hiến tặng", "Mua", "Khai quật", "Sưu tầm", "Điều chuyển", "Ký gửi dài hạn"]
METHOD_CODES = ["donation", "purchase", "excavation", "collection", "transfer", "other"]
CONDITIONS = ["Tốt", "Khá", "Trung bình", "Kém, nứt chân đế", "Hư hỏng"]
CONDITION_CODES = ["good", "fair", "average", "poor", "damaged"]
LOCATIONS = ["Kho 1", "Kho 2", "Phòng trưng bày số 1"]


@dataclass
class SampleBook:
    path: Path
    header_row: int
    data_rows: list[int]  # the spreadsheet row number of each data record, in order
    records: list[dict[str, object]] = field(default_factory=list)  # header -> value written
    blank_row: int = 0
    repeated_header_row: int = 0


def _date_cell(i: int, for_csv: bool) -> object:
    dates = ["12/05/2015", "2016", "2018-09-01", None, "05/2020"]
    written = dates[i % len(dates)]
    if written is None:
        return "04/03/2019" if for_csv else datetime(2019, 3, 4)
    return written


def sample_records(rows: int = 20, bad_rows=()) -> list[dict[str, object]]:
    """The data records of a sample book as {header: value} (datetime for one date format)."""
    records = []
    for i in range(rows):
        name, name_en, kind, material, technique, dating, dims, weight = OBJECTS[i % len(OBJECTS)]
        method = METHODS[i % len(METHODS)]
        record = dict.fromkeys(HEADER, "")
        record |= {
            "STT": i + 1,
            "Số ĐKHV": f"MT-{i + 1:04d}",
            "Tên hiện vật": name,
            "Tên tiếng Anh": name_en,
            "Loại hình": kind,
            "Chất liệu": material,
            "Kỹ thuật": technique,
            "Niên đại": dating,
            "Kích thước": dims,
            "Trọng lượng": weight,
            "Số lượng": "02 chiếc" if i % 7 == 3 else 1,
            "Hình thức sưu tầm": method,
            "Ngày nhập": _date_cell(i, for_csv=False),
            "Người hiến tặng": "Ông Nguyễn Văn Mẫu (giả định)" if method == "Hiến tặng" else "",
            "Nơi bảo quản": LOCATIONS[i % len(LOCATIONS)],
            "Tình trạng": CONDITIONS[i % len(CONDITIONS)],
            "Bảo vật quốc gia": "x" if i == 2 else "",
            "Quyết định BVQG": "QĐ số 000/QĐ-TTg (mẫu)" if i == 2 else "",
            "Di tích liên quan": "di-tich-mau-01" if i % 4 == 0 else "",
            "Ghi chú": "Dữ liệu mẫu, không có thật",
            "Quyền": "Bảo tàng (mẫu)",
            "Người nhập liệu": "Kiểm thử",
        }
        if i in bad_rows:
            record |= {"Số lượng": "0", "Ngày nhập": "31/02/2020"}
        records.append(record)
    return records


def _layout(rows: int, museum: str, bad_rows, for_csv: bool) -> tuple[list[list[object]], SampleBook]:
    records = sample_records(rows, bad_rows)
    grid: list[list[object]] = [
        [TITLE] + [""] * (len(HEADER) - 1),
        [f"Đơn vị: {museum} – sổ sinh tự động cho kiểm thử"] + [""] * (len(HEADER) - 1),
        [],
        list(HEADER),
    ]
    book = SampleBook(Path(), HEADER_ROW, [], records)
    blank_after, repeat_after = rows // 2, (2 * rows) // 3
    for i, record in enumerate(records):
        if i == blank_after:
            grid.append([])
            book.blank_row = len(grid)
        if i == repeat_after:
            grid.append(list(HEADER))
            book.repeated_header_row = len(grid)
        values = dict(record)
        if for_csv and not isinstance(values["Ngày nhập"], str):
            values["Ngày nhập"] = _date_cell(i, for_csv=True)
        grid.append([values[h] for h in HEADER])
        book.data_rows.append(len(grid))
    return grid, book


def write_sample_book(path: Path, *, rows: int = 20, museum: str = "bao-tang-brvt", bad_rows=()) -> SampleBook:
    """An XLSX sample book with merged title and subtitle rows (see the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    grid, book = _layout(rows, museum, bad_rows, for_csv=False)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sổ ĐKHV (mẫu)"
    for cells in grid:
        sheet.append([None if c == "" else c for c in cells])
    last = get_column_letter(len(HEADER))
    sheet.merge_cells(f"A1:{last}1")
    sheet.merge_cells(f"A2:{last}2")
    sheet["A1"].font = Font(bold=True, size=14)
    for row in (HEADER_ROW, book.repeated_header_row):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    workbook.save(path)
    book.path = Path(path)
    return book


def write_sample_csv(
    path: Path, *, rows: int = 20, museum: str = "bao-tang-brvt", bad_rows=(), encoding: str = "cp1258"
) -> SampleBook:
    """The same book saved as CSV, by default in Windows-1258 with decomposed tones as Excel writes it."""
    grid, book = _layout(rows, museum, bad_rows, for_csv=True)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["" if c is None else str(c) for c in r] for r in grid])
    Path(path).write_bytes(encode_like_excel(buffer.getvalue(), encoding))
    book.path = Path(path)
    return book
