"""A surveyor reads only their own survey batches (and points) and their own unpublished scans;
editors and admins read everybody's."""

from __future__ import annotations

import pytest

from .helpers import make_users

POINT = b"P1,1144200.498,426902.367,15\n"


@pytest.fixture(scope="module")
def auth(module_dsn):
    tokens = make_users(module_dsn, ("ow-a", "surveyor"), ("ow-b", "surveyor"), ("ow-editor", "editor"))
    return {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}


@pytest.fixture(scope="module")
def batches(live_server, auth):
    """{surveyor: batch id} of one batch each on the same relic."""
    out = {}
    for name in ("ow-a", "ow-b"):
        r = live_server.client.post(
            "/api/surveys",
            headers=auth[name],
            data={"site_id": "bach-dinh", "crs": "EPSG:5899", "heights": "normal"},
            files={"file": ("a.csv", POINT, "text/csv")},
        )
        assert r.status_code == 201, r.text
        out[name] = r.json()["id"]
    return out


def test_a_surveyor_cannot_read_another_surveyors_batch(live_server, auth, batches):
    c = live_server.client
    mine, theirs = batches["ow-a"], batches["ow-b"]
    assert c.get(f"/api/surveys/{mine}", headers=auth["ow-a"]).status_code == 200
    other = c.get(f"/api/surveys/{theirs}", headers=auth["ow-a"])
    assert other.status_code == 404  # as if it did not exist
    assert c.get(f"/api/surveys/{theirs}/points", headers=auth["ow-a"]).status_code == 404
    assert c.get(f"/api/surveys/{mine}/points", headers=auth["ow-a"]).status_code == 200
    listed = c.get("/api/sites/bach-dinh/surveys", headers=auth["ow-a"]).json()["surveys"]
    assert mine in [b["id"] for b in listed] and theirs not in [b["id"] for b in listed]


def test_an_editor_reads_every_batch(live_server, auth, batches):
    c = live_server.client
    for batch in batches.values():
        assert c.get(f"/api/surveys/{batch}", headers=auth["ow-editor"]).status_code == 200
        assert c.get(f"/api/surveys/{batch}/points", headers=auth["ow-editor"]).status_code == 200
    listed = {b["id"] for b in c.get("/api/sites/bach-dinh/surveys", headers=auth["ow-editor"]).json()["surveys"]}
    assert set(batches.values()) <= listed


def test_scans_are_listed_and_shown_to_their_surveyor_and_editors(live_server, auth):
    c = live_server.client
    r = c.post(
        "/api/scans",
        headers=auth["ow-a"],
        data={"site_id": "bach-dinh", "crs": "EPSG:5899"},
        files={"file": ("tiny.xyz", b"426902 1144200 15\n426903 1144201 15\n", "text/plain")},
    )
    assert r.status_code == 202, r.text
    scan = r.json()["id"]

    def listed(name: str) -> list[int]:
        return [s["id"] for s in c.get("/api/scans", headers=auth[name]).json()["scans"]]

    assert scan in listed("ow-a") and scan not in listed("ow-b") and scan in listed("ow-editor")
    assert c.get(f"/api/scans/{scan}", headers=auth["ow-a"]).status_code == 200
    assert c.get(f"/api/scans/{scan}", headers=auth["ow-b"]).status_code == 404
    assert c.get(f"/api/scans/{scan}", headers=auth["ow-editor"]).status_code == 200
    assert c.get(f"/api/scans/{scan}").status_code == 404  # the public: not published

    def of_site(name: str | None) -> list[int]:
        headers = auth[name] if name else {}
        return [s["id"] for s in c.get("/api/sites/bach-dinh/scans", headers=headers).json()["scans"]]

    assert scan in of_site("ow-a") and scan in of_site("ow-editor")
    assert scan not in of_site("ow-b") and scan not in of_site(None)


def test_ogc_survey_points_show_a_surveyor_their_own_only(live_server, auth, batches):
    c = live_server.client
    url = "/ogc/collections/survey_points/items"

    def batches_seen(who):
        features = c.get(url, headers=auth[who], params={"limit": 1000}).json()["features"]
        return {f["properties"]["batch_id"] for f in features}

    assert batches_seen("ow-a") == {batches["ow-a"]}
    assert batches_seen("ow-b") == {batches["ow-b"]}
    assert set(batches.values()) <= batches_seen("ow-editor")
    theirs = f"{url}/{batches['ow-b']}-1"
    assert c.get(theirs, headers=auth["ow-a"]).status_code == 404
    assert c.get(theirs, headers=auth["ow-editor"]).status_code == 200
    mine = c.get("/ogc/collections/survey_points", headers=auth["ow-a"]).json()["extent"]["spatial"]["bbox"][0]
    assert mine[0] == pytest.approx(mine[2]) and mine[1] == pytest.approx(mine[3])  # one point: their own
