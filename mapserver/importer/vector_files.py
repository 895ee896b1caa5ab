"""Reading planners' vector files: GeoJSON, GeoPackage, Shapefile (zipped) and DXF, in VN-2000 or
WGS 84, into WGS 84 shapely geometries with their attributes (GDAL through pyogrio).

The CRS is never guessed: it is the one given by the user, or the one the file declares; a file
that declares none (DXF, a Shapefile without .prj) needs one given. GeoJSON without a ``crs``
member is WGS 84 lon/lat (RFC 7946). A given CRS that contradicts the file's declared one is an
error. All vertices of the file are converted in one vectorised call through crs/ (EPSG:6960).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from shapely.geometry.base import BaseGeometry

import crs
from crs import Zone

from ..geo import crsref
from ..geo.extent import VIETNAM
from ..web.uploads import ArchiveLimits, ArchiveRejected, Unpacker, open_archive

SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp", ".dxf")
MAX_FEATURES = 10_000
MAX_VERTICES = 1_000_000
# A 2D vertex takes 16 bytes of WKB, and a part's header 9: geometry this large cannot be within
# MAX_VERTICES (even as points of a multipoint, 21 bytes each), so it is refused unparsed.
MAX_WKB_BYTES = 32 * MAX_VERTICES
# Shapefile parts compress well (a .dbf of blank text fields some 50:1), but never 500:1; the total
# bounds what GDAL may read from a 64 MiB upload.
ZIP_LIMITS = ArchiveLimits(members=100, unpacked_bytes=128 * 1024**2, ratio=500)


class VectorFileError(ValueError):
    """The file as a whole cannot be read (format, CRS); the message is safe to show."""


@dataclass
class Feature:
    number: int  # 1-based position in the file, as users count
    geometry: BaseGeometry | None  # WGS 84 lon/lat
    attributes: dict[str, Any]
    problems: list[str] = field(default_factory=list)


@dataclass
class VectorFile:
    features: list[Feature]
    zone: Zone  # the CRS the coordinates were read in


@contextmanager
def _dataset(path: Path) -> Iterator[str]:
    """A path GDAL can open. A zipped Shapefile is checked from its declarations (entries, unpacked
    size, compression ratios) and its Shapefile's parts unpacked against a budget of real bytes
    into a private folder, so that GDAL never inflates more than the limits allow."""
    if path.suffix.lower() != ".zip":
        yield str(path)
        return
    try:
        archive, members = open_archive(path, ZIP_LIMITS)
    except ArchiveRejected as exc:
        raise VectorFileError(str(exc)) from None
    with archive, tempfile.TemporaryDirectory(prefix="heritage-shp-") as folder:
        shapefiles = [
            PurePosixPath(m.filename)
            for m in members
            if m.filename.lower().endswith(".shp") and not m.filename.startswith("__MACOSX")
        ]
        if len(shapefiles) != 1:
            raise VectorFileError("the zip archive must hold exactly one .shp file (with its .shx, .dbf, .prj)")
        shp = shapefiles[0]
        # Only the Shapefile's own parts (same folder and name: .shx, .dbf, .prj, .cpg …) are unpacked.
        unpacker = Unpacker(archive, ZIP_LIMITS)
        for member in members:
            name = PurePosixPath(member.filename)
            if name.parent == shp.parent and name.name.lower().startswith(shp.stem.lower() + "."):
                try:
                    unpacker.write(member, Path(folder) / name.name)
                except ArchiveRejected as exc:
                    raise VectorFileError(str(exc)) from None
        yield str(Path(folder) / shp.name)


def _declared_zone(crs_text: str | None) -> Zone | None:
    if not crs_text:
        return None
    match = re.fullmatch(r"EPSG:(\d+)", crs_text.strip())
    if match is None:
        # A .prj without an EPSG code: pyproj may still recognise it.
        try:
            from pyproj import CRS
            from pyproj.exceptions import CRSError

            code = CRS.from_user_input(crs_text).to_epsg(min_confidence=90)
        except CRSError:
            code = None
        if code is None:
            raise VectorFileError("the file's CRS is not an EPSG one; give the CRS explicitly (--crs EPSG:5899)")
        match_code = code
    else:
        match_code = int(match.group(1))
    try:
        return crs.zone_for_epsg(match_code)
    except crs.UnsupportedCRS:
        raise VectorFileError(
            f"the file is in EPSG:{match_code}, which is not supported; use VN-2000 (e.g. EPSG:5899) or WGS 84"
        ) from None


def _given_zone(crs_text: str | None) -> Zone | None:
    if crs_text is None or crs_text.strip() == "":
        return None
    try:
        zone = crs.parse_crs(crs_text)
    except crs.UnsupportedCRS as exc:
        raise VectorFileError(str(exc)) from None
    if zone not in crsref.supported_zones():
        raise VectorFileError(f"{zone.srs} is not a 2D CRS of the product")
    return zone


def _closed_lines_as_polygons(geometry: BaseGeometry) -> BaseGeometry:
    """CAD drawings (DXF) carry boundaries as closed polylines: read those as polygons."""
    if geometry.geom_type == "LineString" and geometry.is_closed and len(geometry.coords) >= 4:
        return shapely.Polygon(geometry.coords)
    if geometry.geom_type == "MultiLineString" and all(g.is_closed for g in geometry.geoms):
        return shapely.MultiPolygon([shapely.Polygon(g.coords) for g in geometry.geoms])
    return geometry


def read_vector_file(path: Path, crs_text: str | None = None) -> VectorFile:
    """Every feature of the file's first layer in WGS 84, with per-feature problems noted (the
    caller decides: the zone import rejects the whole file if any feature has a problem)."""
    if path.suffix.lower() not in SUFFIXES:
        raise VectorFileError(
            f"file type '{path.suffix[:10]}' is not accepted: use GeoJSON, GeoPackage, a zipped Shapefile or DXF"
        )
    with _dataset(path) as source:
        meta, wkb, values = _read_layer(source)
    is_dxf = path.suffix.lower() == ".dxf"
    declared = None if is_dxf else _declared_zone(meta.get("crs"))
    given = _given_zone(crs_text)
    if (
        given
        and declared
        and given.epsg != declared.epsg
        and not {given.srs, declared.srs} <= {"EPSG:4326", "OGC:CRS84"}
    ):
        raise VectorFileError(f"the file declares {declared.srs} but {given.srs} was given")
    if path.suffix.lower() in (".geojson", ".json") and declared is None:
        declared = crs.parse_crs("OGC:CRS84")  # RFC 7946
    zone = given or declared
    if zone is None:
        raise VectorFileError(
            "the file does not say its CRS: give it (e.g. --crs EPSG:5899 for VN-2000 / TM-3 107-45, or EPSG:4326)"
        )
    if zone.epsg == 4326:
        zone = crs.parse_crs("OGC:CRS84")  # GDAL gives x = longitude whatever the EPSG axis order

    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object)) if len(wkb) else np.empty(0, dtype=object)
    if shapely.get_num_coordinates(geoms).sum() > MAX_VERTICES:
        raise VectorFileError(f"the file has more than {MAX_VERTICES} vertices")
    geoms = _to_wgs84(geoms, zone)
    names = list(meta["fields"])
    features = []
    for i, geom in enumerate(geoms):
        attributes = {name: _plain(column[i]) for name, column in zip(names, values)}
        feature = Feature(i + 1, geom, attributes)
        if geom is None or geom.is_empty:
            feature.problems.append("no geometry")
            feature.geometry = None
        else:
            if is_dxf:
                feature.geometry = _closed_lines_as_polygons(geom)
            if not np.isfinite(shapely.get_coordinates(feature.geometry)).all():
                feature.problems.append(f"coordinates cannot be converted from {zone.srs}")
            elif not VIETNAM.contains(feature.geometry):
                feature.problems.append(f"lies outside Vietnam once read in {zone.srs} (wrong CRS or swapped axes?)")
        features.append(feature)
    return VectorFile(features, zone)


def _read_layer(source: str) -> tuple[dict, Any, list]:
    """The first layer's metadata, WKB and attribute columns, refusing too many features from the
    layer's count before any geometry is read, and too much geometry before it is parsed."""
    try:
        info = pyogrio.read_info(source, force_feature_count=True)
        if info["features"] > MAX_FEATURES:
            raise VectorFileError(f"the file has more than {MAX_FEATURES} features")
        # The bound holds even when the driver miscounts.
        meta, _, wkb, values = pyogrio.raw.read(source, force_2d=True, max_features=MAX_FEATURES + 1)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError):
        raise VectorFileError("the file cannot be read as GeoJSON, GeoPackage, Shapefile or DXF") from None
    if len(wkb) > MAX_FEATURES:
        raise VectorFileError(f"the file has more than {MAX_FEATURES} features")
    if sum(len(g) for g in wkb if g is not None) > MAX_WKB_BYTES:
        raise VectorFileError(f"the file has more than {MAX_VERTICES} vertices")
    return meta, wkb, values


def _to_wgs84(geoms: np.ndarray, zone: Zone) -> np.ndarray:
    coords = shapely.get_coordinates(geoms)
    if coords.size == 0 or crsref.is_crs84(zone):
        return geoms
    with np.errstate(invalid="ignore", over="ignore"):
        lon, lat = crs.to_wgs84(coords[:, 0], coords[:, 1], zone)
    return shapely.set_coordinates(geoms.copy(), np.column_stack([lon, lat]))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
