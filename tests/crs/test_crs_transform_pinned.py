"""crs.transform: EPSG:6960 pinning, published check values, round trips, shapes, threads.

Regression guard: pyproj's default ``from_crs`` uses EPSG:5194 west of ~107.11°E (0.8 m off);
these tests fail if any VN-2000 <-> WGS 84 path stops going through EPSG:6960.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from pyproj import Transformer
from pyproj.transformer import TransformerGroup

import crs
from crs import PinnedOperationUnavailable, all_zones, pipeline_definition, transform
from crs.pipeline import HELMERT_STEP, check_operation

VN_ZONES = [z for z in all_zones() if z.datum == "VN2000"]
WGS_ZONES = ["EPSG:4326", "OGC:CRS84", "EPSG:4979", "EPSG:4978"]
# West of 107.11°E (where the default picks EPSG:5194): Vũng Tàu, Bà Rịa, Long Hải, Côn Đảo.
WEST = np.array([[107.0843, 10.3460], [107.1683, 10.4960], [107.05, 10.40], [106.6060, 8.6840], [107.0, 10.7]])


def _metres(lon1, lat1, lon2, lat2):
    return np.hypot((lon1 - lon2) * 111_320 * np.cos(np.radians(lat1)), (lat1 - lat2) * 110_574)


def _pinned_from_group(src: str, dst: str) -> Transformer:
    """EPSG:6960 picked from PROJ's own candidate list: independent of our pipeline strings."""
    return next(
        t for t in TransformerGroup(src, dst, always_xy=True).transformers if "VN-2000 to WGS 84 (2)" in t.description
    )


def test_check_value_from_notes() -> None:
    e, n = transform(107.0843, 10.3460, src="EPSG:4326", dst="EPSG:5899")
    assert float(e) == pytest.approx(426902.367, abs=0.001)
    assert float(n) == pytest.approx(1144200.498, abs=0.001)
    # pyproj's default operation gives 426901.566 / 1144200.451: we must NOT be that.
    default = Transformer.from_crs(4326, 5899, always_xy=True).transform(107.0843, 10.3460)
    assert default[0] == pytest.approx(426901.566, abs=0.002)
    assert abs(float(e) - default[0]) > 0.7


def test_published_pair_decision_252_qd_chhvn_2014() -> None:
    # VN-2000 10°20′46″N 107°03′00″E <-> WGS 84 10°20′43″N 107°03′07″E, both rounded to 1″.
    # Both sides carry ±0.5″ rounding, so our output must be within 1.0″ of the published value.
    vn = (107 + 3 / 60, 10 + 20 / 60 + 46 / 3600)
    wgs = (107 + 3 / 60 + 7 / 3600, 10 + 20 / 60 + 43 / 3600)
    lon, lat = transform(*vn, src=4756, dst=4326)
    assert abs(float(lon) - wgs[0]) * 3600 <= 1.0 and abs(float(lat) - wgs[1]) * 3600 <= 1.0
    lon, lat = transform(*wgs, src=4326, dst=4756)
    assert abs(float(lon) - vn[0]) * 3600 <= 1.0 and abs(float(lat) - vn[1]) * 3600 <= 1.0
    # Discriminates: ignoring the datum shift would be 3″ / 7″ away.
    assert abs(vn[0] - wgs[0]) * 3600 > 6 and abs(vn[1] - wgs[1]) * 3600 > 2.5


@pytest.mark.parametrize("zone", VN_ZONES, ids=lambda z: z.srs)
@pytest.mark.parametrize("wgs", WGS_ZONES)
def test_every_vn2000_wgs84_pipeline_is_pinned(zone, wgs: str) -> None:
    for src, dst in ((zone, wgs), (wgs, zone)):
        definition = pipeline_definition(src, dst)
        assert definition is not None and HELMERT_STEP in definition
        for value in (
            "-191.90441429",
            "-39.30318279",
            "-111.45032835",
            "-0.00928836",
            "0.01975479",
            "-0.00427372",
            "0.252906278",
            "+convention=coordinate_frame",
        ):
            assert value in definition
        assert "-192.873" not in definition  # EPSG:5194's tx
        live = crs.pinned_transformer(src, dst).definition  # what PROJ actually instantiated
        assert "x=-191.90441429" in live and "rz=-0.00427372" in live and "convention=coordinate_frame" in live


def test_same_datum_pipelines_have_no_helmert() -> None:
    assert "helmert" not in pipeline_definition(5899, 9210)
    assert "helmert" not in pipeline_definition(4756, 3405)
    assert pipeline_definition(4326, 4979) is None
    assert pipeline_definition(4326, "OGC:CRS84") is None


# default_is_5194: pyproj's default picks EPSG:5194 there (the zone's area overlaps 5194's box).
@pytest.mark.parametrize(
    "code, default_is_5194", [(5899, True), (9210, True), (3405, True), (4756, True), (9214, False)]
)
def test_matches_proj_6960_west_of_107_11(code: int, default_is_5194: bool) -> None:
    pinned = _pinned_from_group("EPSG:4326", f"EPSG:{code}")
    default = Transformer.from_crs("EPSG:4326", f"EPSG:{code}", always_xy=True)
    x, y = transform(WEST[:, 0], WEST[:, 1], src=4326, dst=code)
    px, py = pinned.transform(WEST[:, 0], WEST[:, 1])
    dx, dy = default.transform(WEST[:, 0], WEST[:, 1])
    if code == 4756:  # degrees -> metres
        scale = np.array([111_320 * np.cos(np.radians(WEST[:, 1])), np.full(len(WEST), 110_574.0)])
    else:
        scale = np.ones((2, len(WEST)))
    ours_vs_pinned = np.hypot((x - px) * scale[0], (y - py) * scale[1])
    ours_vs_default = np.hypot((x - dx) * scale[0], (y - dy) * scale[1])
    assert ours_vs_pinned.max() < 1e-5
    # Inside EPSG:5194's box (104.24–107.11°E, 9.35–11.04°N) the default is ~0.8 m away.
    in_5194 = (WEST[:, 0] < 107.11) & (WEST[:, 1] > 9.35) & (WEST[:, 1] < 11.04)
    if default_is_5194:
        assert ours_vs_default[in_5194].min() > 0.5


def test_reverse_direction_is_exact_inverse_and_close_to_proj() -> None:
    # WGS 84 -> VN-2000 is PROJ's EPSG:6960 op; VN-2000 -> WGS 84 is its exact inverse. PROJ's own
    # VN-2000 -> WGS 84 starts from h_VN2000 = 0 instead, so its round trip drifts (see crs.pipeline).
    pinned_back = _pinned_from_group("EPSG:5899", "EPSG:4326")
    e, n = transform(WEST[:, 0], WEST[:, 1], src=4326, dst=5899)
    lon, lat = transform(e, n, src=5899, dst=4326)
    plon, plat = pinned_back.transform(e, n)
    assert _metres(lon, lat, WEST[:, 0], WEST[:, 1]).max() < 1e-6
    assert _metres(lon, lat, plon, plat).max() < 1e-4  # BR-VT incl. Côn Đảo: < 0.1 mm from PROJ
    # Hà Nội (EPSG:5897): PROJ's two directions disagree by > 0.2 mm; ours close exactly.
    hn = (105.85, 21.03)
    pinned_fwd = _pinned_from_group("EPSG:4326", "EPSG:5897")
    proj_back = _pinned_from_group("EPSG:5897", "EPSG:4326").transform(*pinned_fwd.transform(*hn))
    assert _metres(*proj_back, *hn) > 2e-4
    ours_back = transform(*transform(*hn, src=4326, dst=5897), src=5897, dst=4326)
    assert float(_metres(*ours_back, *hn)) < 1e-6


def test_pinned_operation_is_verified_against_database() -> None:
    check_operation()  # EPSG:6960 equals the Decision 05/2007 constants
    with pytest.raises(PinnedOperationUnavailable, match="VN-2000 to WGS 84 \\(1\\)"):
        check_operation(5194)
    with pytest.raises(PinnedOperationUnavailable):
        check_operation(999_999)


@pytest.mark.parametrize("code", [5899, 9210, 5897, 9218, 3405, 3406])
def test_round_trips_below_0_1_mm(code: int) -> None:
    zone = crs.zone_for_epsg(code)
    rng = np.random.default_rng(code)
    w, s, e, n = zone.bounds
    lon = rng.uniform(w, e, 2000)
    lat = rng.uniform(s, n, 2000)
    x, y = transform(lon, lat, src=4326, dst=code)
    lon2, lat2 = transform(x, y, src=code, dst=4326)
    assert _metres(lon, lat, lon2, lat2).max() < 1e-4
    x2, y2 = transform(lon2, lat2, src=4326, dst=code)
    assert np.hypot(x - x2, y - y2).max() < 1e-4
    # Via VN-2000 geographic and ECEF too.
    vlon, vlat = transform(x, y, src=code, dst=4756)
    x3, y3 = transform(vlon, vlat, src=4756, dst=code)
    assert np.hypot(x - x3, y - y3).max() < 1e-4
    X, Y, Z = transform(x, y, np.full_like(x, 12.5), src=code, dst=4978)  # 12.5 m normal height
    x4, y4, h4 = transform(X, Y, Z, src=4978, dst=code)  # back to a normal height (the VN-2000 default)
    assert np.hypot(x - x4, y - y4).max() < 1e-4 and np.abs(h4 - 12.5).max() < 1e-4


def test_cross_zone_round_trip() -> None:
    e, n = transform(107.0843, 10.3460, src=4326, dst=5899)
    e2, n2 = transform(e, n, src=5899, dst=9210)
    e3, n3 = transform(e2, n2, src=9210, dst=5899)
    assert abs(float(e3 - e)) < 1e-4 and abs(float(n3 - n)) < 1e-4
    # 9210 via WGS 84 agrees with the direct VN-2000 -> VN-2000 conversion.
    e4, n4 = transform(107.0843, 10.3460, src=4326, dst=9210)
    assert abs(float(e4 - e2)) < 1e-4 and abs(float(n4 - n2)) < 1e-4


def test_normal_heights_kept_and_shapes() -> None:
    lon = np.array([[107.0, 107.1], [107.2, 107.3]])
    lat = np.full((2, 2), 10.4)
    z = np.array([[1.0, 2.0], [3.0, 4.0]])
    x, y, zo = transform(lon, lat, z, src="EPSG:4326", dst=crs.zone_for_epsg(5899), heights="normal")
    assert x.shape == (2, 2) and np.array_equal(zo, z) and zo is not z
    x, y = transform(107.0, 10.4, src=4326, dst=5899)
    assert isinstance(x, np.ndarray) and x.shape == ()
    x, y, zo = transform([107.0, 107.1], [10.4, 10.5], 7.0, src=4326, dst=5899, heights="normal")
    assert np.array_equal(zo, [7.0, 7.0])
    # A height not known (NaN) is converted with the height-0 convention and stays unknown.
    x, y, zo = transform([107.0, 107.0], [10.4, 10.4], [np.nan, 0.0], src=4326, dst=5899, heights="ellipsoidal")
    x2, y2 = transform(107.0, 10.4, src=4326, dst=5899)
    assert np.isnan(zo[0]) and x[0] == x2 and y[0] == y2 and abs(x[1] - x2) < 1e-6
    lon2, lat2 = transform([107.0, 107.1], [10.4, 10.5], src=4326, dst="OGC:CRS84")
    assert np.array_equal(lon2, [107.0, 107.1])


def test_ecef_requires_z() -> None:
    with pytest.raises(ValueError, match="z is required"):
        transform(107.0, 10.4, src=4326, dst=4978)


def test_to_and_from_wgs84() -> None:
    e, n = crs.from_wgs84(107.0843, 10.3460, 5899)
    lon, lat = crs.to_wgs84(e, n, "EPSG:5899")
    assert float(lon) == pytest.approx(107.0843, abs=1e-10) and float(lat) == pytest.approx(10.3460, abs=1e-10)


def test_threads_use_their_own_transformers() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(106.9, 107.6, 50_000)
    lat = rng.uniform(10.3, 10.8, 50_000)
    expected = transform(lon, lat, src=4326, dst=5899)
    results: list[tuple[np.ndarray, np.ndarray]] = []
    owned: list[Transformer] = []  # references kept so ids cannot be reused
    errors: list[BaseException] = []

    def work() -> None:
        try:
            owned.append(crs.pinned_transformer(4326, 5899))
            for _ in range(5):
                results.append(transform(lon, lat, src=4326, dst=5899))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = {id(t) for t in owned}
    assert len(ids) == 4 and id(crs.pinned_transformer(4326, 5899)) not in ids
    for x, y in results:
        assert np.array_equal(x, expected[0]) and np.array_equal(y, expected[1])
