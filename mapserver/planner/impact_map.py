"""The map image of the impact report: an SVG drawn from the footprint, its buffer and the hits,
in a local equirectangular frame (metres around the centre — true enough at project scale), with
a scale bar and north arrow. Texts are XML-escaped; the SVG holds no script and no external link."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8
WIDTH, HEIGHT = 760, 520
RANK_COLOURS = {"special_national": "#9c1c1c", "national": "#c2410c", "provincial": "#1559a8", "inventoried": "#55606e"}
ZONE_STYLE = {"I": ("#c2410c", 0.35), "II": ("#e0a100", 0.2)}


class LocalFrame:
    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = lon0, lat0
        self.kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
        self.ky = math.radians(1) * EARTH_RADIUS_M

    def to_metres(self, geometry: BaseGeometry) -> BaseGeometry:
        scale = np.array([self.kx, self.ky])
        origin = np.array([self.lon0, self.lat0])
        return shapely.transform(geometry, lambda xy: (xy - origin) * scale)


def _path(geometry: BaseGeometry, to_px) -> str:
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        rings = [polygon.exterior, *polygon.interiors] if polygon.geom_type == "Polygon" else [polygon]
        for ring in rings:
            points = [to_px(x, y) for x, y in ring.coords]
            if points:
                parts.append("M" + " L".join(f"{px:.1f},{py:.1f}" for px, py in points) + " Z")
    return " ".join(parts)


def _scale_bar(metres_per_px: float) -> str:
    target = metres_per_px * WIDTH / 5
    step = 10 ** math.floor(math.log10(target))
    length = max(s for s in (step, 2 * step, 5 * step) if s <= target) if target >= step else step
    px = length / metres_per_px
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    x0, y0 = 20, HEIGHT - 24
    return (
        f'<g class="scale"><rect x="{x0}" y="{y0}" width="{px:.1f}" height="6" fill="#1d2430"/>'
        f'<text x="{x0}" y="{y0 - 6}" font-size="13">{escape(label)}</text></g>'
    )


def impact_svg(footprint: BaseGeometry, buffer_m: float, hits: list[dict], boundary: BaseGeometry | None = None) -> str:
    """SVG of the footprint (WGS 84) with its buffer, affected zones and relics, and the boundary."""
    centre = footprint.centroid
    frame = LocalFrame(centre.x, centre.y)
    local_footprint = frame.to_metres(footprint)
    local_buffer = local_footprint.buffer(buffer_m) if buffer_m > 0 else local_footprint
    shapes = [local_buffer] + [frame.to_metres(h["geometry"]) for h in hits if h.get("geometry") is not None]
    min_x, min_y, max_x, max_y = shapely.GeometryCollection(shapes).bounds
    pad = max(max_x - min_x, max_y - min_y, 50.0) * 0.12
    min_x, min_y, max_x, max_y = min_x - pad, min_y - pad, max_x + pad, max_y + pad
    metres_per_px = max((max_x - min_x) / WIDTH, (max_y - min_y) / HEIGHT)
    cx, cy = (min_x + max_x) / 2, (min_y + max_y) / 2

    def to_px(x: float, y: float) -> tuple[float, float]:
        return WIDTH / 2 + (x - cx) / metres_per_px, HEIGHT / 2 - (y - cy) / metres_per_px

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-label="Bản đồ tác động / Impact map" class="impact-map" font-family="sans-serif" '
        f'style="max-width:{WIDTH}px;background:#eef3f7;border:1px solid #d8dde4">'
    ]
    if boundary is not None:
        out.append(
            f'<path d="{_path(frame.to_metres(boundary), to_px)}" fill="#f7f4ea" stroke="#8a7a55" '
            f'stroke-width="1.2" fill-rule="evenodd"/>'
        )
    for hit in hits:
        props, geometry = hit["properties"], hit.get("geometry")
        if props["kind"] == "protection_zone" and geometry is not None:
            colour, opacity = ZONE_STYLE.get(props.get("zone") or "", ("#888", 0.2))
            out.append(
                f'<path d="{_path(frame.to_metres(geometry), to_px)}" fill="{colour}" '
                f'fill-opacity="{opacity}" stroke="{colour}" stroke-width="1.5"><title>'
                f"{escape(props['name_vi'] or '')} — vùng {escape(props.get('zone') or '')}</title></path>"
            )
    if buffer_m > 0:
        out.append(
            f'<path d="{_path(local_buffer, to_px)}" fill="none" stroke="#0b5cad" '
            f'stroke-dasharray="6 4" stroke-width="1.5"/>'
        )
    out.append(
        f'<path d="{_path(local_footprint, to_px)}" fill="#0b5cad" fill-opacity="0.25" '
        f'stroke="#0b5cad" stroke-width="2"/>'
    )
    for hit in hits:
        props, geometry = hit["properties"], hit.get("geometry")
        if props["kind"] == "relic" and geometry is not None:
            point = frame.to_metres(geometry)
            px, py = to_px(point.x, point.y)
            colour = RANK_COLOURS.get(props.get("rank") or "", "#55606e")
            out.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="6" fill="{colour}" stroke="#fff" stroke-width="2"/>'
                f'<text x="{px + 9:.1f}" y="{py + 4:.1f}" font-size="13" paint-order="stroke" '
                f'stroke="#fff" stroke-width="3">{escape(props["name_vi"] or props["site_id"])}</text>'
            )
    out.append(_scale_bar(metres_per_px))
    out.append(
        f'<g class="north" transform="translate({WIDTH - 30},40)"><path d="M0,-18 L7,6 L0,1 L-7,6 Z" '
        f'fill="#1d2430"/><text x="-5" y="22" font-size="13">B</text></g>'
    )
    out.append("</svg>")
    return "".join(out)
