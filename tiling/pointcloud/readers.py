"""Point-cloud readers: LAS/LAZ, PLY, XYZ/CSV/TXT/PTS, E57 → streamed :class:`PointChunk`s.

Every reader yields chunks of source coordinates (float64, whatever CRS the caller
declares) plus the attributes we keep: RGB (8 bit), intensity (16 bit) and
classification (8 bit).  Reading is chunked so memory stays bounded for any file size
(laspy's chunk_iterator for LAS/LAZ, a memory map for binary PLY, block reads for text).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .. import plyio
from ..errors import TilingError


@dataclass
class PointChunk:
    xyz: np.ndarray  # (n, 3) float64, source coordinates
    rgb: np.ndarray | None = None  # (n, 3) uint8
    intensity: np.ndarray | None = None  # (n,) uint16
    classification: np.ndarray | None = None  # (n,) uint8

    def __len__(self) -> int:
        return len(self.xyz)


class PointSource(Protocol):
    path: Path
    count: int | None  # total points if known up front
    bounds: tuple[np.ndarray, np.ndarray] | None  # source-coordinate (min, max) if known up front
    epsg: int | None  # CRS stored in the file, if any

    def chunks(self, size: int) -> Iterator[PointChunk]: ...


def to_u8(colors: np.ndarray, sixteen_bit: bool) -> np.ndarray:
    """8-bit colours from 8-bit, 16-bit or 0..1 float input."""
    c = np.asarray(colors)
    if c.dtype.kind == "f":
        if sixteen_bit:
            return np.clip(c / 257.0, 0, 255).astype(np.uint8)
        return np.clip(np.rint(c * 255.0) if c.max(initial=0) <= 1.0 else c, 0, 255).astype(np.uint8)
    return (c >> 8).astype(np.uint8) if sixteen_bit else np.clip(c, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- LAS / LAZ
def check_las_header(path: Path) -> None:
    """Sanity-check the LAS public header before laspy sees it.

    laspy trusts the VLR count of the header and loops on a corrupt file for a very long
    time; a surveyor needs "corrupt/truncated" at once instead.
    """
    import struct

    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(375)
    name = path.name
    if len(head) < 227 or head[:4] != b"LASF":
        raise TilingError(
            f"{name} is not a LAS/LAZ file (no 'LASF' signature).",
            hint="The file may be corrupt, or another format renamed to .las/.laz.",
        )
    major, minor = head[24], head[25]
    hsize, offset, nvlr = struct.unpack_from("<HII", head, 94)
    fmt, reclen, legacy = struct.unpack_from("<BHI", head, 104)
    problem = None
    if major != 1 or minor > 4:
        problem = f"unknown LAS version {major}.{minor}"
    elif hsize < 227 or offset < hsize or offset > size:
        problem = f"header size {hsize} / point data offset {offset} do not fit a {size}-byte file"
    elif nvlr * 54 > offset - hsize:
        problem = f"{nvlr} variable-length records cannot fit before the point data"
    elif (fmt & 0x3F) > 10:
        problem = f"unknown point format {fmt & 0x3F}"
    if problem:
        raise TilingError(
            f"{name} cannot be read as LAS/LAZ: {problem}.",
            hint="The file may be corrupt or truncated; export it again.",
        )
    count = legacy
    if minor >= 4 and len(head) >= 255:
        count = struct.unpack_from("<Q", head, 247)[0] or legacy
    if not fmt & 0xC0 and offset + count * reclen > size:  # uncompressed: the size is known
        raise TilingError(
            f"{name} is truncated: the header announces {count:,} points "
            f"({offset + count * reclen:,} bytes) but the file has {size:,} bytes.",
            hint="Copy or export the file again.",
        )


COLOUR_SAMPLE = 100_000  # points read up front to tell 8-bit from 16-bit LAS colours


class LasSource:
    """LAS 1.0–1.4 and LAZ (lazrs backend) through laspy's chunk iterator or ranges of points."""

    def __init__(self, path: Path) -> None:
        import laspy

        self.path = path
        check_las_header(path)
        try:
            with laspy.open(str(path)) as reader:
                h = reader.header
                self.count = int(h.point_count)
                self.bounds = (np.array(h.mins, float), np.array(h.maxs, float))
                self._has_rgb = "red" in h.point_format.dimension_names
                try:
                    crs = h.parse_crs()
                    self.epsg = crs.to_epsg() if crs is not None else None
                except Exception:  # noqa: BLE001 - a damaged or exotic WKT VLR must not stop the job
                    self.epsg = None
                # LAS says 16-bit colour but many writers store 0..255: decide once, from the start
                self._sixteen = False
                if self._has_rgb and self.count:
                    first = reader.read_points(min(self.count, COLOUR_SAMPLE))
                    self._sixteen = bool(max(first.red.max(), first.green.max(), first.blue.max()) > 255)
        except Exception as exc:  # noqa: BLE001 - readers raise any type on corrupt input
            raise TilingError(
                f"{path.name} cannot be read as LAS/LAZ: {exc}.",
                hint="The file may be corrupt or truncated; export it again.",
            ) from None

    def _chunk(self, pts) -> PointChunk:
        xyz = np.empty((len(pts), 3), np.float64)
        xyz[:, 0], xyz[:, 1], xyz[:, 2] = pts.x, pts.y, pts.z
        rgb = None
        if self._has_rgb:
            rgb = to_u8(np.column_stack([pts.red, pts.green, pts.blue]), self._sixteen)
        return PointChunk(xyz, rgb, np.asarray(pts.intensity, np.uint16), np.asarray(pts.classification, np.uint8))

    def chunks(self, size: int) -> Iterator[PointChunk]:
        import laspy

        try:
            with laspy.open(str(self.path)) as reader:
                for pts in reader.chunk_iterator(size):
                    yield self._chunk(pts)
        except TilingError:
            raise
        except Exception as exc:  # noqa: BLE001 - readers raise any type on corrupt input
            raise TilingError(
                f"{self.path.name}: reading LAS/LAZ points failed: {exc}.", hint="The file may be truncated or corrupt."
            ) from None

    def read_range(self, start: int, count: int) -> PointChunk:
        """Points [start, start + count) (LAZ: decompressed from the chunk holding ``start``)."""
        import laspy

        try:
            with laspy.open(str(self.path)) as reader:
                if start:
                    reader.seek(start)
                return self._chunk(reader.read_points(count))
        except Exception as exc:  # noqa: BLE001 - readers raise any type on corrupt input
            raise TilingError(
                f"{self.path.name}: reading LAS/LAZ points failed: {exc}.", hint="The file may be truncated or corrupt."
            ) from None


# ----------------------------------------------------------------------------- PLY
_RGB_NAMES = [("red", "green", "blue"), ("r", "g", "b"), ("diffuse_red", "diffuse_green", "diffuse_blue")]
_INTENSITY_NAMES = ("intensity", "scalar_intensity", "scalar_Intensity", "Intensity", "reflectance")
_CLASS_NAMES = ("classification", "scalar_classification", "scalar_Classification", "class", "label")


class PlySource:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.header = plyio.read_header(path)
        v = self.header.element("vertex")
        if v is None or v.count == 0:
            raise TilingError(f"{path.name}: the PLY file has no vertices.")
        self.count = v.count
        self.bounds = None
        self.epsg = None
        names = [n for n, _ in v.props]
        if not {"x", "y", "z"} <= set(names):
            raise TilingError(f"{path.name}: PLY vertices need x, y, z properties (found {names}).")
        self._rgb = next((t for t in _RGB_NAMES if set(t) <= set(names)), None)
        self._int = next((n for n in _INTENSITY_NAMES if n in names), None)
        self._cls = next((n for n in _CLASS_NAMES if n in names), None)
        types = dict(v.props)
        self._sixteen = self._rgb is not None and types[self._rgb[0]] in ("u2", "i2")

    def chunks(self, size: int) -> Iterator[PointChunk]:
        for a in plyio.iter_vertices(self.path, self.header, size):
            xyz = np.column_stack([a["x"], a["y"], a["z"]]).astype(np.float64)
            rgb = to_u8(np.column_stack([a[c] for c in self._rgb]), self._sixteen) if self._rgb else None
            inten = None
            if self._int:
                iv = a[self._int]
                inten = (
                    np.clip(iv * 65535.0, 0, 65535)
                    if iv.dtype.kind == "f" and iv.max(initial=0) <= 1.0
                    else np.clip(iv, 0, 65535)
                ).astype(np.uint16)
            cls = np.clip(a[self._cls], 0, 255).astype(np.uint8) if self._cls else None
            yield PointChunk(xyz, rgb, inten, cls)


# ----------------------------------------------------------------------------- E57
class E57Source:
    """ASTM E57 through pye57; every scan's pose is applied (read_scan(transform=True))."""

    def __init__(self, path: Path) -> None:
        try:
            import pye57
        except ImportError:  # pragma: no cover - pye57 is a declared dependency
            raise TilingError("E57 support needs the pye57 package, which is not installed.") from None
        self.path = path
        try:
            self._e57 = pye57.E57(str(path))
            self.count = sum(self._e57.get_header(i).point_count for i in range(self._e57.scan_count))
        except Exception as exc:  # noqa: BLE001 - readers raise any type on corrupt input
            raise TilingError(
                f"{path.name} cannot be read as E57: {exc}.",
                hint="The file may be corrupt; export it again from the scanner software.",
            ) from None
        self.bounds = None
        self.epsg = None

    def chunks(self, size: int) -> Iterator[PointChunk]:
        # pye57 reads one scan at a time (no partial reads); chunks are slices of a scan
        for i in range(self._e57.scan_count):
            h = self._e57.get_header(i)
            fields = set(h.point_fields)
            try:
                d = self._e57.read_scan(
                    i,
                    intensity="intensity" in fields,
                    colors="colorRed" in fields,
                    row_column=False,
                    transform=True,
                    ignore_missing_fields=True,
                )
            except Exception as exc:  # noqa: BLE001 - readers raise any type on corrupt input
                raise TilingError(
                    f"{self.path.name}: scan {i} of the E57 file cannot be read: {exc}.",
                ) from None
            if "cartesianX" not in d:
                raise TilingError(f"{self.path.name}: scan {i} has no cartesian coordinates.")
            valid = np.ones(len(d["cartesianX"]), bool)
            if "cartesianInvalidState" in d:
                valid = np.asarray(d["cartesianInvalidState"]) == 0
            xyz = np.column_stack([d["cartesianX"], d["cartesianY"], d["cartesianZ"]])
            xyz = xyz.astype(np.float64)[valid]
            rgb = None
            if "colorRed" in d:
                raw = np.column_stack([d["colorRed"], d["colorGreen"], d["colorBlue"]])[valid]
                rgb = to_u8(raw, bool(raw.max(initial=0) > 255))
            inten = None
            if "intensity" in d:
                iv = np.asarray(d["intensity"], np.float64)[valid]
                lo, hi = (iv.min(), iv.max()) if len(iv) else (0.0, 1.0)
                inten = (
                    (np.clip((iv - lo) / (hi - lo), 0, 1) * 65535).astype(np.uint16)
                    if hi > lo
                    else np.zeros(len(iv), np.uint16)
                )
            for s in range(0, len(xyz), size):
                sl = slice(s, s + size)
                yield PointChunk(xyz[sl], None if rgb is None else rgb[sl], None if inten is None else inten[sl], None)


POINT_EXTENSIONS = {".las": LasSource, ".laz": LasSource, ".ply": PlySource, ".e57": E57Source}
TEXT_EXTENSIONS = {".xyz", ".csv", ".txt", ".pts"}


def open_points(path: Path) -> PointSource:
    """Open a point cloud by extension; TilingError for unknown or unreadable files."""
    from .text import TextSource

    ext = path.suffix.lower()
    if ext in TEXT_EXTENSIONS:
        return TextSource(path)
    cls = POINT_EXTENSIONS.get(ext)
    if cls is None:
        raise TilingError(
            f"{path.name}: unsupported point-cloud format {ext!r}; use LAS, LAZ, PLY, E57, XYZ, CSV, TXT or PTS."
        )
    return cls(path)
