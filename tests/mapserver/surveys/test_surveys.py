"""Survey upload end to end: roles, formats, validation with row numbers, atomicity, positions,
and points back in VN-2000 / WGS 84 (check values independent of our code)."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import psycopg
import pytest
from typer.testing import CliRunner

from mapserver.accounts.service import create_user
from mapserver.cli import app as cli_app
from tests.encodings import encode_like_excel

# Check pair for EPSG:6960 at Vũng Tàu (shared notes, computed outside this code base):
# WGS 84 (107.0843, 10.3460) <-> VN-2000 / TM-3 107-45 E 426902.367, N 1144200.498; EGM96 N -1.819 m.
CHECK_E, CHECK_N, CHECK_LON, CHECK_LAT = 426902.367, 1144200.498, 107.0843, 10.3460


@pytest.fixture(scope="module")
def tokens(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        return {
            role: create_user(conn, f"t-{role}", role, "correct horse battery")[1]
            for role in ("surveyor", "editor", "admin")
        }


@pytest.fixture
def client(live_server, tokens):
    live_server.client.headers["Authorization"] = f"Bearer {tokens['surveyor']}"
    yield live_server.client
    live_server.client.headers.pop("Authorization", None)
    live_server.client.cookies.clear()


def counts(dsn):
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM survey_batches), (SELECT count(*) FROM survey_points)"
        ).fetchone()


def upload(client, content: bytes, name="pts.csv", **form):
    data = {"site_id": "bach-dinh", "crs": "EPSG:5899", "heights": "normal", **form}
    return client.post("/api/surveys", data=data, files={"file": (name, content, "text/csv")})


def test_writes_need_a_surveyor(live_server, tokens):
    anonymous = live_server.client.post(
        "/api/surveys", data={"site_id": "x", "crs": "EPSG:5899"}, files={"file": ("a.csv", b"1,2,3", "text/csv")}
    )
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
    bad = live_server.client.get("/api/surveys/1", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    surveyor = live_server.client.get("/api/users", headers={"Authorization": f"Bearer {tokens['surveyor']}"})
    assert surveyor.status_code == 403
    admin = live_server.client.get("/api/users", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert admin.status_code == 200 and {u["name"] for u in admin.json()["users"]} >= {"t-admin"}


def test_receiver_layout_in_vn2000_and_back(client, module_dsn, tokens):
    body = f"P1,{CHECK_N},{CHECK_E},15.000,MOC\nP2,1144210.000,426910.000,15.500\n".encode()
    r = upload(client, body, set_position="marker", marker="P1")
    assert r.status_code == 201, r.text
    batch = r.json()
    assert batch["point_count"] == 2 and batch["skipped_rows"] == 0
    assert batch["position"]["lon"] == pytest.approx(CHECK_LON, abs=1e-8)  # ~1 mm
    assert batch["position"]["lat"] == pytest.approx(CHECK_LAT, abs=1e-8)
    wgs = list(
        csv.DictReader(io.StringIO(client.get(f"/api/surveys/{batch['id']}/points", params={"crs": "EPSG:4326"}).text))
    )
    assert float(wgs[0]["lon"]) == pytest.approx(CHECK_LON, abs=1e-8)
    assert float(wgs[0]["lat"]) == pytest.approx(CHECK_LAT, abs=1e-8)
    assert float(wgs[0]["h_normal"]) == 15.0
    assert float(wgs[0]["h_ellipsoidal"]) == pytest.approx(15.0 - 1.819, abs=0.01)
    vn = client.get(f"/api/surveys/{batch['id']}/points", params={"crs": "EPSG:5899"})
    assert vn.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/5899>"
    rows = list(csv.DictReader(io.StringIO(vn.text)))
    # Returned as stored, with 4 decimals (0.1 mm).
    assert (rows[0]["point"], rows[0]["easting"], rows[0]["northing"]) == ("P1", "426902.3670", "1144200.4980")
    gj = client.get(f"/api/surveys/{batch['id']}/points", params={"crs": "EPSG:5899", "format": "geojson"}).json()
    assert gj["features"][1]["geometry"]["coordinates"] == [426910.0, 1144210.0, 15.5]
    # A surveyor's position is a proposal: the relic keeps its published one until an editor approves.
    assert batch["position"]["review_status"] == "in_review"
    assert client.get("/api/sites/bach-dinh").json()["properties"]["location_status"] == "unknown"
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    assert client.post(f"/api/surveys/{batch['id']}/review", json={"action": "approve"}).status_code == 403
    approved = client.post(f"/api/surveys/{batch['id']}/review", json={"action": "approve"}, headers=editor)
    assert approved.status_code == 200 and approved.json()["review_status"] == "published"
    again = client.post(f"/api/surveys/{batch['id']}/review", json={"action": "approve"}, headers=editor)
    assert again.status_code == 409
    with psycopg.connect(module_dsn) as conn:
        site = conn.execute(
            "SELECT location_status, ST_X(geom), location_source FROM sites WHERE id='bach-dinh'"
        ).fetchone()
        assert site[0] == "surveyed" and site[1] == pytest.approx(CHECK_LON, abs=1e-8)
        assert "marker point P1" in site[2]
        history = conn.execute("SELECT location_status FROM site_location_history WHERE site_id='bach-dinh'").fetchall()
        assert history == [("unknown",)]
    summary = client.get(f"/api/surveys/{batch['id']}").json()
    assert summary["crs"] == "EPSG:5899" and summary["height_system"] == "normal" and len(summary["file_sha256"]) == 64


def test_vietnamese_excel_export_semicolon_decimal_comma_cp1258(client):
    text = f"Điểm;Bắc;Đông;Cao độ\nM1;{CHECK_N:.3f};{CHECK_E:.3f};12,5\n".replace(".", ",")
    r = upload(client, encode_like_excel(text, "cp1258"))
    assert r.status_code == 201, r.text
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/surveys/{r.json()['id']}/points").text)))
    assert (rows[0]["easting"], rows[0]["northing"], rows[0]["h_normal"]) == ("426902.3670", "1144200.4980", "12.5000")


def test_xy_order_is_decided_from_the_numbers(client):
    north_first = f"point,X,Y,H\nA,{CHECK_N},{CHECK_E},5\nB,{CHECK_N + 10},{CHECK_E + 10},5\n".encode()
    r = upload(client, north_first)
    assert r.status_code == 201, r.text
    assert r.json()["axis_order"] == "north-east" and r.json()["height_system"] == "normal"
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/surveys/{r.json()['id']}/points").text)))
    assert (rows[0]["easting"], rows[0]["northing"]) == (f"{CHECK_E:.4f}", f"{CHECK_N:.4f}")
    east_first = upload(client, f"point,X,Y\nA,{CHECK_E},{CHECK_N}\n".encode())
    assert east_first.status_code == 201 and east_first.json()["axis_order"] == "east-north"
    # Said, and contradicted by the numbers: refused, as before.
    swapped = upload(client, north_first, axis_order="east-north")
    assert swapped.status_code == 422 and "swapped" in swapped.json()["detail"]
    # The header-less receiver layout is point,N,E,H; a receiver writing E first is read right too.
    receiver = upload(client, f"P1,{CHECK_E},{CHECK_N},5\n".encode())
    assert receiver.status_code == 201 and receiver.json()["axis_order"] == "east-north"


def test_a_row_exchanged_against_the_rest_is_reported(client):
    text = (
        f"point,X,Y\nA,{CHECK_N},{CHECK_E}\nB,{CHECK_E + 5},{CHECK_N + 5}\nC,{CHECK_N + 9},{CHECK_E + 9}\n"
    ).encode()
    r = upload(client, text)
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["row"] == 3 and error["column"] == "Y/X" and "exchanged" in error["reason"]


def test_xy_numbers_that_cannot_tell_ask_for_the_axis_order(client):
    text = b"point,X,Y\nA,100,200\n"
    r = upload(client, text)
    assert r.status_code == 422 and "axis_order" in r.json()["detail"]
    told = upload(client, text, axis_order="north-east")
    assert told.status_code == 422 and "outside the valid range" in told.json()["errors"][0]["reason"]


def test_header_column_that_no_row_has_is_named(client):
    text = f"point,E,N,H,code\nA,{CHECK_E},{CHECK_N},5\nB,{CHECK_E},{CHECK_N + 1},6\n".encode()
    r = upload(client, text)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "'code' (column 5)" in detail and "rows 2–3" in detail


def test_every_row_problem_is_reported_and_nothing_stored(client, module_dsn):
    before = counts(module_dsn)
    text = (
        f"point,E,N,H\nA,{CHECK_E},{CHECK_N},5\nB,abc,{CHECK_N},5\nA,{CHECK_E},{CHECK_N},5\n"
        f"C,{CHECK_E},{CHECK_N},9000\nD,700000,1144200,5\nE,,1144200,5\n"
    ).encode()
    r = upload(client, text)
    assert r.status_code == 422
    problems = {(e["row"], e["column"]) for e in r.json()["errors"]}
    assert {(3, "E"), (4, "point"), (5, "H"), (6, "E/N"), (7, "E")} <= problems
    (repeat,) = [e for e in r.json()["errors"] if e["column"] == "point"]
    assert repeat["reason"] == "duplicate point id 'A' (also row 2)"
    assert [e["row"] for e in r.json()["errors"]] == sorted(e["row"] for e in r.json()["errors"])
    assert counts(module_dsn) == before
    kept = upload(client, text, keep_valid="true")
    assert kept.status_code == 201 and kept.json()["point_count"] == 1 and kept.json()["skipped_rows"] == 5


def test_vn2000_heights_are_normal_unless_said_wgs84_ones_must_be_said(client):
    text = f"point,E,N,H\nA,{CHECK_E},{CHECK_N},5\n".encode()
    plain = client.post(
        "/api/surveys", data={"site_id": "bach-dinh", "crs": "EPSG:5899"}, files={"file": ("a.csv", text, "text/csv")}
    )
    assert plain.status_code == 201, plain.text
    assert plain.json()["height_system"] == "normal"
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/surveys/{plain.json()['id']}/points").text)))
    assert float(rows[0]["h_normal"]) == 5.0 and float(rows[0]["h_ellipsoidal"]) == pytest.approx(5 - 1.819, abs=0.01)
    # Said otherwise: the numbers are WGS 84 ellipsoidal heights (EGM96 N = -1.819 m here).
    said = upload(client, text, heights="ellipsoidal")
    assert said.status_code == 201, said.text
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/surveys/{said.json()['id']}/points").text)))
    assert float(rows[0]["h_ellipsoidal"]) == 5.0 and float(rows[0]["h_normal"]) == pytest.approx(6.819, abs=0.01)
    wgs = f"point,lon,lat,h\nA,{CHECK_LON},{CHECK_LAT},5\n".encode()
    missing = client.post(
        "/api/surveys", data={"site_id": "bach-dinh", "crs": "EPSG:4326"}, files={"file": ("a.csv", wgs, "text/csv")}
    )
    assert missing.status_code == 422 and "ellipsoidal" in missing.json()["detail"]


def test_the_height_is_used_in_the_datum_step(client):
    import crs

    text = f"point,E,N,H\nHIGH,{CHECK_E},{CHECK_N},1500\n".encode()
    r = upload(client, text)
    assert r.status_code == 201, r.text
    (row,) = csv.DictReader(io.StringIO(client.get(f"/api/surveys/{r.json()['id']}/points?crs=EPSG:4326").text))
    lon, lat, _ = crs.transform(CHECK_E, CHECK_N, 1500.0, src=5899, dst=4326, heights="normal")
    flat_lon, flat_lat = crs.transform(CHECK_E, CHECK_N, src=5899, dst=4326)
    assert float(row["lon"]) == pytest.approx(float(lon), abs=2e-9)
    assert float(row["lat"]) == pytest.approx(float(lat), abs=2e-9)
    # At 1,500 m the datum step moves the point ~5 cm from its height-0 position.
    moved = np.hypot((float(lon) - float(flat_lon)) * 109_500, (float(lat) - float(flat_lat)) * 110_600)
    assert 0.04 < moved < 0.07


def test_quoted_cells_and_empty_heights(client):
    text = (
        f'point,E,N,H,code\nA,{CHECK_E},{CHECK_N},5,"Mốc, cổng"\nB,{CHECK_E + 1},{CHECK_N},,TP\n'
        f"C,{CHECK_E + 2},{CHECK_N},7,\n"
    ).encode()
    r = upload(client, text)
    assert r.status_code == 201, r.text
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/surveys/{r.json()['id']}/points").text)))
    assert [x["code"] for x in rows] == ["Mốc, cổng", "TP", ""]
    assert [x["h_normal"] for x in rows] == ["5.0000", "", "7.0000"]


def test_geojson_in_wgs84_with_ellipsoidal_heights(client):
    doc = (
        '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point",'
        f'"coordinates":[{CHECK_LON},{CHECK_LAT},13.181]}},"properties":{{"point":"G1","accuracy":0.02}}}}]}}'
    )
    r = upload(client, doc.encode(), name="pts.geojson", crs="EPSG:4326", heights="ellipsoidal")
    assert r.status_code == 201, r.text
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/surveys/{r.json()['id']}/points").text)))
    # The check pair is at height 0; at h = 13.181 m the datum step moves the point by 0.46 mm.
    assert float(rows[0]["easting"]) == pytest.approx(CHECK_E, abs=0.001)
    assert float(rows[0]["northing"]) == pytest.approx(CHECK_N, abs=0.001)
    assert float(rows[0]["h_normal"]) == pytest.approx(15.0, abs=0.01) and rows[0]["accuracy_m"] == "0.020"


def test_unknown_site_crs_and_file_type(client):
    assert upload(client, b"1,2,3,4", site_id="nope").status_code == 422
    assert upload(client, b"1,2,3,4", crs="EPSG:9999").status_code == 422
    assert upload(client, b"x", name="a.exe").status_code == 400


def test_browser_sign_in_and_upload_with_session_cookie(live_server):
    c = live_server.client
    assert c.get("/survey", follow_redirects=False).status_code == 303
    login_token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    wrong = {"name": "t-surveyor", "password": "wrong password", "csrf_token": login_token}
    assert c.post("/login", data=wrong).status_code == 401
    ok = c.post(
        "/login",
        data={"name": "t-surveyor", "password": "correct horse battery", "next": "/survey", "csrf_token": login_token},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and "heritage_session" in ok.cookies
    page = c.get("/survey")
    assert page.status_code == 200 and "Bạch Dinh" in page.text
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    text = f"P9,{CHECK_N},{CHECK_E},1\n".encode()
    foreign = c.post(
        "/api/surveys",
        data={"site_id": "bach-dinh", "crs": "EPSG:5899", "heights": "normal"},
        files={"file": ("a.csv", text, "text/csv")},
        headers={"Origin": "http://evil.example", "X-CSRF-Token": csrf},
    )
    assert foreign.status_code == 403
    same = c.post(
        "/api/surveys",
        data={"site_id": "bach-dinh", "crs": "EPSG:5899", "heights": "normal"},
        files={"file": ("a.csv", text, "text/csv")},
        headers={"Origin": live_server.url, "X-CSRF-Token": csrf},
    )
    assert same.status_code == 201
    c.cookies.clear()


def test_cli_survey_import_and_users(fresh_dsn, monkeypatch, tmp_path):
    monkeypatch.setenv("HERITAGE_DATABASE_URL", fresh_dsn)
    monkeypatch.setenv("HERITAGE_VAR_DIR", str(tmp_path))
    runner = CliRunner()
    made = runner.invoke(cli_app, ["users", "add", "surveyor1", "--role", "surveyor"])
    assert made.exit_code == 0 and made.stdout.strip().splitlines()[-1].startswith("hrt_")
    assert runner.invoke(cli_app, ["users", "add", "surveyor1", "--role", "surveyor"]).exit_code == 1
    path = tmp_path / "p.csv"
    path.write_text(f"P1,{CHECK_N},{CHECK_E},15\n")
    result = runner.invoke(
        cli_app,
        [
            "survey",
            "import",
            str(path),
            "--site",
            "nha-tron-ba-ria",
            "--crs",
            "EPSG:5899",
            "--heights",
            "normal",
            "--set-position",
            "mean",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 points stored" in result.output
    assert (tmp_path / "store" / "surveys").is_dir()
    path.write_text("P1,abc,426902,15\n")
    bad = runner.invoke(
        cli_app,
        ["survey", "import", str(path), "--site", "nha-tron-ba-ria", "--crs", "EPSG:5899", "--heights", "normal"],
    )
    assert bad.exit_code == 1 and "nothing stored" in bad.output
