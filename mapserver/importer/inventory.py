"""Read and check a museum's artefact inventory (sổ kiểm kê / sổ đăng ký hiện vật), XLSX or CSV; no database.

A book is laid out for people: merged title rows, blank rows, the header (the first row naming 3 known
columns), maybe column numbers "(1) (2) …" or a second header row under a merged "Kích thước", then data
with blank rows, repeated headers and a signed footer. Errors name the spreadsheet row and the header as written.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import accumulate, islice
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import range_boundaries
from openpyxl.xml.functions import iterparse

from ..text import fold
from . import artefact_values as av
from .readers import ReadError, decode_text, nfc
from .sites import SITE_ID
from .values import RowError

# Column names as museums write them; matched without case, diacritics, punctuation or a unit in
# parentheses. When two columns name one field, the one whose name comes first here is read.
FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("Số ĐKHV", "Số ĐK HV", "Số đăng ký", "Số đăng ký hiện vật", "Số ĐK", "Số kiểm kê", "Số KK", "Ký hiệu",
               "Ký hiệu hiện vật", "Mã hiện vật", "Mã HV", "Mã số", "Số hiệu", "Số hiệu hiện vật", "number",
               "registration number", "inventory number", "accession number", "object number"),
    "name_vi": ("Tên hiện vật", "Tên hiện vật tiếng Việt", "Tên tiếng Việt", "Tên", "Tên gọi", "Tên HV", "name_vi",
                "name", "object name"),
    "name_en": ("Tên tiếng Anh", "Tên hiện vật tiếng Anh", "name_en", "English name"),
    "object_type": ("Loại hình", "Loại hình hiện vật", "Loại", "Loại hiện vật", "Phân loại", "Nhóm", "object_type",
                    "object type", "type"),
    "material": ("Chất liệu", "Chất liệu chính", "material"),
    "technique": ("Kỹ thuật", "Kỹ thuật chế tác", "Kỹ thuật chế tác, trang trí", "Kỹ thuật trang trí", "technique"),
    "dating_text": ("Niên đại", "Thời kỳ", "Niên đại / thời kỳ", "Thời đại", "dating", "period"),
    "dimensions_text": ("Kích thước", "KT", "dimensions"),
    "weight_text": ("Trọng lượng", "Khối lượng", "Cân nặng", "TL", "weight"),
    "quantity": ("Số lượng", "SL", "Số lượng hiện vật", "quantity"),
    "acquisition_method": ("Nguồn gốc", "Hình thức sưu tầm", "Hình thức thu nhận", "Phương thức sưu tầm",
                           "Nguồn gốc hiện vật", "Hình thức", "acquisition method", "acquisition"),
    "acquisition_date": ("Ngày nhập", "Ngày nhập kho", "Ngày sưu tầm", "Ngày thu nhận", "Ngày nhận", "Năm nhập",
                         "Thời gian nhập", "acquisition date", "date acquired"),
    "acquired_from": ("Người hiến tặng", "Nơi sưu tầm", "Người hiến", "Tên người hiến tặng", "Người bán",
                      "Địa điểm sưu tầm", "Nơi phát hiện", "Địa điểm phát hiện", "acquired from", "donor"),
    "current_location": ("Nơi bảo quản", "Vị trí", "Vị trí bảo quản", "Nơi lưu giữ", "Địa điểm bảo quản", "Kho",
                         "location", "storage"),
    "condition": ("Tình trạng", "Tình trạng bảo quản", "Tình trạng hiện vật", "Hiện trạng", "condition"),
    "national_treasure": ("Bảo vật quốc gia", "BVQG", "Là BVQG", "national treasure"),
    "treasure_decision": ("Quyết định BVQG", "QĐ BVQG", "Số quyết định BVQG", "Số QĐ BVQG", "Quyết định công nhận BVQG",
                          "Quyết định bảo vật quốc gia", "treasure decision"),
    "site_id": ("Di tích liên quan", "Mã di tích", "Di tích", "site_id", "site"),
    "notes": ("Ghi chú", "notes", "note"),
    "rights": ("Quyền", "Bản quyền", "Quyền sở hữu", "Quyền sử dụng hình ảnh", "rights"),
}  # fmt: skip
REQUIRED = ("number", "name_vi")
_PLAIN = "name_en object_type material technique dating_text acquired_from current_location rights".split()
HEADER_MIN_MATCHES = 3
HEADER_SCAN_ROWS = 50


def _key(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", fold(re.sub(r"\([^)]*\)", " ", text))))


_ALIASES = {_key(alias): (name, rank) for name, aliases in FIELDS.items() for rank, alias in enumerate(aliases)}
_UNITS = {"cm", "mm", "m", "dm", "kg", "g", "gr", "gam"}
_FOOTER = re.compile(r"(?:tong|nguoi lap|nguoi ghi|thu truong|giam doc|xac nhan|ky ten|ngay \S+ thang)\b")


@dataclass
class ArtefactRow:
    row: int  # the spreadsheet row number
    number: str  # registration number (số ĐKHV), unique within the file
    name_vi: str
    name_en: str | None = None
    object_type: str | None = None
    material: str | None = None
    technique: str | None = None
    dating_text: str | None = None
    year_from: int | None = None  # negative = BC; None = not readable from dating_text
    year_to: int | None = None
    dating_approximate: bool = False
    dimensions_text: str | None = None
    dimensions: dict[str, float] = field(default_factory=dict)  # e.g. {"height_cm": 32.0}
    weight_text: str | None = None
    weight_kg: float | None = None
    quantity: int = 1
    acquisition_method: str | None = None  # purchase, donation, excavation, collection, transfer or other
    acquisition_text: str | None = None  # the acquisition cell as written
    acquisition_date: date | None = None
    acquisition_date_precision: str | None = None  # day, month or year
    acquired_from: str | None = None
    current_location: str | None = None
    condition: str | None = None  # good, fair, average, poor or damaged
    condition_text: str | None = None
    national_treasure: bool = False
    treasure_decision: str | None = None
    site_id: str | None = None  # a relic id; whether it exists is checked against the registry later
    notes: str | None = None
    rights: str | None = None


@dataclass
class InventoryResult:
    rows: list[ArtefactRow]  # the rows without errors
    errors: list[RowError]
    ignored_columns: list[str]  # headers as written that no field reads
    header_row: int
    sheet: str | None = None  # the XLSX sheet read (the first with a header row)


def header_field(text: str) -> str | None:
    """The field a column header names ('SỐ KIỂM KÊ' -> 'number'), or None."""
    found = _ALIASES.get(_key(text))
    return found[0] if found else None


def _text(cell: Any) -> str:
    """A cell as text; numbers with a decimal comma, as the value parsers read Vietnamese numbers."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "có" if cell else "không"
    if isinstance(cell, (date, time)):  # datetime too; a date without a time of day as YYYY-MM-DD
        return str(cell.date() if isinstance(cell, datetime) and cell.time() == time() else cell)
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell).replace(".", ",")
    return nfc(str(cell)).strip()


def _matches(cells: list[str]) -> int:
    return len({f for cell in cells if cell and (f := header_field(cell))})


def _find_header(grid: list[list[str]]) -> int | None:
    return next((i for i, row in enumerate(grid[:HEADER_SCAN_ROWS]) if _matches(row) >= HEADER_MIN_MATCHES), None)


def _is_subheader(header: list[str], below: list[str]) -> bool:
    """A second header row: it names parts ('Cao', 'Dài') under merged cells of the header row."""
    named = False
    for i, text in enumerate(below):
        if not text or (i < len(header) and text == header[i]):  # a cell merged over both rows
            continue
        if header_field(text) is None and av.dimension_key(text, whole=True) is None:
            return False
        named = True
    return named


def _is_column_numbers(cells: list[str]) -> bool:
    """The '(1) (2) (3) …' row official forms print under the header."""
    found = [re.fullmatch(r"\(?(\d{1,2})\)?", c) for c in cells if c]
    values = [int(m[1]) for m in found if m]
    return len(values) >= 3 and len(values) == len(found) and values == list(range(values[0], values[0] + len(values)))


@dataclass
class _Columns:
    fields: dict[str, int] = field(default_factory=dict)  # field -> column index
    names: dict[int, str] = field(default_factory=dict)  # column index -> header as written
    units: dict[int, str] = field(default_factory=dict)
    parts: list[int] = field(default_factory=list)  # columns of one measurement each ('Cao', 'ĐK miệng')
    ignored: list[str] = field(default_factory=list)

    def name(self, field_name: str) -> str:
        index = self.fields.get(field_name)
        return self.names[index] if index is not None else FIELDS[field_name][0]


def _columns(header: list[str], parents: list[str]) -> _Columns:
    cols, ranks = _Columns(), {}
    for i, text in enumerate(header):
        if not text:
            continue
        cols.names[i] = text
        inside = re.findall(r"\(([^)]*)\)", f"{text} {parents[i]}")  # 'Trọng lượng (kg)': a bare number is in kg
        unit = next((u for part in inside if (u := _key(part)) in _UNITS), None)
        if unit:
            cols.units[i] = unit
        found = _ALIASES.get(_key(text))
        if found is None:
            if av.dimension_key(re.sub(r"\([^)]*\)", " ", text), whole=True):
                cols.parts.append(i)
            else:
                cols.ignored.append(text)
            continue
        name, rank = found
        if name in cols.fields and ranks[name] <= rank:
            cols.ignored.append(text)
            continue
        if name in cols.fields:
            cols.ignored.append(cols.names[cols.fields[name]])
        cols.fields[name], ranks[name] = i, rank
    return cols


def _fill_merged_down(grid: list[list[str]], merges: list[tuple[int, int, int, int]]) -> None:
    """A cell merged over several rows holds its value for each of them (in its first column)."""
    for min_col, min_row, _max_col, max_row in merges:
        if max_row <= min_row or min_row > len(grid) or min_col > len(grid[min_row - 1]):
            continue
        value = grid[min_row - 1][min_col - 1]
        for r in range(min_row + 1, min(max_row, len(grid)) + 1):
            row = grid[r - 1]
            row.extend([""] * (min_col - len(row)))
            row[min_col - 1] = value


def validate_grid(
    cells: list[list[Any]], *, merges: list[tuple[int, int, int, int]] = (), sheet: str | None = None
) -> InventoryResult:
    """Check a sheet given as rows of cells (row 1 first); merges are (min_col, min_row, max_col, max_row)."""
    grid = [[_text(c) for c in row] for row in cells]
    h = _find_header(grid)
    if h is None:
        raise ReadError(f"No header row: no row names {HEADER_MIN_MATCHES} known columns (Số ĐKHV, Tên hiện vật, …).")
    _fill_merged_down(grid, list(merges))
    header, start = list(grid[h]), h + 1
    subheader = grid[start] if start < len(grid) and _is_subheader(header, grid[start]) else None
    parents = list(accumulate(header, lambda last, text: text or last))  # a merged header cell's text
    if subheader:
        start += 1
        width = max(len(header), len(subheader))
        below = subheader + [""] * (width - len(subheader))
        header = [s if s and s != above else above for above, s in zip(header + [""] * (width - len(header)), below)]
    cols = _columns(header, parents + [""] * (len(header) - len(parents)))
    result = InventoryResult([], [], cols.ignored, header_row=h + 1, sheet=sheet)
    missing = [name for name in REQUIRED if name not in cols.fields]
    if missing:
        result.errors = [RowError(h + 1, FIELDS[n][0], "required column is missing from the header") for n in missing]
        return result
    seen: dict[str, int] = {}
    for i in range(start, len(grid)):
        row = grid[i]
        values = {name: row[c] if c < len(row) else "" for name, c in cols.fields.items()}
        parts = [(cols.names[c], row[c]) for c in cols.parts if c < len(row) and row[c]]
        if not any(values.values()) and not parts:
            continue  # blank, or only a pre-printed STT
        if _matches(row) >= HEADER_MIN_MATCHES or row == subheader or _is_column_numbers(row):
            continue
        first = next((c for c in row if c), "")
        if not values["name_vi"] and _FOOTER.match(_key(first)):
            continue
        record = _artefact(i + 1, values, parts, cols, result.errors, seen)
        if record is not None:
            result.rows.append(record)
    return result


def _artefact(
    n: int, values: dict[str, str], parts: list[tuple[str, str]], cols: _Columns, errors: list[RowError],
    seen: dict[str, int],
) -> ArtefactRow | None:  # fmt: skip
    before = len(errors)

    def fail(name: str, reason: str) -> None:
        errors.append(RowError(n, cols.name(name), reason))

    def text(name: str) -> str | None:
        return " ".join(values.get(name, "").split()) or None

    def parsed(name: str, parse, *args):
        written = values.get(name, "").strip()
        if not written and name != "quantity":
            return None
        try:
            return parse(written, *args)
        except ValueError as exc:
            fail(name, str(exc))

    def unit(name: str) -> str | None:
        return cols.units.get(cols.fields.get(name, -1))

    number, name_vi = text("number"), text("name_vi")
    if number is None:
        fail("number", "is empty")
    elif len(number) > 100:
        fail("number", "is longer than 100 characters")
    elif number.casefold() in seen:
        fail("number", f"duplicate number '{number}' (first on row {seen[number.casefold()]})")
    else:
        seen[number.casefold()] = n
    if name_vi is None:
        fail("name_vi", "is empty")
    dating = av.parse_dating(text("dating_text") or "")
    if dating.conflict:
        fail("dating_text", dating.conflict)
    dims_text = text("dimensions_text")
    dimensions = av.parse_dimensions(dims_text, unit("dimensions_text")) if dims_text else {}
    for c, (label, value) in zip(cols.parts, parts):
        label = re.sub(r"\([^)]*\)", " ", label).strip()
        for key, cm in av.parse_dimensions(f"{label} {value}", cols.units.get(c)).items():
            dimensions.setdefault(key, cm)
    if not dims_text and parts:
        dims_text = "; ".join(f"{label} {value}" for label, value in parts)
    acquisition = text("acquisition_method")
    quantity = parsed("quantity", av.quantity)
    when = parsed("acquisition_date", av.acquisition_date)
    condition = parsed("condition", av.condition)
    treasure = parsed("national_treasure", av.yes_no)
    decision = text("treasure_decision")
    if treasure is False and decision:
        fail("national_treasure", f"says not a national treasure but {cols.name('treasure_decision')} is filled")
    site_id = text("site_id")
    if site_id is not None and not SITE_ID.match(site_id):
        fail("site_id", f"'{site_id[:40]}' is not a relic id (a-z, 0-9 and '-')")
    if len(errors) > before:
        return None
    return ArtefactRow(
        row=n,
        number=number,
        name_vi=name_vi,
        **{name: text(name) for name in _PLAIN},
        year_from=dating.year_from,
        year_to=dating.year_to,
        dating_approximate=dating.approximate,
        dimensions_text=dims_text,
        dimensions=dimensions,
        weight_text=text("weight_text"),
        weight_kg=av.parse_weight(values.get("weight_text", ""), unit("weight_text")),
        quantity=quantity,
        acquisition_method=av.acquisition_method(acquisition) if acquisition else None,
        acquisition_text=acquisition,
        acquisition_date=when[0] if when else None,
        acquisition_date_precision=when[1] if when else None,
        condition=condition,
        condition_text=text("condition"),
        national_treasure=bool(treasure) or (treasure is None and decision is not None),
        treasure_decision=decision,
        site_id=site_id,
        notes=values.get("notes", "").strip() or None,
    )


def _merged_ranges(data: bytes, member: str | None) -> list[tuple[int, int, int, int]]:
    """The sheet's merged cells, which openpyxl's read-only mode does not report: read from its XML."""
    if not member:
        return []
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(member.lstrip("/")) as source:
        for _, element in iterparse(source):
            if element.tag.endswith("}mergeCell") and element.get("ref"):
                found.append(range_boundaries(element.get("ref")))
            elif element.tag.endswith("}row"):
                element.clear()
    return found


def read_inventory_xlsx(data: bytes) -> InventoryResult:
    """The first sheet with a header row, read in openpyxl's read-only mode (cached formula values)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken archive
        raise ReadError("Not a readable XLSX workbook.") from exc
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # some writers store a wrong size; read every row there is
            rows = sheet.iter_rows(min_row=1, values_only=True)
            head = [list(r) for r in islice(rows, HEADER_SCAN_ROWS)]
            if _find_header([[_text(c) for c in r] for r in head]) is None:
                continue
            grid = head + [list(r) for r in rows]
            merges = _merged_ranges(data, getattr(sheet, "_worksheet_path", None))
            return validate_grid(grid, merges=merges, sheet=sheet.title)
    finally:
        workbook.close()
    raise ReadError(f"No sheet has a row naming {HEADER_MIN_MATCHES} known columns (Số ĐKHV, Tên hiện vật, …).")


def read_inventory_csv(data: bytes) -> InventoryResult:
    """CSV in UTF-8 (with or without BOM), UTF-16 or Windows-1258, separated by ',', ';' or tabs."""
    text = decode_text(data)
    if not text.strip():
        raise ReadError("The file is empty.")
    grids = [list(csv.reader(io.StringIO(text), delimiter=d)) for d in (",", ";", "\t")]
    return validate_grid(max(grids, key=lambda g: -1 if (h := _find_header(g)) is None else _matches(g[h])))


def read_inventory(path: Path, data: bytes | None = None) -> InventoryResult:
    """Read an inventory book by its file name ending (.xlsx/.xlsm or .csv/.txt/.tsv)."""
    data = path.read_bytes() if data is None else data
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_inventory_xlsx(data)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_inventory_csv(data)
    if suffix == ".xls":
        raise ReadError("Old Excel .xls books cannot be read: save the book as .xlsx.")
    raise ReadError(f"Unsupported file type '{suffix}': use XLSX or CSV.")
