"""Downloads of features as CSV (UTF-8 with BOM, for Excel) and GeoPackage, in the CRS the features
were produced in (WGS 84 or VN-2000: coordinates are already converted by crsref).

CSV: points become two coordinate columns named after the CRS axes (lon/lat, lat/lon for EPSG:4326,
E/N for projected zones); other geometries a WKT column. GeoPackage: one layer written by GDAL
(pyogrio), with the CRS recorded in the file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyogrio.raw
import shapely
from shapely.geometry import shape

from crs import Zone

from ..csvfile import UTF8_BOM, csv_text
from . import crsref

CSV_TYPE = "text/csv; charset=utf-8"
GPKG_TYPE = "application/geopackage+sqlite3"


def axis_names(zone: Zone) -> tuple[str, str]:
    if zone.kind == "projected":
        return ("E", "N")
    return ("lat", "lon") if zone.lat_first else ("lon", "lat")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, (dict, bool)):
        return orjson.dumps(value).decode()
    return value


def _geometry(feature: dict) -> Any:
    return shape(feature["geometry"]) if feature.get("geometry") else None


def to_csv(features: list[dict], columns: list[str], zone: Zone) -> bytes:
    points = all((f.get("geometry") or {}).get("type") in (None, "Point") for f in features)
    a, b = axis_names(zone)
    digits = crsref.decimals(zone)

    def rows():
        yield ["id", *columns, *((a, b) if points else ("wkt",)), "crs"]
        for f in features:
            props = f.get("properties") or {}
            geometry = f.get("geometry")
            if points:
                coords = geometry["coordinates"] if geometry else ["", ""]
                where = [coords[0], coords[1]]
            else:
                where = [shapely.to_wkt(_geometry(f), rounding_precision=digits) if geometry else ""]
            yield [f.get("id"), *(_cell(props.get(c)) for c in columns), *where, zone.srs]

    return (UTF8_BOM + csv_text(rows())).encode("utf-8")


def _field_array(values: list[Any]) -> np.ndarray:
    """A column for GDAL: numbers as float64 (NaN = null), everything else as text (None = null)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return np.array([None if v is None else str(_cell(v)) for v in values], dtype=object)


def to_gpkg(features: list[dict], columns: list[str], zone: Zone, layer: str, geometry_type: str) -> bytes:
    return to_gpkg_layers([(layer, features, columns, geometry_type)], zone)


def to_gpkg_layers(layers: list[tuple[str, list[dict], list[str], str]], zone: Zone) -> bytes:
    """A GeoPackage with one layer per (name, features, columns, geometry type)."""
    with tempfile.TemporaryDirectory(prefix="heritage-gpkg-") as folder:
        path = Path(folder) / "export.gpkg"
        for i, (layer, features, columns, geometry_type) in enumerate(layers):
            _write_layer(path, layer, features, columns, zone, geometry_type, append=i > 0)
        return path.read_bytes()


def _write_layer(
    path: Path,
    layer: str,
    features: list[dict],
    columns: list[str],
    zone: Zone,
    geometry_type: str,
    append: bool,
) -> None:
    geoms = np.array([_geometry(f) for f in features], dtype=object)
    if geometry_type == "MultiPolygon":
        geoms = np.array(
            [shapely.MultiPolygon([g]) if g is not None and g.geom_type == "Polygon" else g for g in geoms],
            dtype=object,
        )
    if zone.lat_first:
        # GeoPackage stores x = longitude whatever the CRS's official axis order.
        geoms = shapely.transform(geoms, lambda xy: xy[:, ::-1])
    fields = ["feature_id", *columns]
    data = [_field_array([str(f.get("id")) for f in features])]
    data += [_field_array([(f.get("properties") or {}).get(c) for f in features]) for c in columns]
    wkb = np.array([None if g is None else shapely.to_wkb(g) for g in geoms], dtype=object)
    pyogrio.raw.write(
        str(path),
        wkb,
        data,
        fields,
        layer=layer,
        driver="GPKG",
        geometry_type=geometry_type,
        crs="EPSG:4326" if crsref.is_crs84(zone) else zone.srs,
        encoding="UTF-8",
        append=append,
        # GeoPackage 1.2: readable by older GDAL/QGIS too (1.4 is only "partially
        # supported" by GDAL 3.6 of Debian 12).
        dataset_options=None if append else {"VERSION": "1.2"},
    )
