"""Planner tools: protection-zone import (GeoJSON, GeoPackage, zipped Shapefile, DXF; VN-2000 or
WGS 84; all or nothing), the impact query (JSON, CSV, GeoPackage, HTML; geodesic distances checked
with pyproj) and downloads of any OGC query as CSV/GeoPackage in WGS 84 or VN-2000."""

from __future__ import annotations

import json
import subprocess
import zipfile

import numpy as np
import psycopg
import pyogrio
import pyogrio.raw
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import mapping

import crs
from mapserver.importer.vector_files import VectorFileError
from mapserver.importer.zones import ZonesRejected, import_zones
from tests.mapserver.seeded import CHECK_E, CHECK_N

VN2000 = "http://www.opengis.net/def/crs/EPSG/0/5899"
GEOD = Geod(ellps="WGS84")


def in_5899(geometry):
    coords = shapely.get_coordinates(geometry)
    e, n = crs.from_wgs84(coords[:, 0], coords[:, 1], 5899)
    return shapely.set_coordinates(geometry, np.column_stack([e, n]))


def write(path, geoms, fields: dict, crs_text: str | None, driver: str):
    wkb = np.array([shapely.to_wkb(g) for g in geoms], dtype=object)
    data = [np.array(v, dtype=object) for v in fields.values()]
    pyogrio.raw.write(str(path), wkb, data, list(fields), driver=driver, crs=crs_text, geometry_type=geoms[0].geom_type)
    return path


def zones_of(dsn, site):
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT zone, ST_AsBinary(geom), decision_no FROM protection_zones WHERE site_id = %s ORDER BY zone",
            (site,),
        ).fetchall()


BOX = shapely.box(107.1690, 10.4990, 107.1710, 10.5010)  # around t-br
RING = shapely.box(107.1680, 10.4980, 107.1720, 10.5020)


@pytest.fixture
def db(fresh_dsn):
    from tests.mapserver.seeded import seed

    seed(fresh_dsn)
    return fresh_dsn


def test_zone_import_from_each_format_and_crs(db, tmp_path):
    sources = []
    # GeoJSON in WGS 84 (RFC 7946, no CRS member).
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"Mã di tích": "t-br", "Khu vực": "KV I", "Số quyết định": "12/QĐ"},
                "geometry": mapping(BOX),
            }
        ],
    }
    (tmp_path / "z.geojson").write_text(json.dumps(fc), encoding="utf-8")
    sources.append((tmp_path / "z.geojson", None))
    # GeoPackage in VN-2000 (declared in the file).
    sources.append(
        (
            write(tmp_path / "z.gpkg", [in_5899(BOX)], {"site_id": ["t-br"], "zone": ["I"]}, "EPSG:5899", "GPKG"),
            None,
        )
    )
    # Zipped Shapefile in VN-2000 with its .prj.
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    write(
        shp_dir / "zones.shp",
        [in_5899(BOX)],
        {"site_id": ["t-br"], "zone": ["1"]},
        "EPSG:5899",
        "ESRI Shapefile",
    )
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        for part in shp_dir.iterdir():
            archive.write(part, part.name)
    sources.append((tmp_path / "z.zip", None))
    # DXF (no CRS in the file: given), the relic and zone in the layer name, a closed polyline.
    line = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"Layer": "t-br_I"},
                "geometry": mapping(shapely.LineString(in_5899(BOX).exterior.coords)),
            }
        ],
    }
    (tmp_path / "line.geojson").write_text(json.dumps(line))
    subprocess.run(["ogr2ogr", "-f", "DXF", str(tmp_path / "z.dxf"), str(tmp_path / "line.geojson")], check=True)
    sources.append((tmp_path / "z.dxf", "EPSG:5899"))

    for path, crs_text in sources:
        with psycopg.connect(db) as conn:
            result = import_zones(conn, path, crs_text=crs_text, actor="test")
        assert result.inserted == 1, path
        stored = zones_of(db, "t-br")
        assert [z[0] for z in stored] == ["I"], path  # replaced, not added: idempotent
        got = shapely.from_wkb(stored[0][1])
        assert got.geom_type == "MultiPolygon"
        # Same polygon to ~1 mm (1e-8 degree) whatever the format and CRS.
        assert shapely.hausdorff_distance(got, BOX) < 1e-8, path
    with psycopg.connect(db) as conn:
        audit = conn.execute("SELECT count(*) FROM audit_log WHERE entity = 'protection_zones'").fetchone()[0]
    assert audit == len(sources)


def test_zone_import_is_all_or_nothing_naming_each_feature(db, tmp_path):
    bowtie = shapely.Polygon([(107.16, 10.49), (107.18, 10.51), (107.18, 10.49), (107.16, 10.51)])
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"site_id": "t-br", "zone": "II"}, "geometry": mapping(RING)},
            {"type": "Feature", "properties": {"site_id": "nope", "zone": "I"}, "geometry": mapping(BOX)},
            {"type": "Feature", "properties": {"site_id": "t-br", "zone": "III"}, "geometry": mapping(BOX)},
            {"type": "Feature", "properties": {"site_id": "t-br", "zone": "I"}, "geometry": mapping(bowtie)},
            {
                "type": "Feature",
                "properties": {"site_id": "t-br", "zone": "I"},
                "geometry": {"type": "Point", "coordinates": [107.17, 10.5]},
            },
            {
                "type": "Feature",
                "properties": {"site_id": "t-br", "zone": "I"},
                "geometry": mapping(in_5899(BOX)),
            },
        ],
    }
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(fc))
    before = zones_of(db, "t-br")
    with psycopg.connect(db) as conn, pytest.raises(ZonesRejected) as rejected:
        import_zones(conn, path, crs_text=None, actor="test")
    problems = dict(rejected.value.errors)
    assert set(problems) == {2, 3, 4, 5, 6}
    assert "unknown relic" in problems[2] and "I or II" in problems[3]
    assert "Self-intersection" in problems[4] and "polygon" in problems[5] and "outside Vietnam" in problems[6]
    assert zones_of(db, "t-br") == before


def test_zone_import_never_guesses_a_crs(db, tmp_path):
    dxf_source = tmp_path / "p.geojson"
    dxf_source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": mapping(in_5899(BOX))}],
            }
        )
    )
    subprocess.run(["ogr2ogr", "-f", "DXF", str(tmp_path / "p.dxf"), str(dxf_source)], check=True)
    with psycopg.connect(db) as conn:
        with pytest.raises(VectorFileError, match="does not say its CRS"):
            import_zones(conn, tmp_path / "p.dxf", crs_text=None, actor="t", default_site="t-br", default_zone="I")
        gpkg = write(tmp_path / "w.gpkg", [in_5899(BOX)], {"site_id": ["t-br"], "zone": ["I"]}, "EPSG:5899", "GPKG")
        with pytest.raises(VectorFileError, match="declares EPSG:5899"):
            import_zones(conn, gpkg, crs_text="EPSG:3405", actor="t")
        result = import_zones(
            conn, tmp_path / "p.dxf", crs_text="EPSG:5899", actor="t", default_site="t-br", default_zone="II"
        )
    assert result.inserted == 1 and [z[0] for z in zones_of(db, "t-br")] == ["I", "II"]


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_cli_import_zones(db, tmp_path, monkeypatch):
    import typer
    from typer.testing import CliRunner

    from mapserver.importer.zones_cli import import_zones_command

    app = typer.Typer()
    app.command()(import_zones_command)
    monkeypatch.setenv("HERITAGE_DATABASE_URL", db)
    gpkg = write(tmp_path / "z.gpkg", [in_5899(RING)], {"ma_di_tich": ["t-br"], "khu_vuc": ["II"]}, None, "GPKG")
    ok = CliRunner().invoke(app, [str(gpkg), "--crs", "EPSG:5899"])
    assert ok.exit_code == 0, ok.output
    assert "inserted 1" in ok.output
    bad = CliRunner().invoke(app, [str(gpkg)])
    assert bad.exit_code == 1 and "does not say its CRS" in bad.output


def footprint_request(api, fmt="json", out_crs=None, **body):
    params = {"f": fmt, **({"crs": out_crs} if out_crs else {})}
    return api.post("/api/planner/impact", params=params, json=body)


def test_impact_distances_are_geodesic(api):
    # A point footprint 150 m east of t-vt1 (zones of t-vt1: squares of ±0.0005° and ±0.002°):
    # inside zone II, outside zone I.
    lon, lat, _ = GEOD.fwd(107.0843, 10.346, 90, 150)
    r = footprint_request(api, footprint={"type": "Point", "coordinates": [lon, lat]}, buffer_m=400)
    assert r.status_code == 200, r.text
    doc = r.json()
    hits = {(f["properties"]["kind"], f["properties"]["zone"]): f["properties"] for f in doc["features"]}
    assert hits[("relic", None)]["distance_m"] == pytest.approx(150, abs=0.01)
    assert hits[("protection_zone", "II")]["intersects"] is True
    assert hits[("protection_zone", "II")]["distance_m"] == 0
    _, _, to_zone_i = GEOD.inv(lon, lat, 107.0843 + 0.0005, lat)
    assert hits[("protection_zone", "I")]["distance_m"] == pytest.approx(to_zone_i, abs=0.05)
    assert doc["summary"]["relics_affected"] == 1 and doc["summary"]["zones_affected"] == 2
    assert any(r["id"] == "bach-dinh" for r in doc["summary"]["relics_not_assessed"])
    near = footprint_request(api, footprint={"type": "Point", "coordinates": [lon, lat]}, buffer_m=120).json()
    assert {f["properties"]["kind"] for f in near["features"]} == {"protection_zone"}


def test_impact_in_vn2000_and_formats(api):
    footprint = {
        "type": "Polygon",
        "coordinates": [
            [
                [CHECK_E - 20, CHECK_N - 20],
                [CHECK_E + 20, CHECK_N - 20],
                [CHECK_E + 20, CHECK_N + 20],
                [CHECK_E - 20, CHECK_N - 20],
            ]
        ],
    }
    body = {"footprint": footprint, "footprint_crs": "EPSG:5899", "buffer_m": 10}
    doc = footprint_request(api, out_crs=VN2000, **body).json()
    relic = next(f for f in doc["features"] if f["properties"]["kind"] == "relic")
    assert relic["properties"]["intersects"] is True
    assert relic["geometry"]["coordinates"] == [
        pytest.approx(CHECK_E, abs=0.001),
        pytest.approx(CHECK_N, abs=0.001),
    ]
    text = footprint_request(api, "csv", VN2000, **body)
    assert text.content.startswith(b"\xef\xbb\xbf") and text.headers["content-type"].startswith("text/csv")
    rows = text.content.decode("utf-8-sig").splitlines()
    assert rows[0].split(",")[:3] == ["id", "kind", "object_id"] and len(rows) == len(doc["features"]) + 1
    gpkg = footprint_request(api, "gpkg", VN2000, **body)
    path = __import__("pathlib").Path(__import__("tempfile").mkdtemp()) / "impact.gpkg"
    path.write_bytes(gpkg.content)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["footprint", "relics", "protection_zones"]
    assert "5899" in pyogrio.read_info(path, layer="relics")["crs"]
    page = footprint_request(api, "html", **body)
    assert page.headers["content-type"].startswith("text/html") and "Đình thần Thắng Nhì (thử)" in page.text
    assert "chưa có vị trí" in page.text  # relics that could not be assessed are said, not hidden
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>") + 6]
    assert svg.count("<circle") == sum(1 for f in doc["features"] if f["properties"]["kind"] == "relic")
    assert "Đình thần Thắng Nhì (thử)" in svg and "<script" not in svg
    __import__("xml.etree.ElementTree").etree.ElementTree.fromstring(svg)  # well-formed map image


def test_impact_upload_and_errors(api, tmp_path):
    lon, lat, _ = GEOD.fwd(107.0843, 10.346, 90, 300)
    shp_dir = tmp_path / "s"
    shp_dir.mkdir()
    write(shp_dir / "f.shp", [in_5899(shapely.Point(lon, lat))], {"name": ["p"]}, "EPSG:5899", "ESRI Shapefile")
    with zipfile.ZipFile(tmp_path / "f.zip", "w") as archive:
        for part in shp_dir.iterdir():
            archive.write(part, part.name)
    with open(tmp_path / "f.zip", "rb") as fh:
        r = api.post("/api/planner/impact", data={"buffer_m": "400"}, files={"file": ("f.zip", fh, "application/zip")})
    assert r.status_code == 200, r.text
    relic = next(f for f in r.json()["features"] if f["properties"]["kind"] == "relic")
    assert relic["properties"]["distance_m"] == pytest.approx(300, abs=0.01)
    for body, name in (
        ({"footprint": {"type": "Point", "coordinates": [107, 10]}, "buffer_m": -1}, "buffer_m"),
        ({"footprint": {"type": "Point", "coordinates": [10, 107]}}, "footprint"),
        ({"footprint": {"type": "Nope"}}, "footprint"),
        ({"footprint": {"type": "Point", "coordinates": [107, 10]}, "extra": 1}, "extra"),
    ):
        bad = api.post("/api/planner/impact", json=body)
        assert bad.status_code == 400 and bad.json()["parameter"] == name, body
    txt = api.post("/api/planner/impact", data={"buffer_m": "1"}, files={"file": ("a.txt", b"x", "text/plain")})
    assert txt.status_code == 400 and txt.json()["parameter"] == "file"


def test_downloads_of_any_ogc_query(api, tmp_path):
    params = {"bbox": "107.0,10.3,107.2,10.4", "filter": "rank = 'national'", "crs": VN2000}
    r = api.get("/ogc/collections/relics/items", params={**params, "f": "csv"})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert 'filename="relics-epsg5899.csv"' in r.headers["content-disposition"]
    lines = r.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert header[-3:] == ["E", "N", "crs"] and len(lines) == 2
    row = lines[1].split(",")
    assert row[0] == "t-vt1" and float(row[-3]) == pytest.approx(CHECK_E, abs=0.001)
    assert float(row[-2]) == pytest.approx(CHECK_N, abs=0.001)
    gpkg = api.get("/ogc/collections/protection_zones/items", params={"f": "gpkg", "crs": VN2000})
    path = tmp_path / "zones.gpkg"
    path.write_bytes(gpkg.content)
    info = pyogrio.read_info(path)
    assert info["features"] == 3 and "5899" in info["crs"] and info["geometry_type"] == "MultiPolygon"
    wgs = api.get("/ogc/collections/relics/items", params={"f": "csv", "bbox": "107.0,10.3,107.2,10.4"})
    assert wgs.content.decode("utf-8-sig").splitlines()[0].split(",")[-3:] == ["lon", "lat", "crs"]
