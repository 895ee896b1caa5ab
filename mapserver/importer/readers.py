"""Turn an uploaded file into numbered rows of text values, whatever Excel or a GIS wrote.

Vietnamese spreadsheets arrive as UTF-8 (with or without BOM), UTF-16 or Windows-1258, with
comma or semicolon separators; text is normalised to NFC so that "ạ" typed two ways compares equal.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ReadError(ValueError):
    """The file as a whole cannot be read (not a row-level problem)."""


@dataclass
class Row:
    number: int  # 1-based as a person counts them in the file (header = row 1 for tables)
    values: dict[str, str]
    geometry: dict[str, Any] | None = None


@dataclass
class Table:
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def decode_text(data: bytes) -> str:
    """Decode bytes from the encodings Vietnamese office software writes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return nfc(data[3:].decode("utf-8"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return nfc(data.decode("utf-16"))
    try:
        return nfc(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1258 writes tones as combining marks; NFC folds them into precomposed letters.
        return nfc(data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        raise ReadError("The file is not UTF-8, UTF-16 or Windows-1258 text.") from exc


NUL = "\x00"


def _refuse_nul(values: dict[str, str], where: str) -> None:
    """A NUL character cannot be stored in PostgreSQL text; in a table it means a damaged or binary
    file, so the whole file is refused, naming the first place it is found."""
    for column, value in values.items():
        if NUL in column or NUL in value:
            name = column.replace(NUL, "\\0")[:40]
            raise ReadError(f"{where}, column '{name}': contains a NUL character (a damaged or binary file?).")


def _delimiter(sample: str) -> str:
    first = next((line for line in sample.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def read_csv_text(text: str) -> Table:
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text[:4096]))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ReadError("The file is empty.") from exc
    columns = [h.strip() for h in header]
    if len(set(columns)) != len(columns):
        raise ReadError("The header row names a column twice.")
    has_nul = NUL in text  # one scan of the text; rows are searched only when it holds one
    if has_nul:
        _refuse_nul({c: "" for c in columns}, "The header row")
    table = Table(columns=columns)
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            extra = [c for c in cells[len(columns) :] if c.strip()]
            if extra:
                raise ReadError(f"Row {number} has more values than the header has columns.")
        values = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(columns)}
        if has_nul:
            _refuse_nul(values, f"Row {number}")
        table.rows.append(Row(number=number, values=values))
    return table


def read_geojson_text(text: str) -> Table:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(f"Not valid JSON (line {exc.lineno}, column {exc.colno}).") from exc
    except RecursionError:
        raise ReadError("The JSON is nested too deeply.") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise ReadError("The JSON holds a number with too many digits.") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ReadError("GeoJSON must be a FeatureCollection.")
    features = doc.get("features")
    if not isinstance(features, list):
        raise ReadError("GeoJSON FeatureCollection has no 'features' list.")
    columns: list[str] = []
    table = Table(columns=columns)
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ReadError(f"Feature {number} is not a GeoJSON Feature.")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise ReadError(f"Feature {number}: properties must be an object.")
        geometry = feature.get("geometry")
        if geometry is not None and not isinstance(geometry, dict):
            raise ReadError(f"Feature {number}: geometry must be a GeoJSON object or null.")
        values = {}
        for key, value in props.items():
            if key not in columns:
                columns.append(key)
            values[key] = "" if value is None else nfc(str(value)).strip()
        if "id" not in values and feature.get("id") is not None:
            values["id"] = str(feature["id"])
        _refuse_nul(values, f"Feature {number}")
        table.rows.append(Row(number=number, values=values, geometry=geometry))
    return table


def read_xlsx_bytes(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken archive
        raise ReadError("Not a readable XLSX workbook.") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = next(rows)
    except StopIteration as exc:
        raise ReadError("The first sheet is empty.") from exc
    columns = [nfc(str(h)).strip() if h is not None else "" for h in header]
    _refuse_nul({c: "" for c in columns}, "The header row")
    table = Table(columns=columns)
    for number, cells in enumerate(rows, start=2):
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        values = {}
        for i, col in enumerate(columns):
            if not col:
                continue
            cell = cells[i] if i < len(cells) else None
            values[col] = _cell_text(cell)
        _refuse_nul(values, f"Row {number}")  # OOXML writes a NUL as _x0000_
        table.rows.append(Row(number=number, values=values))
    return table


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if hasattr(cell, "date") and hasattr(cell, "isoformat"):
        return cell.date().isoformat() if hasattr(cell, "hour") else cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return nfc(str(cell)).strip()


def read_table(path: Path, data: bytes | None = None) -> Table:
    """Read CSV/TXT, GeoJSON/JSON or XLSX by file name ending."""
    data = path.read_bytes() if data is None else data
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_bytes(data)
    if suffix in (".geojson", ".json"):
        return read_geojson_text(decode_text(data))
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv_text(decode_text(data))
    raise ReadError(f"Unsupported file type '{suffix}': use CSV, GeoJSON or XLSX.")
