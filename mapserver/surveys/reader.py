"""Stream the rows of a survey file in chunks, whatever encoding Vietnamese software wrote.

The file is read once, never loaded whole: the encoding is decided on the first megabyte (BOM,
else UTF-8, else Windows-1258) and the rest is decoded as it streams.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

from ..importer.readers import ReadError
from .cells import Chunk

BLOCK_CHARS = 2 << 20  # about 50,000 rows of a receiver export per chunk (~30 MB of work at its peak)
SNIFF_BYTES = 1 << 20
QUOTE = '"'


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1258"


def open_text(path: Path) -> IO[str]:
    with open(path, "rb") as raw:
        head = raw.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    return open(path, encoding=encoding, newline="")


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text) if not text.isascii() else text


class CsvChunks:
    """Header (or None) and an iterator of Chunks of raw lines, blank rows skipped. Lines are read
    in blocks; a block holding quotes is split by the csv module (a quoted cell may hold the
    delimiter or a line break), the others are left to numpy's reader (see surveys.cells)."""

    def __init__(self, path: Path):
        self.path = path
        self.header: list[str] | None = None
        self.delimiter = ","

    def _sniff(self, fh: IO[str]) -> str:
        position = fh.tell()
        sample = fh.read(64 * 1024)
        fh.seek(position)
        first = next((line for line in sample.splitlines() if line.strip()), "")
        if not first:
            raise ReadError("The file is empty.")
        self.delimiter = sniff_delimiter(first)
        return self.delimiter

    def _take_header(self, line: str, number: int) -> bool:
        """Check the first row; True when it is a header (kept in ``self.header``)."""
        cells = next(csv.reader([line], delimiter=self.delimiter), [])
        stripped = [nfc(c.strip()) for c in cells]
        if any("\x00" in c for c in stripped):
            raise ReadError(f"Row {number} contains a NUL character (a damaged or binary file?).")
        if looks_like_header(stripped):
            self.header = stripped
            return True
        return False

    def __iter__(self) -> Iterator[Chunk]:
        try:
            with open_text(self.path) as fh:
                delimiter = self._sniff(fh)
                blank = " \t\r\n" + delimiter  # Excel writes blank lines as ",,,"
                base, first_checked, data_rows = 1, False, 0
                blank_line = re.compile(f"\n[{re.escape(blank)}]*\n")
                while block := fh.readlines(BLOCK_CHARS):
                    text = "".join(block)
                    while text.count(QUOTE) % 2:  # a quoted cell holds a line break: read on
                        more = fh.readline()
                        if not more:
                            break
                        block.append(more)
                        text += more
                    # One regex over the block finds whether any line is blank (rare); only then
                    # is each line looked at.
                    if blank_line.search("\n" + text + ("" if text.endswith("\n") else "\n")) is None:
                        kept = list(range(len(block)))
                    else:
                        kept = [i for i, line in enumerate(block) if line.strip(blank)]
                    if not first_checked and kept:
                        first_checked = True
                        if self._take_header(block[kept[0]], base + kept[0]):
                            kept = kept[1:]
                    numbers = np.asarray(kept, dtype=np.int64) + base
                    lines = block if len(kept) == len(block) else [block[i] for i in kept]
                    base += len(block)
                    if not lines:
                        continue
                    data_rows += len(lines)
                    yield _chunk(numbers, lines, delimiter, QUOTE in text)
                if data_rows == 0:
                    raise ReadError("The file has no data rows.")
        except UnicodeDecodeError as exc:
            raise ReadError("The file mixes text encodings (not valid UTF-8 throughout).") from exc
        except csv.Error as exc:
            raise ReadError(f"The CSV is malformed: {exc}") from exc


def _chunk(numbers: np.ndarray, lines: list[str], delimiter: str, quoted: bool) -> Chunk:
    if not quoted:
        return Chunk(numbers=numbers, lines=lines, delimiter=delimiter)
    # Quoted cells: records may span lines; each is numbered by the line it starts on.
    rows, starts = [], []
    reader = csv.reader(lines, delimiter=delimiter)
    position = 0
    for cells in reader:
        rows.append(cells)
        starts.append(position)
        position = reader.line_num
    return Chunk(numbers=numbers[np.asarray(starts, dtype=np.int64)], rows=rows, delimiter=delimiter)


def looks_like_header(cells: list[str]) -> bool:
    """A header row has no cell that is a number (point ids may be numbers, so all must fail)."""
    numeric = 0
    for cell in cells[1:]:
        try:
            float(cell.replace(",", "."))
            numeric += 1
        except ValueError:
            pass
    return numeric == 0


def _load_geojson(path: Path) -> dict:
    try:
        with open_text(path) as fh:
            doc = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReadError("Not valid GeoJSON text.") from exc
    except RecursionError:
        raise ReadError("The GeoJSON is nested too deeply.") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise ReadError("The GeoJSON holds a number with too many digits.") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise ReadError("GeoJSON must be a FeatureCollection of Point features.")
    return doc


def _point_feature(feature: object, number: int) -> tuple[list[float], dict]:
    """(coordinates, properties) of one feature, every member type-checked: ``features: [1, "x"]``,
    ``properties: ["a"]`` or ``geometry: "POINT(1 2)"`` are the file's fault, said as such."""
    if not isinstance(feature, dict):
        raise ReadError(f"Feature {number} is not a GeoJSON Feature object.")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise ReadError(f"Feature {number}: properties must be an object.")
    geometry = feature.get("geometry") or {}
    coords = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
    if (
        not isinstance(coords, list)
        or len(coords) < 2
        or not all(_coordinate(c) for c in coords[:2])
        or (len(coords) > 2 and coords[2] is not None and not _coordinate(coords[2]))
    ):
        raise ReadError(f"Feature {number} is not a Point with numeric coordinates.")
    identifier = feature.get("id")
    if identifier is not None and (isinstance(identifier, bool) or not isinstance(identifier, (str, int, float))):
        raise ReadError(f"Feature {number}: id must be a text or a number.")
    return coords, props


def _coordinate(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def geojson_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """GeoJSON points as rows: point id, lon, lat, height (if 3D), then the properties."""
    doc = _load_geojson(path)
    checked = [_point_feature(feature, number) for number, feature in enumerate(doc["features"], start=1)]
    keys: list[str] = []
    for _, props in checked:
        for key in props:
            if key not in keys and key not in ("east", "north", "height"):
                keys.append(key)
    header = ["east", "north", "height", *keys]
    rows = []
    for feature, (coords, props) in zip(doc["features"], checked):
        if "point" not in props and "id" not in props and feature.get("id") is not None:
            props = {**props, "point": feature["id"]}
            if "point" not in header:
                header.append("point")
        z = str(coords[2]) if len(coords) > 2 and coords[2] is not None else ""
        rows.append(
            [
                str(coords[0]),
                str(coords[1]),
                z,
                *["" if props.get(k) is None else nfc(str(props.get(k))) for k in header[3:]],
            ]
        )
    return header, rows


def chunks_for(path: Path) -> tuple[CsvChunks | None, tuple[list[str], list[list[str]]] | None]:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return None, geojson_rows(path)
    if suffix in (".csv", ".txt"):
        return CsvChunks(path), None
    raise ReadError(f"Unsupported survey file type '{suffix}': use CSV/TXT or GeoJSON.")
