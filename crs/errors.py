"""Exceptions raised by the ``crs`` package.

They subclass the built-in exception a caller would naturally catch (``ValueError`` for bad
input, ``RuntimeError`` for a broken installation) so web code can map them to 4xx/5xx simply.
"""

from __future__ import annotations


class UnsupportedCRS(ValueError):
    """The CRS code, URI or province is not one the product supports."""


class PinnedOperationUnavailable(RuntimeError):
    """EPSG:6960 "VN-2000 to WGS 84 (2)" cannot be used; we refuse to fall back to another op."""


class GeoidUnavailable(RuntimeError):
    """The geoid grid (EGM96 by default) is missing or does not cover the requested points."""


class CSVFormatError(ValueError):
    """A line of a coordinate CSV cannot be parsed; carries the 1-based line and field number."""

    def __init__(self, message: str, *, line: int, field: int | None = None) -> None:
        where = f"line {line}" if field is None else f"line {line}, field {field}"
        super().__init__(f"{where}: {message}")
        self.line = line
        self.field = field


class AmbiguousHeights(ValueError):
    """A height's kind (normal or ellipsoidal) decides the answer but was not given (WGS 84)."""
