"""PLY header parsing and chunked vertex reading (binary little/big endian and ASCII).

Used by the point-cloud reader (streamed, memory-bounded) and by format detection
(a PLY with faces is a mesh, without faces a point cloud).  Binary vertex data is
memory-mapped, so a 50 M-point file is read slice by slice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import TilingError

_TYPES = {
    "char": "i1",
    "int8": "i1",
    "uchar": "u1",
    "uint8": "u1",
    "short": "i2",
    "int16": "i2",
    "ushort": "u2",
    "uint16": "u2",
    "int": "i4",
    "int32": "i4",
    "uint": "u4",
    "uint32": "u4",
    "float": "f4",
    "float32": "f4",
    "double": "f8",
    "float64": "f8",
}


@dataclass
class PlyElement:
    name: str
    count: int
    props: list[tuple[str, str]] = field(default_factory=list)  # (name, numpy code) scalar properties
    has_list: bool = False


@dataclass
class PlyHeader:
    fmt: str  # "ascii" | "binary_little_endian" | "binary_big_endian"
    elements: list[PlyElement]
    data_offset: int  # byte offset of the first data byte

    def element(self, name: str) -> PlyElement | None:
        return next((e for e in self.elements if e.name == name), None)

    @property
    def face_count(self) -> int:
        f = self.element("face")
        return f.count if f else 0


def read_header(path: Path) -> PlyHeader:
    """Parse the header; raises TilingError with the problem spelled out."""
    with open(path, "rb") as fh:
        if fh.readline().strip() != b"ply":
            raise TilingError(f"{path.name} is not a PLY file (it does not start with 'ply').")
        fmt = None
        elements: list[PlyElement] = []
        for _ in range(10000):
            raw = fh.readline()
            if not raw:
                break
            line = raw.decode("ascii", "replace").strip()
            tok = line.split()
            if not tok or tok[0] in ("comment", "obj_info"):
                continue
            if tok[0] == "format":
                fmt = tok[1]
            elif tok[0] == "element":
                elements.append(PlyElement(tok[1], int(tok[2])))
            elif tok[0] == "property" and elements:
                if tok[1] == "list":
                    elements[-1].has_list = True
                    elements[-1].props.append((tok[4], "list"))
                elif tok[1] in _TYPES:
                    elements[-1].props.append((tok[2], _TYPES[tok[1]]))
                else:
                    raise TilingError(f"{path.name}: unknown PLY property type {tok[1]!r}.")
            elif tok[0] == "end_header":
                if fmt not in ("ascii", "binary_little_endian", "binary_big_endian"):
                    raise TilingError(f"{path.name}: unsupported PLY format {fmt!r}.")
                return PlyHeader(fmt, elements, fh.tell())
    raise TilingError(f"{path.name}: the PLY header has no end_header line; the file is corrupt or truncated.")


def vertex_dtype(h: PlyHeader) -> np.dtype:
    v = h.element("vertex")
    assert v is not None
    order = ">" if h.fmt == "binary_big_endian" else "<"
    return np.dtype([(n, order + c) for n, c in v.props])


def iter_vertices(path: Path, h: PlyHeader, chunk: int) -> Iterator[np.ndarray]:
    """Yield structured arrays of vertices, ``chunk`` at a time."""
    v = h.element("vertex")
    if v is None:
        raise TilingError(f"{path.name}: the PLY file has no vertex element.")
    if v.has_list:
        raise TilingError(f"{path.name}: list properties on PLY vertices are not supported.")
    first = h.elements.index(v)
    if first != 0 and any(e.has_list or (h.fmt == "ascii") for e in h.elements[:first]):
        raise TilingError(f"{path.name}: vertices must come before other PLY elements.")
    if h.fmt == "ascii":
        yield from _iter_ascii(path, h, v, chunk)
        return
    dt = vertex_dtype(h)
    offset = h.data_offset + sum(e.count * vertex_dtype_of(e, h).itemsize for e in h.elements[:first])
    need = offset + dt.itemsize * v.count
    if Path(path).stat().st_size < need:
        raise TilingError(
            f"{path.name}: the PLY file is truncated ({Path(path).stat().st_size} bytes, the header promises {need})."
        )
    mm = np.memmap(path, dtype=dt, mode="r", offset=offset, shape=(v.count,))
    for s in range(0, v.count, chunk):
        yield np.array(mm[s : s + chunk])  # copy: native byte order, detached from the map


def vertex_dtype_of(e: PlyElement, h: PlyHeader) -> np.dtype:
    order = ">" if h.fmt == "binary_big_endian" else "<"
    return np.dtype([(n, order + c) for n, c in e.props])


def _iter_ascii(path: Path, h: PlyHeader, v: PlyElement, chunk: int) -> Iterator[np.ndarray]:
    dt = np.dtype([(n, c) for n, c in v.props])
    ncol = len(v.props)
    with open(path, "rb") as fh:
        fh.seek(h.data_offset)
        left = v.count
        line_no = 0
        while left > 0:
            n = min(chunk, left)
            lines = [fh.readline() for _ in range(n)]
            if not lines[-1]:
                got = v.count - left + sum(map(bool, lines))
                raise TilingError(f"{path.name}: the PLY file ends after {got} of {v.count} vertices (truncated).")
            try:
                vals = np.array(b" ".join(lines).split(), dtype=np.float64)
                arr = vals.reshape(n, ncol)
            except ValueError:
                raise TilingError(
                    f"{path.name}: cannot read PLY vertices near line {line_no + 1} after the "
                    f"header (expected {ncol} numbers per line)."
                ) from None
            out = np.empty(n, dt)
            for i, (name, _c) in enumerate(v.props):
                out[name] = arr[:, i]
            yield out
            left -= n
            line_no += n
