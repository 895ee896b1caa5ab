"""Editors change relic records: roles, validation naming the field, drafts hidden, history, audit."""

from __future__ import annotations

import psycopg
import pytest

from mapserver.accounts.service import create_user


@pytest.fixture(scope="module")
def tokens(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        return {role: create_user(conn, f"edit-{role}", role)[1] for role in ("surveyor", "editor")}


def patch(client, token, site_id, body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.patch(f"/api/sites/{site_id}", json=body, headers=headers)


def test_roles(live_server, tokens):
    assert patch(live_server.client, None, "bach-dinh", {"name_en": "White Villa"}).status_code == 401
    assert patch(live_server.client, tokens["surveyor"], "bach-dinh", {"name_en": "x"}).status_code == 403


def test_edit_attributes_position_and_publication(live_server, tokens, module_dsn):
    c, token = live_server.client, tokens["editor"]
    r = patch(
        c,
        token,
        "bach-dinh",
        {
            "name_en": "White Palace",
            "category": "architectural_artistic",
            "position": {
                "lon": 107.0703,
                "lat": 10.3512,
                "location_status": "approximate",
                "location_source": "editor estimate from 1:2000 map",
                "location_accuracy_m": 25,
            },
        },
    )
    assert r.status_code == 200, r.text
    props = r.json()["properties"]
    assert (props["name_en"], props["category"], props["location_status"]) == (
        "White Palace",
        "architectural_artistic",
        "approximate",
    )
    assert r.json()["geometry"]["coordinates"] == [107.0703, 10.3512] and props["location_history"] == 1
    assert c.get("/api/sites", params={"q": "white palace"}).json()["numberMatched"] == 1

    assert patch(c, token, "bach-dinh", {"publication_status": "draft"}).status_code == 200
    assert c.get("/api/sites/bach-dinh").status_code == 404  # drafts are not public
    assert patch(c, token, "bach-dinh", {"publication_status": "published"}).status_code == 200
    assert c.get("/api/sites/bach-dinh").status_code == 200
    with psycopg.connect(module_dsn) as conn:
        edits = conn.execute(
            "SELECT actor, detail->'before'->>'name_en' FROM audit_log "
            "WHERE entity = 'site' AND entity_id = 'bach-dinh' ORDER BY id"
        ).fetchall()
    assert edits[0] == ("user:edit-editor", None) and len(edits) == 3


@pytest.mark.parametrize(
    "body, field",
    [
        ({"colour": "red"}, "colour"),
        ({"rank": "famous"}, "rank"),
        (
            {"position": {"lon": 200, "lat": 10, "location_status": "sourced", "location_source": "x y z"}},
            "position.lon",
        ),
        (
            {"position": {"lon": 107, "lat": 10, "location_status": "unknown", "location_source": "abc"}},
            "position.location_status",
        ),
        ({"decision_date": "31/02/1990"}, "decision_date"),
    ],
)
def test_bad_edits_name_the_field(live_server, tokens, body, field):
    r = patch(live_server.client, tokens["editor"], "bach-dinh", body)
    assert r.status_code == 400 and field in r.json()["detail"], r.text


def test_unknown_relic_and_empty_patch(live_server, tokens):
    assert patch(live_server.client, tokens["editor"], "nope", {"name_en": "x"}).status_code == 404
    assert patch(live_server.client, tokens["editor"], "bach-dinh", {}).status_code == 400
