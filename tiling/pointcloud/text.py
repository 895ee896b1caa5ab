"""Text point clouds: XYZ, CSV, TXT and Leica PTS.

Columns, when there is no header line: ``x y z``, ``x y z intensity``, ``x y z r g b``,
``x y z r g b intensity`` (PTS: ``x y z intensity r g b``, and its first line is the point
count).  A header line (first line not numeric) names the columns instead; recognised
names include x/e/easting/lon, y/n/northing/lat, z/h/height/elevation, r/red, g/green,
b/blue, i/intensity, c/class/classification.  Separators: comma, semicolon, tab or spaces.
Colours may be 0..255 integers or 0..1 floats.  Reading is block-wise (memory bounded).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import TilingError
from .readers import PointChunk, to_u8

_ALIASES = {
    "x": "x",
    "e": "x",
    "east": "x",
    "easting": "x",
    "lon": "x",
    "longitude": "x",
    "//x": "x",
    "y": "y",
    "n": "y",
    "north": "y",
    "northing": "y",
    "lat": "y",
    "latitude": "y",
    "z": "z",
    "h": "z",
    "height": "z",
    "elevation": "z",
    "alt": "z",
    "altitude": "z",
    "r": "r",
    "red": "r",
    "g": "g",
    "green": "g",
    "b": "b",
    "blue": "b",
    "i": "i",
    "intensity": "i",
    "scalar_intensity": "i",
    "reflectance": "i",
    "c": "c",
    "class": "c",
    "classification": "c",
    "label": "c",
}
_BLOCK = 1 << 24  # bytes per read (16 MiB)


def _is_number(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


class TextSource:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.bounds = None
        self.epsg = None
        self.count = None
        with open(path, "rb") as fh:
            head = fh.read(65536).decode("utf-8", "replace")
        lines = [ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if not lines:
            raise TilingError(f"{path.name} is empty: no points found.")
        first = lines[0]
        self.sep = "," if "," in first else ";" if ";" in first else None
        toks = self._split(first)
        self.skip = 0
        pts = path.suffix.lower() == ".pts"
        if len(toks) == 1 and toks[0].isdigit() and len(lines) > 1:  # PTS/XYZ point-count line
            self.skip, first = 1, lines[1]
            self.sep = "," if "," in first else ";" if ";" in first else None
            toks = self._split(first)
        if not all(_is_number(t) for t in toks):
            names = [_ALIASES.get(t.strip().strip('"').lower()) for t in toks]
            self.skip += 1
            self.columns = {n: i for i, n in enumerate(names) if n is not None}
            sample = lines[self.skip] if len(lines) > self.skip else ""
            self.ncol = len(self._split(sample)) if sample else len(toks)
        else:
            self.ncol = len(toks)
            layout = {3: "xyz", 4: "xyzi", 6: "xyzrgb", 7: "xyzirgb" if pts else "xyzrgbi"}.get(self.ncol)
            if layout is None and self.ncol > 7:
                layout = "xyzrgbi"
            if layout is None:
                raise TilingError(
                    f"{path.name}: {self.ncol} columns per line; expected x y z [r g b] "
                    f"[intensity] (3, 4, 6 or 7 numbers) or a header line naming the columns."
                )
            self.columns = {ch: i for i, ch in enumerate(layout)}
        if not {"x", "y", "z"} <= set(self.columns):
            raise TilingError(f"{path.name}: the header must name x, y and z columns (got {toks}).")
        self._rgb_float: bool | None = None

    def _split(self, line: str) -> list[str]:
        return [t for t in (line.split(self.sep) if self.sep else line.split()) if t.strip() != ""]

    def _blocks(self) -> Iterator[tuple[bytes, int]]:
        with open(self.path, "rb") as fh:
            rest = b""
            line_no = 1
            skipped = 0
            while True:
                data = fh.read(_BLOCK)
                buf = rest + data
                if not data:
                    if buf.strip():
                        yield buf, line_no
                    return
                cut = buf.rfind(b"\n")
                if cut < 0:
                    rest = buf
                    continue
                block, rest = buf[: cut + 1], buf[cut + 1 :]
                while skipped < self.skip and block:  # header / count lines (comments don't count)
                    nl = block.find(b"\n")
                    line = block[:nl].strip()
                    if line and not line.startswith(b"#"):
                        skipped += 1
                    block, line_no = block[nl + 1 :], line_no + 1
                yield block, line_no
                line_no += block.count(b"\n")

    def chunks(self, size: int) -> Iterator[PointChunk]:
        comment = re.compile(rb"^[ \t]*#.*$", re.MULTILINE)
        for block, line_no in self._blocks():
            if b"#" in block:
                block = comment.sub(b"", block)
            text = block.replace(b",", b" ").replace(b";", b" ") if self.sep else block
            try:
                vals = np.array(text.split(), dtype=np.float64)
                arr = vals.reshape(-1, self.ncol)
            except ValueError:
                raise TilingError(self._explain(block, line_no)) from None
            for s in range(0, len(arr), size):
                yield self._chunk(arr[s : s + size])

    def _explain(self, block: bytes, line_no: int) -> str:
        for k, raw in enumerate(block.splitlines()):
            line = raw.decode("utf-8", "replace")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            toks = self._split(line)
            if len(toks) != self.ncol or not all(_is_number(t) for t in toks):
                return (
                    f"{self.path.name}, line {line_no + k}: {line.strip()[:80]!r} is not "
                    f"{self.ncol} numbers like the first line."
                )
        return f"{self.path.name}: cannot read the numbers after line {line_no}."

    def _chunk(self, a: np.ndarray) -> PointChunk:
        c = self.columns
        xyz = a[:, [c["x"], c["y"], c["z"]]]
        rgb = None
        if {"r", "g", "b"} <= set(c):
            raw = a[:, [c["r"], c["g"], c["b"]]]
            if self._rgb_float is None and len(raw):
                self._rgb_float = bool(raw.max() <= 1.0 and np.any(raw != np.round(raw)))
            rgb = (
                np.clip(np.rint(raw * 255), 0, 255).astype(np.uint8)
                if self._rgb_float
                else to_u8(raw, bool(raw.max(initial=0) > 255))
            )
        inten = np.clip(a[:, c["i"]], 0, 65535).astype(np.uint16) if "i" in c else None
        cls = np.clip(a[:, c["c"]], 0, 255).astype(np.uint8) if "c" in c else None
        return PointChunk(xyz, rgb, inten, cls)
