"""Real OGC clients against the live app: GDAL's OAPIF driver (ogrinfo, ogr2ogr to GeoPackage, a
VN-2000 download through the crs parameter checked against crs/ to the millimetre) and OWSLib."""

from __future__ import annotations

import os
import re
import subprocess

import numpy as np
import pyogrio.raw
import shapely

import crs
from tests.mapserver.seeded import POSITIONS, TOTAL_RELICS

PUBLIC = ["relics", "protection_zones", "intangible_places", "festival_places", "craft_villages"]
VN2000 = "http://www.opengis.net/def/crs/EPSG/0/5899"


def run(*args: str) -> str:
    # Loopback only, whatever proxy the environment names.
    env = {
        **os.environ,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "GDAL_HTTP_TIMEOUT": "30",
        "CPL_DEBUG": "OFF",
    }
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ERROR" not in done.stderr, done.stderr[-2000:]
    return done.stdout


def read(path, layer):
    """(ids, shapely geometries, fields) of a GeoPackage layer, read back with pyogrio. GDAL keeps
    text ids as an "id" field and uses integer ids as the feature ids (FID)."""
    meta, fids, wkb, fields = pyogrio.raw.read(path, layer=layer, return_fids=True)
    columns = dict(zip(meta["fields"], fields))
    ids = list(columns["id"]) if "id" in columns else [int(f) for f in fids]
    return ids, shapely.from_wkb(wkb), columns


def test_ogrinfo_lists_every_collection_and_its_features(live_server, surveyor_token):
    listing = run("ogrinfo", "-ro", "-so", f"OAPIF:{live_server.url}/ogc")
    assert re.findall(r"^\d+: (\w+)", listing, re.MULTILINE) == PUBLIC
    summary = run("ogrinfo", "-ro", "-so", "-al", f"OAPIF:{live_server.url}/ogc")
    counts = [int(n) for n in re.findall(r"Feature Count: (\d+)", summary)]
    assert counts == [TOTAL_RELICS, 3, 3, 3, 0]  # relics, zones, intangible and festival places, villages
    features = run("ogrinfo", "-ro", "-al", "-q", f"OAPIF:{live_server.url}/ogc/collections/relics")
    assert features.count("OGRFeature(relics)") == TOTAL_RELICS  # 3 pages of 10 followed by GDAL
    assert "POINT (107.0843 10.346)" in features and "Đình thần Thắng Nhì (thử)" in features


def test_ogr2ogr_copies_every_collection_to_geopackage(live_server, surveyor_token, tmp_path):
    out = tmp_path / "heritage.gpkg"
    run("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{live_server.url}/ogc")
    assert sorted(name for name, _ in pyogrio.list_layers(out)) == sorted(PUBLIC)
    ids, geoms, fields = read(out, "relics")
    assert len(ids) == TOTAL_RELICS and len(set(ids)) == TOTAL_RELICS
    by_id = dict(zip(ids, geoms))
    for site, (lon, lat) in POSITIONS.items():
        assert shapely.get_coordinates(by_id[site]).tolist() == [[lon, lat]]
    assert by_id["bach-dinh"] is None  # not surveyed: no geometry, not a made-up one
    assert fields["decision_date"].dtype.kind == "M" or str(fields["decision_date"][0]).count("-") == 2
    zone_ids, zones, _ = read(out, "protection_zones")
    assert len(zone_ids) == 3 and all(g.geom_type == "MultiPolygon" for g in zones)


def test_vn2000_download_matches_crs_to_the_millimetre(live_server, surveyor_token, tmp_path):
    out = tmp_path / "vn2000.gpkg"
    for collection in ("relics", "protection_zones"):
        # GDAL 3.6 has no Part 2 option: the crs parameter rides on the connection URL (GDAL adds it
        # to every request) and -a_srs labels the result.
        update = ["-update"] if out.exists() else []
        run(
            "ogr2ogr",
            "-f",
            "GPKG",
            *update,
            "-a_srs",
            "EPSG:5899",
            "-nln",
            collection,
            str(out),
            f"OAPIF:{live_server.url}/ogc/collections/{collection}?crs={VN2000}",
        )
    ids, geoms, _ = read(out, "relics")
    by_id = dict(zip(ids, geoms))
    for site, (lon, lat) in POSITIONS.items():
        e, n = crs.from_wgs84(lon, lat, 5899)
        got = shapely.get_coordinates(by_id[site])[0]
        assert abs(got[0] - float(e)) < 0.001 and abs(got[1] - float(n)) < 0.001, site
    wgs = {f["id"]: f for f in live_server.client.get("/ogc/collections/protection_zones/items").json()["features"]}
    zone_ids, zones, _ = read(out, "protection_zones")
    for fid, geom in zip(zone_ids, zones):
        ring = np.array(wgs[fid]["geometry"]["coordinates"][0][0])
        e, n = crs.from_wgs84(ring[:, 0], ring[:, 1], 5899)
        assert np.abs(shapely.get_coordinates(geom) - np.column_stack([e, n])).max() < 0.001


def test_owslib_features(live_server, surveyor_token, monkeypatch):
    from owslib.ogcapi.features import Features

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    api = Features(f"{live_server.url}/ogc/")
    assert any(c.endswith("ogcapi-features-1/1.0/conf/core") for c in api.conformance()["conformsTo"])
    assert api.feature_collections() == PUBLIC
    assert api.api()["openapi"].startswith("3.0")
    assert api.collection("relics")["id"] == "relics"
    assert "rank" in api.collection_queryables("relics")["properties"]
    page = api.collection_items("relics", bbox=[107.0, 10.3, 107.2, 10.6], limit=10)
    assert sorted(f["id"] for f in page["features"]) == ["t-br", "t-vt1", "t-vt2"]
    filtered = api.collection_items("relics", filter="rank = 'inventoried' AND location_status = 'sourced'")
    assert [f["id"] for f in filtered["features"]] == ["t-xm"]
    vn = api.collection_items("relics", bbox=[107.0, 10.3, 107.1, 10.35], crs=VN2000)
    assert vn["features"][0]["geometry"]["coordinates"] == [426902.367, 1144200.498]
    assert api.collection_item("relics", "t-vt1")["properties"]["rank"] == "national"
    sorted_page = api.collection_items("relics", sortby=("decision_date", "desc"), limit=2)
    assert sorted_page["numberReturned"] == 2
