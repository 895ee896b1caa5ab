"""One entry point: a scan file → a validated 3D Tiles 1.1 tileset, published atomically.

``tile_scan`` writes into a hidden temporary sibling of ``out_dir``, compresses the tiles
(meshes: Draco; point clouds: meshopt; splats: SPZ) unless told not to, validates the result
(the project's 3D Tiles rules + gltf-validator on every glb) and only then renames it into
place, so a crashed or failed job never leaves a partial tileset where the map server would
publish it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import nodetools
from .errors import TilingError, ValidationFailed
from .georef import Anchor, Georef
from .mesh.hlod import MeshParams, tile_mesh
from .mesh.readers import MESH_EXTENSIONS, load_mesh
from .plyio import read_header
from .pointcloud.copc import CopcSource, is_copc, tile_copc
from .pointcloud.octree import OctreeParams
from .pointcloud.readers import POINT_EXTENSIONS, TEXT_EXTENSIONS, open_points
from .pointcloud.tiler import tile_pointcloud
from .splats.readers import SPLAT_EXTENSIONS, SplatSource, is_splat_ply
from .splats.tiler import tile_splats
from .tileset import errors, validate_output

Kind = Literal["pointcloud", "mesh", "splat"]
ProgressFn = Callable[[float, str], None]


@dataclass
class TileStats:
    """What a tiling job produced (JSON-friendly through :meth:`to_dict`)."""

    kind: Kind
    tileset: Path  # final path of tileset.json
    tiles: int
    points: int | None = None
    faces: int | None = None
    splats: int | None = None
    # WGS 84 lon/lat (degrees) and ellipsoidal height (m) bounds of the content
    bbox: dict[str, float] = field(default_factory=dict)
    origin: dict[str, float] = field(default_factory=dict)  # root ENU frame origin (lon, lat, h ellipsoidal)
    bytes: int = 0
    seconds: float = 0.0
    compressed: bool = False
    levels: dict[int, int] | None = None  # mesh: faces per quadtree level
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tileset"] = str(self.tileset)
        return d


def detect_kind(path: Path) -> Kind:
    """Point cloud, mesh or Gaussian splats, from the extension; a PLY from its header (faces →
    mesh; f_dc_*, opacity, scale_*, rot_* on the vertices → 3DGS splats; else a point cloud)."""
    ext = path.suffix.lower()
    if ext == ".ply":
        header = read_header(path)
        if header.face_count > 0:
            return "mesh"
        return "splat" if is_splat_ply(header) else "pointcloud"
    if ext in SPLAT_EXTENSIONS:
        return "splat"
    if ext in POINT_EXTENSIONS or ext in TEXT_EXTENSIONS:
        return "pointcloud"
    if ext in MESH_EXTENSIONS:
        return "mesh"
    raise TilingError(
        f"{path.name}: unsupported file type {ext or '(no extension)'!r}. "
        f"Point clouds: LAS, LAZ (and COPC), PLY, E57, XYZ, CSV, TXT, PTS; meshes: OBJ (+MTL), PLY, GLB, "
        f"glTF, STL; Gaussian splats: 3DGS PLY, SPLAT, SPZ."
    )


BINARY_SCAN_EXTENSIONS = (".obj", ".glb", ".gltf", ".stl", ".ply", ".las", ".laz", ".e57", ".splat", ".spz")
TEXT_SCAN_EXTENSIONS = (".xyz", ".csv", ".txt", ".pts")
SCAN_EXTENSIONS = BINARY_SCAN_EXTENSIONS + TEXT_SCAN_EXTENSIONS
MAX_UNPACKED = 64 << 30  # bytes; refuse zip bombs


def _unpack(archive: Path, dest: Path) -> Path:
    """Extract a .zip upload (e.g. OBJ + MTL + textures) safely and return its one scan file."""
    import zipfile

    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise TilingError(f"{archive.name} is not a valid ZIP archive (corrupt or truncated).") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if sum(i.file_size for i in infos) > MAX_UNPACKED or len(infos) > 100_000:
            raise TilingError(f"{archive.name} unpacks to more than {MAX_UNPACKED >> 30} GiB or 100 000 files.")
        root = dest.resolve()
        for info in infos:
            target = (root / info.filename).resolve()
            if root not in target.parents:  # "zip slip": ../ or absolute member names
                raise TilingError(f"{archive.name} contains an unsafe path {info.filename!r}.")
        try:
            zf.extractall(root)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise TilingError(f"{archive.name} cannot be unpacked: {exc}.") from None
    files = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(("._", "."))]
    # binary scan formats first: a README.txt next to an OBJ is not a point cloud
    found = [p for p in files if p.suffix.lower() in BINARY_SCAN_EXTENSIONS]
    found = found or [p for p in files if p.suffix.lower() in TEXT_SCAN_EXTENSIONS]
    if len(found) != 1:
        names = ", ".join(sorted(str(p.relative_to(root)) for p in found)) or "none"
        raise TilingError(
            f"{archive.name} must contain exactly one scan file (OBJ/GLB/PLY/STL/LAS/LAZ/E57/"
            f"XYZ/CSV/PTS, with its textures); found: {names}."
        )
    return found[0]


def make_georef(
    src_crs: int | str | None,
    heights: str,
    anchor: Anchor | tuple[float, float, float] | None,
    heading: float,
    file_epsg: int | None,
) -> Georef:
    if isinstance(anchor, tuple):
        anchor = Anchor(*anchor, crs=src_crs if src_crs is not None else 5899, heading=heading)
    if anchor is not None:
        return Georef(anchor.crs, heights, anchor)
    crs = src_crs if src_crs is not None else file_epsg
    if crs is None:
        raise TilingError(
            "The coordinate system of the scan is not known.",
            hint="Declare it (e.g. --crs EPSG:5899), or give --anchor E,N,H for a local frame.",
        )
    return Georef(crs, heights)


def finish_output(
    tmp: Path, stats: TileStats, source: str, georef: Georef, heights: str, extra: dict[str, Any], t0: float
) -> None:
    """Validate a finished tileset directory (raise ValidationFailed), fill in its size and time,
    and write its scan.json (what was tiled, how it was placed, the statistics)."""
    problems = errors(validate_output(tmp))
    if problems:
        raise ValidationFailed(problems)
    stats.bytes = _dir_size(tmp)
    stats.seconds = round(time.monotonic() - t0, 3)
    meta = {
        "source": source,
        "crs": str(georef.zone.srs),
        "heights": heights,
        "anchor": None if georef.anchor is None else asdict(georef.anchor),
        "anchor_scale": georef.scale,
        **stats.to_dict(),
        **extra,
    }
    meta["tileset"] = "tileset.json"
    (tmp / "scan.json").write_text(json.dumps(meta, indent=1, default=str))


def _dir_size(d: Path) -> int:
    return sum(p.stat().st_size for p in d.rglob("*") if p.is_file())


def _publish(tmp: Path, out_dir: Path) -> None:
    """rename(2) is atomic; replacing an existing tileset swaps it out, then deletes the old one."""
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        os.rename(out_dir, old)
        os.rename(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out_dir)


def tile_scan(
    input_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    src_crs: int | str | None = None,
    heights: Literal["normal", "ellipsoidal"] = "normal",
    anchor: Anchor | tuple[float, float, float] | None = None,
    heading: float = 0.0,
    kind: Kind | None = None,
    compress: bool = True,
    progress: ProgressFn | None = None,
    octree: OctreeParams | None = None,
    mesh: MeshParams | None = None,
) -> TileStats:
    """Tile a laser scan (point cloud or mesh) into ``out_dir`` (tileset.json + tiles/).

    src_crs: EPSG code/string of the file's coordinates (4326, 5899, …); may be omitted for
    LAS/LAZ carrying a CRS; ``input_path`` may be a .zip holding one scan file (+ MTL/textures).
    heights: 'normal' (VN-2000 Hòn Dấu) or 'ellipsoidal' (WGS 84).
    anchor: for a local-frame scan, (E, N, H) of its origin in ``src_crs`` (default EPSG:5899)
    with ``heading`` (degrees clockwise from grid north to local +y), or an :class:`Anchor`.
    Raises TilingError with an actionable message; never leaves partial output in out_dir.
    """
    t0 = time.monotonic()
    src = Path(input_path)
    out = Path(out_dir)
    report: ProgressFn = progress or (lambda f, s: None)
    if not src.is_file():
        raise TilingError(f"Input file {str(src)!r} does not exist or is not a file.")
    if not os.access(src, os.R_OK):
        raise TilingError(f"Input file {src.name} cannot be read (permissions).")
    if src.stat().st_size == 0:
        raise TilingError(f"{src.name} is empty (0 bytes).")
    out.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    tmp = out.with_name(f".{out.name}.tmp-{tag}")
    work = out.with_name(f".{out.name}.work-{tag}")
    tmp.mkdir()
    try:
        if src.suffix.lower() == ".zip":
            report(0.0, "unpacking")
            src = _unpack(src, work / "unpacked")
        kind = kind or detect_kind(src)
        stats = TileStats(kind=kind, tileset=out / "tileset.json", tiles=0, compressed=False)
        part = lambda f, s: report(0.85 * f, s)  # noqa: E731 - the tiling share of the progress
        if kind == "pointcloud":
            source = CopcSource(src) if is_copc(src) else open_points(src)
            georef = make_georef(src_crs, heights, anchor, heading, source.epsg)
            extra: dict[str, Any] = {}
            if isinstance(source, CopcSource) and source.usable():  # its own octree, not re-sorted
                res = tile_copc(source, georef, tmp, params=octree, progress=part, compress=compress)
                extra["source_octree"] = "copc"
            else:
                res = tile_pointcloud(source, georef, tmp, work, params=octree, progress=part, compress=compress)
            stats.points, stats.compressed = res.points, compress
            extra["attributes"] = res.attributes
        elif kind == "splat":
            splat_source = SplatSource(src)
            georef = make_georef(src_crs, heights, anchor, heading, None)
            res = tile_splats(splat_source, georef, tmp, work, params=octree, progress=part, compress=compress)
            stats.splats, stats.compressed, stats.warnings = res.splats, compress, res.warnings
            extra = {"splat_compression": "spz" if compress else None}
        else:
            georef = make_georef(src_crs, heights, anchor, heading, None)
            report(0.0, "reading mesh")
            parts = load_mesh(src)
            res = tile_mesh(parts, georef, tmp, params=mesh, progress=lambda f, s: report(0.8 * f, s))
            stats.faces, stats.levels, stats.warnings = res.faces, res.levels, res.warnings
            extra = {"decimation": res.methods}
            if compress:
                report(0.8, "compressing (Draco)")
                nodetools.draco_compress(sorted((tmp / "tiles").glob("*.glb")))
                stats.compressed = True
        stats.tiles = res.tiles
        stats.origin = {"lon": res.frame.lon, "lat": res.frame.lat, "h": res.frame.h}
        stats.bbox = res.frame.lonlath_bounds(res.lo, res.hi)
        report(0.9, "validating")
        finish_output(tmp, stats, src.name, georef, heights, extra, t0)
        _publish(tmp, out)
        report(1.0, "done")
        return stats
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # no-op once published (renamed away)
        shutil.rmtree(work, ignore_errors=True)
