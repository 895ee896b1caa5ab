"""Heights (EGM96 from Debian proj-data), ECEF and East-North-Up frames."""

from __future__ import annotations

import numpy as np
import pytest
from pygeodesy.datums import Datums
from pygeodesy.ecef import EcefKarney
from pyproj import Transformer

import crs
from crs import GeoidUnavailable, ecef_to_enu, enu_to_ecef, enu_to_ecef_matrix, from_ecef, to_ecef
from crs.heights import GEOID_ENV

VUNG_TAU = (107.084, 10.346)
# Fixture anchor of shared/notes/3d-tiles-and-vn2000.md §6.
ANCHOR_VN = (426900.0, 1144200.0, 15.0)
ANCHOR_WGS = (107.084278395, 10.345995457, 13.181)


def test_egm96_undulation_check_values() -> None:
    assert float(crs.geoid_undulation(*VUNG_TAU)) == pytest.approx(-1.819, abs=0.01)
    assert float(crs.geoid_undulation(0.0, 0.0)) == pytest.approx(17.16, abs=0.01)  # EGM96 at (0, 0)


def test_normal_ellipsoidal_round_trip_vectorised() -> None:
    lon = np.linspace(106.9, 107.6, 1000)
    lat = np.linspace(10.3, 10.8, 1000)
    H = np.linspace(0, 500, 1000)
    h = crs.normal_to_ellipsoidal(lon, lat, H)
    assert np.allclose(h - H, crs.geoid_undulation(lon, lat), atol=1e-9)
    assert np.abs(crs.ellipsoidal_to_normal(lon, lat, h) - H).max() < 1e-9
    assert float(crs.normal_to_ellipsoidal(*VUNG_TAU, 10.0)) == pytest.approx(10.0 - 1.819, abs=0.01)


def test_missing_grid_raises_never_zero(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(GEOID_ENV, str(tmp_path / "nope.gtx"))
    with pytest.raises(GeoidUnavailable, match="apt-get install proj-data") as info:
        crs.geoid_undulation(*VUNG_TAU)
    assert GEOID_ENV in str(info.value)
    with pytest.raises(GeoidUnavailable):
        to_ecef(*ANCHOR_VN, src=5899, heights="normal")


def test_grid_path_override(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    copy = tmp_path / "my geoid.gtx"  # a space in the path on purpose
    copy.write_bytes(open("/usr/share/proj/egm96_15.gtx", "rb").read())
    monkeypatch.setenv(GEOID_ENV, str(copy))
    assert crs.geoid_grid_path() == str(copy)
    assert float(crs.geoid_undulation(*VUNG_TAU)) == pytest.approx(-1.819, abs=0.01)


def test_not_a_geoid_grid_is_rejected(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    bad = tmp_path / "bad.gtx"
    bad.write_bytes(b"not a grid")
    monkeypatch.setenv(GEOID_ENV, str(bad))
    with pytest.raises(GeoidUnavailable):
        crs.geoid_undulation(*VUNG_TAU)


def test_pyproj_ballpark_trap_is_avoided() -> None:
    # pyproj's CRS route silently uses N = 0 here (no grid on its search path); ours does not.
    t = Transformer.from_crs("EPSG:4326+5773", "EPSG:4979", always_xy=True)
    _, _, h = t.transform(*VUNG_TAU, 0.0)
    if "ballpark" in t.description:
        assert h == 0.0
    assert abs(float(crs.normal_to_ellipsoidal(*VUNG_TAU, 0.0))) > 1.5


def test_to_ecef_fixture_anchor_normal_heights() -> None:
    X, Y, Z = to_ecef(*ANCHOR_VN, src="EPSG:5899", heights="normal")
    lon, lat, h = crs.ecef_to_geodetic(X, Y, Z)
    # The notes' anchor was computed with the datum step at height 0; at the anchor's own height
    # (h_VN-2000 ≈ 13 m) the Helmert moves it by 0.46 mm (≈ 4e-9°): within 1e-8° (1.1 mm), and
    # checked to 0.01 mm against the independent Helmert in test_crs_independent.
    assert float(lon) == pytest.approx(ANCHOR_WGS[0], abs=1e-8)
    assert float(lat) == pytest.approx(ANCHOR_WGS[1], abs=1e-8)
    assert float(h) == pytest.approx(ANCHOR_WGS[2], abs=0.001)
    # Ellipsoidal input skips the geoid: the two differ by N along the normal.
    X2, Y2, Z2 = to_ecef(*ANCHOR_VN, src=5899, heights="ellipsoidal")
    assert float(np.linalg.norm([X - X2, Y - Y2, Z - Z2])) == pytest.approx(1.819, abs=0.01)


def test_geodetic_to_ecef_matches_pygeodesy() -> None:
    ecef = EcefKarney(Datums.WGS84.ellipsoid)
    for lon, lat, h in [(107.08, 10.35, 13.0), (105.85, 21.03, -28.0), (106.6, 8.68, 500.0)]:
        ref = ecef.forward(lat, lon, h)
        X, Y, Z = crs.geodetic_to_ecef(lon, lat, h)
        assert np.linalg.norm([float(X) - ref.x, float(Y) - ref.y, float(Z) - ref.z]) < 1e-6


def test_from_ecef_round_trip() -> None:
    rng = np.random.default_rng(3)
    E = rng.uniform(400_000, 460_000, 1000)
    N = rng.uniform(1_140_000, 1_200_000, 1000)
    H = rng.uniform(-5, 500, 1000)
    X, Y, Z = to_ecef(E, N, H, src=5899, heights="normal")
    E2, N2, H2 = from_ecef(X, Y, Z, dst=5899, heights="normal")
    assert np.hypot(E - E2, N - N2).max() < 1e-4 and np.abs(H - H2).max() < 1e-4
    # crs.transform reads a VN-2000 z as a normal height unless told otherwise: the same ECEF.
    X3, Y3, Z3 = crs.transform(E, N, H, src=5899, dst=4978)
    assert np.abs(np.array([X - X3, Y - Y3, Z - Z3])).max() < 1e-6
    # Through WGS 84 ellipsoidal heights and back: the same point.
    lon, lat, h = crs.transform(E, N, H, src=5899, dst=4326, out_heights="ellipsoidal")
    X4, Y4, Z4 = crs.transform(lon, lat, h, src=4326, dst=4978, heights="ellipsoidal")
    assert np.abs(np.array([X - X4, Y - Y4, Z - Z4])).max() < 1e-6


def test_to_ecef_argument_checks() -> None:
    with pytest.raises(ValueError, match="heights must be"):
        to_ecef(1.0, 2.0, 3.0, src=5899, heights="orthometric")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no normal height"):
        to_ecef(1.0, 2.0, 3.0, src=4978, heights="normal")
    X, Y, Z = to_ecef([1.0, 2.0], 2.0, 3.0, src=4978, heights="ellipsoidal")
    assert X.shape == Y.shape == Z.shape == (2,)


def test_enu_matrix_is_orthonormal_and_placed_at_origin() -> None:
    lon, lat, h = ANCHOR_WGS
    m = enu_to_ecef_matrix(lon, lat, h)
    r = m[:3, :3]
    assert m.shape == (4, 4) and np.allclose(m[3], [0, 0, 0, 1])
    assert np.allclose(r.T @ r, np.eye(3), atol=1e-12) and np.linalg.det(r) == pytest.approx(1.0)
    assert np.allclose(m[:3, 3], [float(c) for c in crs.geodetic_to_ecef(lon, lat, h)], atol=1e-6)
    # Up is the ellipsoid normal: 100 m up changes only h; east/north are horizontal.
    up = m @ np.array([0, 0, 100.0, 1])
    assert float(crs.ecef_to_geodetic(*up[:3])[2]) == pytest.approx(h + 100, abs=1e-6)
    east = m @ np.array([100.0, 0, 0, 1])
    lon_e, lat_e, _ = crs.ecef_to_geodetic(*east[:3])
    assert float(lon_e) > lon and float(lat_e) == pytest.approx(lat, abs=1e-8)
    assert len(m.flatten(order="F").tolist()) == 16  # 3D Tiles transform layout


def test_ecef_to_enu_origin_is_zero_and_matches_proj_topocentric() -> None:
    lon, lat, h = ANCHOR_WGS
    origin = crs.geodetic_to_ecef(lon, lat, h)
    e, n, u = ecef_to_enu(*origin, lon, lat, h)
    assert max(abs(float(e)), abs(float(n)), abs(float(u))) < 1e-6
    rng = np.random.default_rng(5)
    X = float(origin[0]) + rng.uniform(-500, 500, 200)
    Y = float(origin[1]) + rng.uniform(-500, 500, 200)
    Z = float(origin[2]) + rng.uniform(-500, 500, 200)
    e, n, u = ecef_to_enu(X, Y, Z, lon, lat, h)
    topo = Transformer.from_pipeline(
        f"+proj=topocentric +ellps=WGS84 +lon_0={lon} +lat_0={lat} +h_0={h}"
    )  # independent (PROJ)
    te, tn, tu = topo.transform(X, Y, Z)
    assert np.abs(np.array([e - te, n - tn, u - tu])).max() < 1e-6
    X2, Y2, Z2 = enu_to_ecef(e, n, u, lon, lat, h)
    assert np.abs(np.array([X - X2, Y - Y2, Z - Z2])).max() < 1e-6
    m = enu_to_ecef_matrix(lon, lat, h)
    P = m @ np.vstack([e, n, u, np.ones_like(e)])
    assert np.abs(P[:3] - np.vstack([X, Y, Z])).max() < 1e-6


def test_vn2000_grid_is_not_enu() -> None:
    # Meridian convergence at Vũng Tàu is -0.1196° (west of the 107°45′ central meridian): grid north
    # points 0.12° west of true north, so (E - E0, N - N0) is not ENU (notes §1).
    lon, lat, h = ANCHOR_WGS
    X, Y, Z = to_ecef(
        [ANCHOR_VN[0], ANCHOR_VN[0]], [ANCHOR_VN[1], ANCHOR_VN[1] + 100], [15.0, 15.0], src=5899, heights="normal"
    )
    e, n, _ = ecef_to_enu(X, Y, Z, lon, lat, h)
    angle = np.degrees(np.arctan2(e[1] - e[0], n[1] - n[0]))
    assert angle == pytest.approx(-0.1196, abs=0.002)
