"""A relic's position as the record shows it: WGS 84 and VN-2000 / TM-3 107-45 (EPSG:5899), the
latter converted through crs/ (EPSG:6960 pinned), with its status, source and accuracy."""

from __future__ import annotations

import logging
import math
from typing import Any

import crs

log = logging.getLogger("heritage.sites")
PROVINCIAL_ZONE = 5899  # VN-2000 / TM-3 107-45, Bà Rịa–Vũng Tàu


def vn2000(lon: float, lat: float) -> dict[str, Any] | None:
    """WGS 84 → VN-2000 / TM-3 107-45; None when crs/ cannot transform (the page then shows "—")."""
    try:
        easting, northing = (float(v) for v in crs.transform(lon, lat, src=4326, dst=PROVINCIAL_ZONE))
    except Exception:  # crs/ raises its own errors (missing grids, unsupported zone …)
        log.warning("VN-2000 conversion failed for %s,%s", lon, lat, exc_info=True)
        return None
    if not (math.isfinite(easting) and math.isfinite(northing)):
        return None
    return {"epsg": PROVINCIAL_ZONE, "name": "VN-2000 / TM-3 107-45", "e": round(easting, 3), "n": round(northing, 3)}


def position_of(feature: dict[str, Any]) -> dict[str, Any]:
    props = feature.get("properties") or {}
    geometry = feature.get("geometry")
    out: dict[str, Any] = {
        "id": feature.get("id"),
        "location_status": props.get("location_status"),
        "source": props.get("location_source"),
        "accuracy_m": props.get("location_accuracy_m"),
        "wgs84": None,
        "vn2000": None,
    }
    if geometry and geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"][:2]
        out["wgs84"] = {"epsg": 4326, "lon": lon, "lat": lat}
        out["vn2000"] = vn2000(lon, lat)
    return out
