"""Georeferencing of scans: source CRS or local frame + anchor → ECEF → site ENU frame.

Two ways a scan can be placed:

1. **Georeferenced**: coordinates are in a supported CRS (a VN-2000 TM-3/UTM zone, or
   WGS 84 lon/lat) with heights declared ``normal`` (VN-2000 Hòn Dấu) or ``ellipsoidal``.
2. **Local frame + anchor**: coordinates are metres in the scanner's/modeller's own frame
   (x right, y forward, z up) around a local origin, plus an :class:`Anchor` giving the
   VN-2000 easting/northing/height of that origin in a given zone and a heading.

Anchor convention (what a surveyor measures on site):
    ``heading`` is the azimuth of the local +y axis, in degrees **clockwise from grid north**
    (the zone's northing axis, not true north; the two differ by the meridian convergence,
    −0.12° at Vũng Tàu).  With θ = heading and s = the ground→grid scale factor::

        E = E0 + s·( x·cos θ + y·sin θ )
        N = N0 + s·(−x·sin θ + y·cos θ)
        H = H0 + z

    So heading 0 means local y = grid north and local x = grid east; heading 90 means local
    y points east.  ``s`` defaults to the combined grid scale factor at the anchor
    (≈ 0.99997 in BR-VT, 3 mm per 100 m), because scanners measure true ground distances
    while the grid is scaled; pass ``scale=1.0`` to add the local metres unchanged.

Every position then goes through ``crs.ecef.to_ecef`` (datum pinned to EPSG:6960, geoid
for normal heights) — never through a pyproj default — and finally into the site ENU
frame whose ENU→ECEF matrix becomes the root ``transform`` of the tileset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crs.ecef import enu_to_ecef_matrix, to_ecef
from crs.transform import transform
from crs.zones import Zone, as_zone

from .errors import TilingError
from .volumes import ecef_to_geodetic

# Vietnam with its islands (Hoàng Sa, Trường Sa), generously padded: a scan outside this
# box is almost certainly in the wrong CRS, swapped axes or a local frame.
VIETNAM_BOX = (100.0, 4.0, 119.0, 25.0)
HEIGHT_RANGE = (-1000.0, 4000.0)  # metres; Fansipan is 3143 m


@dataclass(frozen=True)
class Anchor:
    """Where the local origin of a scan is: VN-2000 (E, N, H) in ``crs`` and a heading."""

    easting: float
    northing: float
    height: float
    crs: int | str = 5899
    heading: float = 0.0  # degrees clockwise from grid north to the local +y axis
    scale: float | None = None  # ground→grid factor; None = computed at the anchor


def parse_anchor(text: str) -> tuple[float, float, float]:
    """'E,N,H' (commas or spaces) → floats, with a message a surveyor understands."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        vals = ()
    if len(vals) != 3 or not all(math.isfinite(v) for v in vals):
        raise TilingError(f"Anchor {text!r} is not 'E,N,H' (three numbers in metres, e.g. 426900,1144200,15).")
    return vals  # type: ignore[return-value]


def _zone(src: int | str | Zone) -> Zone:
    try:
        return as_zone(src)
    except ValueError as exc:
        raise TilingError(f"Unsupported coordinate system {src!r}: {exc}") from None


class Georef:
    """Maps input coordinates to ECEF (float64) for one scan."""

    def __init__(self, src_crs: int | str, heights: str, anchor: Anchor | None = None) -> None:
        if heights not in ("normal", "ellipsoidal"):
            raise TilingError(
                f"Heights must be 'normal' (VN-2000, Hòn Dấu) or 'ellipsoidal' (WGS 84), not {heights!r}."
            )
        self.heights = heights
        self.anchor = anchor
        self.zone = _zone(anchor.crs if anchor is not None else src_crs)
        self.scale = 1.0
        if anchor is not None:
            if self.zone.kind != "projected":
                raise TilingError(
                    f"An anchor must be given as easting/northing in a projected VN-2000 zone "
                    f"(e.g. EPSG:5899), not in {self.zone}."
                )
            self._check_projected(np.array([[anchor.easting, anchor.northing, anchor.height]]), "anchor")
            self.scale = anchor.scale if anchor.scale is not None else self._grid_scale()

    # -- local frame -------------------------------------------------------------------------
    def _grid_scale(self) -> float:
        """Grid metres per ground metre at the anchor (point scale × height reduction)."""
        a = self.anchor
        assert a is not None
        d = 50.0
        x, y, z = to_ecef(
            [a.easting - d, a.easting + d], [a.northing] * 2, [a.height] * 2, src=self.zone, heights=self.heights
        )
        ground = math.dist((x[0], y[0], z[0]), (x[1], y[1], z[1]))
        return 2 * d / ground

    def local_to_projected(self, xyz: np.ndarray) -> np.ndarray:
        """Local frame metres → (E, N, H) in the anchor's zone (see module docstring)."""
        a = self.anchor
        assert a is not None
        th = math.radians(a.heading)
        c, s = math.cos(th), math.sin(th)
        out = np.empty((len(xyz), 3), np.float64)
        out[:, 0] = a.easting + self.scale * (xyz[:, 0] * c + xyz[:, 1] * s)
        out[:, 1] = a.northing + self.scale * (-xyz[:, 0] * s + xyz[:, 1] * c)
        out[:, 2] = a.height + xyz[:, 2]
        return out

    # -- main entry --------------------------------------------------------------------------
    def to_ecef(self, xyz: np.ndarray) -> np.ndarray:
        """Source (or local) coordinates (N, 3) → ECEF (N, 3) float64 via crs.ecef.to_ecef."""
        xyz = np.asarray(xyz, np.float64)
        if self.anchor is not None:
            xyz = self.local_to_projected(xyz)
        try:
            x, y, z = to_ecef(xyz[:, 0], xyz[:, 1], xyz[:, 2], src=self.zone, heights=self.heights)
        except ValueError as exc:  # crs input errors (e.g. normal heights for ECEF input)
            raise TilingError(f"Coordinates cannot be converted from {self.zone}: {exc}") from None
        return np.column_stack([x, y, z])

    # -- plausibility ------------------------------------------------------------------------
    def check(self, lo: np.ndarray, hi: np.ndarray, what: str = "scan") -> None:
        """Raise TilingError if the coordinate range cannot be right for the declared CRS."""
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            raise TilingError(f"The {what} contains non-numeric or infinite coordinates.")
        if self.anchor is not None:
            ext = float(np.max(hi - lo))
            if ext > 20000 or np.max(np.abs(np.r_[lo, hi])) > 50000:
                raise TilingError(
                    f"Local coordinates span {lo.round(1).tolist()} … {hi.round(1).tolist()}, which is "
                    f"not a site-sized local frame (expected metres around the anchor).",
                    hint="If the file is already in VN-2000 or WGS 84, drop --anchor and give --crs.",
                )
            return
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
        if self.zone.kind == "projected":
            self._check_projected(corners, what)
        elif self.zone.kind == "geographic":
            self._check_geographic(corners, what)
        else:  # geocentric: must be near the Earth's surface
            r = np.linalg.norm(corners, axis=1)
            if np.any(r < 6.3e6) or np.any(r > 6.4e6):
                raise TilingError(f"The {what}'s coordinates are not ECEF metres near the Earth's surface.")

    def _check_projected(self, pts: np.ndarray, what: str) -> None:
        z = self.zone
        fe = z.false_easting or 500000.0
        e, n, h = pts[:, 0], pts[:, 1], pts[:, 2]
        # TM-3 zones are ±1.5° wide (±165 km); allow ±400 km before calling it implausible
        if np.any(np.abs(e - fe) > 400000) or np.any(n < 300000) or np.any(n > 2900000):
            raise TilingError(
                f"Coordinates of the {what} are not plausible for {z}: eastings {e.min():.1f}…{e.max():.1f} m, "
                f"northings {n.min():.1f}…{n.max():.1f} m; this zone expects eastings near {fe:.0f} "
                f"(±400 km) and northings 300 000…2 900 000 m in Vietnam.",
                hint="Check --crs (zone), or give --anchor if the file is in a local frame.",
            )
        lon, lat = transform(e, n, src=z, dst=4326)
        lon, lat = np.asarray(lon), np.asarray(lat)
        self._check_lonlat(lon, lat, what, f"in {z}")
        if not np.all(z.contains(lon, lat, margin=1.0)):
            w, s_, e_, n_ = z.bounds
            raise TilingError(
                f"The {what} in {z} falls at lon {lon.min():.3f}…{lon.max():.3f}, lat {lat.min():.3f}…"
                f"{lat.max():.3f}, more than 1° outside the area where this zone is used "
                f"({w}…{e_}°E, {s_}…{n_}°N).",
                hint="Check --crs: the file may be in another VN-2000 zone.",
            )
        self._check_heights(h, what)

    def _check_geographic(self, pts: np.ndarray, what: str) -> None:
        lon, lat, h = pts[:, 0], pts[:, 1], pts[:, 2]
        if self._inside_vietnam(lat, lon) and not self._inside_vietnam(lon, lat):
            raise TilingError(
                f"The {what} seems to have latitude and longitude swapped "
                f"(x {lon.min():.4f}, y {lat.min():.4f}); x must be the longitude."
            )
        if np.any(np.abs(lon) > 180) or np.any(np.abs(lat) > 90):
            raise TilingError(
                f"The {what} is declared as {self.zone} (degrees) but has x {lon.min():.1f}…{lon.max():.1f}, "
                f"y {lat.min():.1f}…{lat.max():.1f}: these look like metres.",
                hint="Give the VN-2000 zone (e.g. --crs EPSG:5899) or --anchor for a local frame.",
            )
        self._check_lonlat(lon, lat, what, f"as {self.zone}")
        self._check_heights(h, what)

    @staticmethod
    def _inside_vietnam(lon: np.ndarray, lat: np.ndarray) -> bool:
        w, s, e, n = VIETNAM_BOX
        return bool(np.all((lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)))

    def _check_lonlat(self, lon: np.ndarray, lat: np.ndarray, what: str, how: str) -> None:
        if not self._inside_vietnam(lon, lat):
            raise TilingError(
                f"The {what} {how} falls at lon {np.nanmin(lon):.4f}…{np.nanmax(lon):.4f}, "
                f"lat {np.nanmin(lat):.4f}…{np.nanmax(lat):.4f}, outside Vietnam.",
                hint="Check the declared coordinate system and the axis order (x = easting/longitude).",
            )

    def _check_heights(self, h: np.ndarray, what: str) -> None:
        if np.any(h < HEIGHT_RANGE[0]) or np.any(h > HEIGHT_RANGE[1]):
            raise TilingError(
                f"Heights of the {what} range {h.min():.1f}…{h.max():.1f} m, outside "
                f"{HEIGHT_RANGE[0]:.0f}…{HEIGHT_RANGE[1]:.0f} m; the z column may not be a height in metres."
            )


class SiteFrame:
    """Local ENU frame at a site origin; its matrix is the tileset root transform."""

    def __init__(self, origin_ecef: np.ndarray) -> None:
        lon, lat, h = ecef_to_geodetic(np.asarray(origin_ecef, float).reshape(1, 3))[0]
        self._place(float(lon), float(lat), float(h))

    @classmethod
    def at(cls, lon: float, lat: float, h: float) -> SiteFrame:
        """The frame at a WGS 84 point (exactly the frame whose lon/lat/h these are)."""
        frame = cls.__new__(cls)
        frame._place(lon, lat, h)
        return frame

    def _place(self, lon: float, lat: float, h: float) -> None:
        self.lon, self.lat, self.h = lon, lat, h
        self.matrix = enu_to_ecef_matrix(self.lon, self.lat, self.h)
        self.rot = self.matrix[:3, :3]
        self.origin = self.matrix[:3, 3].copy()

    def to_enu(self, ecef: np.ndarray) -> np.ndarray:
        """ECEF (N, 3) → ENU (N, 3); subtract first to keep precision."""
        # einsum, not @: a BLAS matrix product of (N, 3) by (3, 3) starts threads that compete
        # with the worker processes and was 7× slower here
        return np.einsum("ij,jk->ik", np.asarray(ecef, np.float64) - self.origin, self.rot)

    def to_ecef(self, enu: np.ndarray) -> np.ndarray:
        return np.einsum("ij,kj->ik", np.asarray(enu, np.float64), self.rot) + self.origin

    def transform_list(self) -> list[float]:
        """Column-major 16 numbers for ``tile.transform``."""
        return [float(v) for v in self.matrix.flatten(order="F")]

    def lonlath_bounds(self, lo: np.ndarray, hi: np.ndarray) -> dict[str, float]:
        """WGS 84 lon/lat/ellipsoidal-h bounds of an ENU box (from its 8 corners)."""
        c = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
        g = ecef_to_geodetic(self.to_ecef(c))
        return {
            "lon_min": float(g[:, 0].min()),
            "lat_min": float(g[:, 1].min()),
            "h_min": float(g[:, 2].min()),
            "lon_max": float(g[:, 0].max()),
            "lat_max": float(g[:, 1].max()),
            "h_max": float(g[:, 2].max()),
        }


def frame_for(georef: Georef, sample_xyz: np.ndarray) -> SiteFrame:
    """Site frame at the anchor, or at the centre-bottom of a sample of the data."""
    if georef.anchor is not None:
        pt = np.zeros((1, 3))
    else:
        lo, hi = sample_xyz.min(axis=0), sample_xyz.max(axis=0)
        pt = np.array([[(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]]])
    return SiteFrame(georef.to_ecef(pt)[0])
