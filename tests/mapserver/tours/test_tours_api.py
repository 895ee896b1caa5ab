"""Tours through the real app over HTTP on a real PostGIS, with real panoramas ingested like any
upload: create, rooms checked against the database, the review workflow, what the public sees,
versions and restore, the tour page and the staff editor form."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import psycopg
import pytest

from mapserver.accounts.service import create_user
from tests.conftest import make_settings
from tests.live_server import LiveServer
from tests.mapserver.tours.helpers import add_media, panorama_file, tour_app

MUSEUM = "bao-tang-robert-taylor"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def settings(module_dsn, tmp_path_factory):
    return make_settings(module_dsn, tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="module")
def server(settings):
    live = LiveServer(tour_app(settings))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def people(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        tokens = {
            name: create_user(conn, name, role, "correct horse battery")[1]
            for name, role in (("tr-museum", "surveyor"), ("tr-other", "surveyor"), ("tr-editor", "editor"))
        }
        rows = conn.execute(
            """INSERT INTO artefacts (museum_id, number, name_vi, name_en, publication_status, created_by)
               VALUES (%s, 'RT-1', 'Kiếm cổ (thử)', 'Old sword (test)', 'published', 'test'),
                      (%s, 'RT-2', 'Súng hỏa mai (nháp)', NULL, 'draft', 'test') RETURNING id""",
            (MUSEUM, MUSEUM),
        ).fetchall()
    return {"tokens": tokens, "sword": rows[0][0], "musket": rows[1][0]}


def auth(people, name):
    return {"Authorization": f"Bearer {people['tokens'][name]}"}


@pytest.fixture(scope="module")
def tour(server, people, module_dsn, settings, tmp_path_factory):
    """A draft tour of the museum with three panoramas (published items) and one plain image."""
    made = server.client.put(
        "/api/tours/t-bao-tang",
        headers=auth(people, "tr-museum"),
        json={"title_vi": "Bảo tàng (thử)", "title_en": "Museum (test)", "museum_id": MUSEUM},
    )
    assert made.status_code == 201, made.text
    assert made.json() == {"id": "t-bao-tang", "url": "/api/tours/t-bao-tang", "created": True, "version": 1}
    folder = tmp_path_factory.mktemp("panoramas")
    colours = ((172, 73, 59), (60, 144, 81), (52, 96, 170))
    rooms = [
        add_media(module_dsn, settings, "tour:t-bao-tang", panorama_file(folder, f"p{i}", c, f"ROOM {i}"))
        for i, c in enumerate(colours, start=1)
    ]
    photo = folder / "photo.jpg"
    from PIL import Image

    Image.new("RGB", (640, 480), (200, 180, 40)).save(photo, quality=90)
    image = add_media(module_dsn, settings, f"artefact:{people['sword']}", photo, media_type=None)
    server.client.put(  # another tour, whose panorama this one may not use
        "/api/tours/t-khac", headers=auth(people, "tr-other"), json={"title_vi": "Tour khác"}
    )
    other = add_media(module_dsn, settings, "tour:t-khac", panorama_file(folder, "o", (90, 90, 90), "OTHER"))
    return {"rooms": rooms, "image": image, "other": other}


def body(tour, people, **changes):
    a, b, c = tour["rooms"]
    data = {
        "title_vi": "Bảo tàng (thử)",
        "title_en": "Museum (test)",
        "museum_id": MUSEUM,
        "start": "sanh",
        "nodes": [
            {
                "id": "sanh",
                "media_id": a,
                "name_vi": "Sảnh",
                "name_en": "Hall",
                "links": [{"to": "kho", "yaw": 90, "pitch": -8}],
                "hotspots": [
                    {"record": f"artefact:{people['sword']}", "yaw": -45, "pitch": 5},
                    {"record": f"artefact:{people['musket']}", "yaw": 45, "pitch": 0, "label_vi": "Súng"},
                ],
            },
            {
                "id": "kho",
                "media_id": b,
                "name_vi": "Kho",
                "name_en": "Store",
                "links": [{"to": "sanh", "yaw": -90}, {"to": "vuon", "yaw": 90}],
            },
            {"id": "vuon", "media_id": c, "name_vi": "Vườn", "links": [{"to": "kho", "yaw": -90}]},
        ],
    }
    data.update(changes)
    return data


def test_rooms_are_checked_against_the_database(server, people, tour):
    c, museum = server.client, auth(people, "tr-museum")
    good = body(tour, people)

    def refused(data, parameter, words):
        r = c.put("/api/tours/t-bao-tang", headers=museum, json=data)
        assert r.status_code == 400, r.text
        problem = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (problem.get("parameter") or "").endswith(parameter) or parameter in problem["detail"], problem
        assert words in (problem["detail"] + str(problem.get("errors"))), problem

    def node(i, **changes):
        nodes = [dict(n) for n in good["nodes"]]
        nodes[i].update(changes)
        return {**good, "nodes": nodes}

    refused(node(0, media_id=tour["image"]), "nodes[0].media_id", "not a panorama")
    refused(node(0, media_id=tour["other"]), "nodes[0].media_id", "another record")
    refused(node(0, media_id=99_999_999), "nodes[0].media_id", "no media item")
    refused(node(1, links=[{"to": "nowhere", "yaw": 0}]), "nodes[1].links[0].to", "no room of this tour")
    refused(
        node(0, hotspots=[{"record": "artefact:99999999", "yaw": 0}]), "nodes[0].hotspots[0].record", "no such record"
    )
    refused(node(0, hotspots=[{"record": "tour:t-khac", "yaw": 0}]), "nodes[0].hotspots[0].record", "no such kind")
    refused({**good, "start": "kho-x"}, "start", "no room")
    refused(node(0, links=[{"to": "kho", "yaw": 200}]), "yaw", "180")
    assert c.put("/api/tours/t-bao-tang", json=good).status_code == 401
    # another contributor may not change someone else's draft
    assert c.put("/api/tours/t-bao-tang", headers=auth(people, "tr-other"), json=good).status_code == 403
    saved = c.put("/api/tours/t-bao-tang", headers=museum, json=good)
    assert saved.status_code == 200 and saved.json()["created"] is False and saved.json()["version"] == 2


def test_the_public_sees_published_rooms_only(server, people, tour):
    c, museum, editor = server.client, auth(people, "tr-museum"), auth(people, "tr-editor")
    assert c.put("/api/tours/t-bao-tang", headers=museum, json=body(tour, people)).status_code == 200
    assert c.get("/api/tours/t-bao-tang").status_code == 404  # a draft
    staff = c.get("/api/tours/t-bao-tang", headers=museum).json()
    assert staff["publication_status"] == "draft" and staff["graph"]["start"] == "sanh"
    assert sorted(p["id"] for p in staff["panoramas"]) == sorted(tour["rooms"])
    assert len(staff["nodes"][0]["hotspots"]) == 2  # staff see the hotspot of the draft artefact
    assert c.post("/api/tours/t-bao-tang/review", headers=museum, json={"action": "submit"}).json() == {
        "id": "t-bao-tang",
        "publication_status": "in_review",
    }
    assert c.post("/api/tours/t-bao-tang/review", headers=museum, json={"action": "approve"}).status_code == 403
    assert c.post("/api/tours/t-bao-tang/review", headers=editor, json={"action": "approve"}).status_code == 200

    public = c.get("/api/tours/t-bao-tang")
    assert public.status_code == 200 and "max-age=60" in public.headers["cache-control"]
    tour_doc = public.json()
    assert "graph" not in tour_doc and "panoramas" not in tour_doc
    assert tour_doc["museum"]["id"] == MUSEUM and tour_doc["page"] == "/tours/t-bao-tang"
    assert [n["id"] for n in tour_doc["nodes"]] == ["sanh", "kho", "vuon"] and tour_doc["start"] == "sanh"
    hall = tour_doc["nodes"][0]
    assert hall["links"] == [{"to": "kho", "yaw": 90.0, "pitch": -8.0}]
    # the draft musket is not shown; the published sword opens its page
    assert [h["page"] for h in hall["hotspots"]] == [f"/artefacts/{people['sword']}"]
    assert hall["hotspots"][0]["title_vi"] == "Kiếm cổ (thử)"
    picture = c.get(hall["panorama"])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    assert picture.content[:2] == b"\xff\xd8"
    # the tour is listed and searchable like every record
    assert "t-bao-tang" in [t["id"] for t in c.get("/api/tours").json()["items"]]
    assert "graph" not in c.get("/api/tours").json()["items"][0]
    assert "t-bao-tang" in [h["id"] for h in c.get("/api/search", params={"q": "bao tang thu"}).json()["hits"]]

    # a room whose panorama is withdrawn leaves the public tour, with the links to it
    third = tour["rooms"][2]
    assert c.post(f"/api/media/{third}/review", headers=editor, json={"action": "withdraw"}).status_code == 200
    shown = c.get("/api/tours/t-bao-tang").json()["nodes"]
    assert [n["id"] for n in shown] == ["sanh", "kho"] and shown[1]["links"] == [
        {"to": "sanh", "yaw": -90.0, "pitch": 0.0}
    ]
    assert c.post(f"/api/media/{third}/review", headers=editor, json={"action": "approve"}).status_code == 200


def test_versions_and_restore_bring_the_rooms_back(server, people, tour):
    c, museum, editor = server.client, auth(people, "tr-museum"), auth(people, "tr-editor")
    before = c.get("/api/tours/t-bao-tang", headers=editor).json()
    one_room = body(tour, people, start="kho", nodes=[{**body(tour, people)["nodes"][1], "links": []}])
    assert c.put("/api/tours/t-bao-tang", headers=editor, json=one_room).status_code == 200
    assert [n["id"] for n in c.get("/api/tours/t-bao-tang").json()["nodes"]] == ["kho"]
    versions = c.get("/api/tours/t-bao-tang/versions", headers=museum).json()["versions"]
    previous = next(v for v in versions if len(v["data"]["graph"]["nodes"]) == 3)["version"]
    restored = c.post(f"/api/tours/t-bao-tang/versions/{previous}/restore", headers=editor)
    assert restored.status_code == 200, restored.text
    after = c.get("/api/tours/t-bao-tang", headers=editor).json()
    assert after["graph"] == before["graph"]
    # the texts alone are changed with PATCH; the rooms stay
    assert c.patch("/api/tours/t-bao-tang", headers=editor, json={"title_en": "Museum (renamed)"}).status_code == 200
    assert c.patch("/api/tours/t-bao-tang", headers=editor, json={"nodes": []}).status_code == 400
    assert len(c.get("/api/tours/t-bao-tang").json()["nodes"]) == 3
    with psycopg.connect(server.app.state.settings.database_url) as conn:
        actions = [
            a
            for (a,) in conn.execute(
                "SELECT action FROM audit_log WHERE entity = 'tour' AND entity_id = 't-bao-tang' ORDER BY id"
            )
        ]
    assert actions[:3] == ["create", "edit", "edit"] and "approve" in actions and "restore" in actions


def test_the_tour_page_and_its_policy(server, people, tour):
    c = server.client
    assert c.put("/api/tours/t-bao-tang", headers=auth(people, "tr-editor"), json=body(tour, people)).status_code == 200
    page = c.get("/tours/t-bao-tang")
    assert page.status_code == 200 and "public" in page.headers["cache-control"]
    html = page.text
    assert "Bảo tàng (thử)" in html and "Sảnh" in html and "Tham quan mẫu" not in html
    # without script: every room is listed with its picture, ways on and hotspot links
    assert 'href="#room-kho"' in html and f'href="/artefacts/{people["sword"]}"' in html
    assert "Súng hỏa mai" not in html  # the draft artefact
    # the import map is the page's one inline script, allowed by its hash; three is PSV's own copy
    import_map = re.search(r'<script type="importmap">(.*?)</script>', html, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    csp = page.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert '"three":"/vendor/psv-three/0.185.1/three.module.min.js"' in import_map
    data = re.search(r'<script type="application/json" id="tour-data">(.*?)</script>', html, re.DOTALL).group(1)
    assert "</" not in data  # the embedded JSON cannot close its element
    missing = c.get("/tours/khong-co")
    assert missing.status_code == 404 and "Không tìm thấy" in missing.text
    assert c.get("/tours/t-khac").status_code == 404  # a draft


def test_vendor_files_are_versioned_and_limited(server):
    c = server.client
    ok = c.get("/vendor/psv-core/5.15.1/index.module.js")
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/javascript")
    assert "immutable" in ok.headers["cache-control"] and ok.headers.get("etag")
    assert (
        c.get("/vendor/psv-core/5.15.1/index.module.js", headers={"If-None-Match": ok.headers["etag"]}).status_code
        == 304
    )
    assert c.get("/vendor/psv-core/5.15.0/index.module.js").status_code == 404  # another version
    assert c.get("/vendor/psv-core/5.15.1/package.json").status_code == 404  # not a served file
    assert c.get("/vendor/psv-core/5.15.1/index.module.js.map").status_code == 404
    assert c.get("/vendor/nothing/1/x.js").status_code == 404
    assert c.get("/vendor/draco/0.183.2/draco_decoder.wasm").headers["content-type"] == "application/wasm"
    assert c.head("/vendor/mirador/4.0.0/mirador.min.js").status_code == 200
    assert c.get("/vendor/openseadragon/6.1.1/images/zoomin_rest.png").headers["content-type"] == "image/png"


def signed_in(server, name):
    client = httpx.Client(base_url=server.url, follow_redirects=False)
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    r = client.post(
        "/login", data={"name": name, "password": "correct horse battery", "next": "/staff", "csrf_token": token}
    )
    assert r.status_code == 303
    return client


def test_the_editor_form_saves_rooms(server, people, tour):
    anonymous = server.client.get("/staff/tours/t-bao-tang/edit", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    museum = signed_in(server, "tr-museum")
    listing = museum.get("/staff/tours/")
    assert listing.status_code == 200 and 'href="/staff/tours/t-bao-tang/edit"' in listing.text
    assert museum.get("/staff/tours/", params={"new": "t-form"}).headers["location"] == "/staff/tours/t-form/edit"
    form_page = museum.get("/staff/tours/t-form/edit")
    assert form_page.status_code == 200 and "Chuyến tham quan mới" in form_page.text
    token = CSRF_FIELD.search(form_page.text).group(1)
    no_token = museum.post("/staff/tours/t-form/edit", data={"title_vi": "Biểu mẫu"})
    assert no_token.status_code == 403
    bad_id = museum.post("/staff/tours/Bad%20Id/edit", data={"csrf_token": token, "title_vi": "X"})
    assert bad_id.status_code == 400 and "lower-case" in bad_id.text
    made = museum.post("/staff/tours/t-form/edit", data={"csrf_token": token, "title_vi": "Biểu mẫu (thử)"})
    assert made.status_code == 303 and made.headers["location"] == "/staff/tours/t-form/edit"
    page = museum.get("/staff/tours/t-form/edit")
    assert "Biểu mẫu (thử)" in page.text and "node-0-id" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy and "wasm" not in policy and "worker-src" not in policy
    # the rooms may use the tour's own panoramas only: the museum tour's are refused, named
    wrong = museum.post(
        "/staff/tours/t-form/edit",
        data={
            "csrf_token": token,
            "title_vi": "Biểu mẫu (thử)",
            "start": "a",
            "node-0-id": "a",
            "node-0-media_id": str(tour["rooms"][0]),
            "node-0-name_vi": "A",
        },
    )
    assert wrong.status_code == 400 and "another record" in wrong.text and 'value="Biểu mẫu (thử)"' in wrong.text
    editor = signed_in(server, "tr-editor")
    token = CSRF_FIELD.search(editor.get("/staff/tours/t-bao-tang/edit").text).group(1)
    a, b = tour["rooms"][:2]
    saved = editor.post(
        "/staff/tours/t-bao-tang/edit",
        data={
            "csrf_token": token,
            "title_vi": "Bảo tàng (thử)",
            "museum_id": MUSEUM,
            "start": "a",
            "node-0-id": "a",
            "node-0-media_id": str(a),
            "node-0-name_vi": "Phòng A",
            "node-0-link-0-to": "b",
            "node-0-link-0-yaw": "33,5",
            "node-0-link-0-pitch": "-4",
            "node-0-hotspot-0-record": f"artefact:{people['sword']}",
            "node-0-hotspot-0-yaw": "-20",
            "node-0-hotspot-0-pitch": "",
            "node-0-hotspot-0-label_vi": "Kiếm",
            "node-1-id": "b",
            "node-1-media_id": str(b),
            "node-1-name_vi": "Phòng B",
            "node-1-link-0-to": "a",
            "node-1-link-0-yaw": "-146.5",
            "node-1-link-0-pitch": "0",
            "node-2-id": "",
            "node-2-media_id": "",
        },
    )
    assert saved.status_code == 303, saved.text
    public = server.client.get("/api/tours/t-bao-tang").json()
    assert [n["id"] for n in public["nodes"]] == ["a", "b"]
    assert public["nodes"][0]["links"] == [{"to": "b", "yaw": 33.5, "pitch": -4.0}]
    assert public["nodes"][0]["hotspots"][0]["label_vi"] == "Kiếm"
    reviewed = editor.post("/staff/tours/t-form/edit", data={"csrf_token": token, "command": "approve"})
    assert reviewed.status_code == 303 and server.client.get("/tours/t-form").status_code == 200
