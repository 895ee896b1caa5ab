"""The one review workflow on a real PostGIS over HTTP: a draft is invisible to the public in every
output and visible to staff; submit → reject (reason kept) → approve publishes; every change is a
version that an editor can restore; the audit log records it all and exports as CSV."""

from __future__ import annotations

import csv
import io

import psycopg
import pytest

from mapserver.accounts.service import create_user


@pytest.fixture(scope="module")
def tokens(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        return {role: create_user(conn, f"wf-{role}", role)[1] for role in ("surveyor", "editor", "admin")}


def auth(tokens, role):
    return {"Authorization": f"Bearer {tokens[role]}"} if role else {}


def call(client, method, url, tokens, role=None, **kwargs):
    return client.request(method, url, headers=auth(tokens, role), **kwargs)


ARTEFACT = {
    "museum_id": "bao-tang-brvt",
    "number": "WF-001",
    "name_vi": "Bình gốm men lam (mẫu thử)",
    "material": "gốm",
    "dating_text": "thời Nguyễn, thế kỷ XIX",
    "year_from": 1802,
    "year_to": 1900,
    "dimensions_text": "Cao 32cm, ĐK miệng 18cm",
    "dimensions": {"height_cm": 32, "mouth_diameter_cm": 18},
    "notes": "internal note",
}


@pytest.fixture(scope="module")
def draft(live_server, tokens):
    r = call(live_server.client, "POST", "/api/artefacts", tokens, "surveyor", json=ARTEFACT)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def public_outputs(client, record_id):
    """Every public way to see the artefact: detail, list, list search, cross-record search."""
    return {
        "detail": client.get(f"/api/artefacts/{record_id}").status_code == 200,
        "list": record_id in [a["id"] for a in client.get("/api/artefacts").json()["items"]],
        "q": record_id in [a["id"] for a in client.get("/api/artefacts", params={"q": "binh gom"}).json()["items"]],
        "search": str(record_id)
        in [
            h["id"]
            for h in client.get("/api/search", params={"q": "binh gom mau thu"}).json()["hits"]
            if h["kind"] == "artefact"
        ],
    }


def test_anonymous_and_low_roles_cannot_write(live_server, tokens):
    c = live_server.client
    assert c.post("/api/artefacts", json=ARTEFACT).status_code == 401
    assert (
        call(
            c, "POST", "/api/artefacts?publish=true", tokens, "surveyor", json={**ARTEFACT, "number": "WF-X"}
        ).status_code
        == 403
    )
    bad = call(c, "POST", "/api/artefacts", tokens, "surveyor", json={**ARTEFACT, "number": "WF-2", "quantity": 0})
    assert bad.status_code == 400 and bad.json()["parameter"] == "quantity"
    unknown_museum = call(
        c,
        "POST",
        "/api/artefacts",
        tokens,
        "surveyor",
        json={**ARTEFACT, "number": "WF-3", "museum_id": "no-such-museum"},
    )
    assert unknown_museum.status_code == 400 and unknown_museum.json()["parameter"] == "museum_id"
    assert "no-such-museum" not in unknown_museum.text or "constraint" not in unknown_museum.text


def test_draft_is_invisible_to_the_public_everywhere(live_server, tokens, draft):
    c = live_server.client
    assert public_outputs(c, draft) == {"detail": False, "list": False, "q": False, "search": False}
    staff = call(c, "GET", f"/api/artefacts/{draft}", tokens, "editor").json()
    assert staff["publication_status"] == "draft" and staff["notes"] == "internal note"


def test_submit_reject_approve_withdraw(live_server, tokens, draft):
    c = live_server.client
    url = f"/api/artefacts/{draft}/review"
    assert call(c, "POST", url, tokens, "surveyor", json={"action": "approve"}).status_code == 403
    assert (
        call(c, "POST", url, tokens, "surveyor", json={"action": "submit"}).json()["publication_status"] == "in_review"
    )
    queue = call(c, "GET", "/api/review", tokens, "editor").json()["items"]
    assert {"kind": "artefact", "id": str(draft)} in [{"kind": i["kind"], "id": i["id"]} for i in queue]
    assert call(c, "GET", "/api/review", tokens, "surveyor").status_code == 403
    no_reason = call(c, "POST", url, tokens, "editor", json={"action": "reject"})
    assert no_reason.status_code == 400 and no_reason.json()["parameter"] == "reason"
    assert call(c, "POST", url, tokens, "editor", json={"action": "reject", "reason": "Thiếu ảnh"}).status_code == 200
    rejected = call(c, "GET", f"/api/artefacts/{draft}", tokens, "surveyor").json()
    assert rejected["publication_status"] == "draft" and rejected["review_note"] == "Thiếu ảnh"
    assert call(c, "POST", url, tokens, "editor", json={"action": "withdraw"}).status_code == 409
    assert call(c, "POST", url, tokens, "surveyor", json={"action": "submit"}).status_code == 200
    assert (
        call(c, "POST", url, tokens, "editor", json={"action": "approve"}).json()["publication_status"] == "published"
    )
    assert public_outputs(c, draft) == {"detail": True, "list": True, "q": True, "search": True}
    public = c.get(f"/api/artefacts/{draft}").json()
    assert "notes" not in public and "review_note" not in public and public["dimensions"]["height_cm"] == 32


def test_versions_and_restore(live_server, tokens, draft):
    c = live_server.client
    # a contributor may not change a published record; an editor may
    assert call(c, "PATCH", f"/api/artefacts/{draft}", tokens, "surveyor", json={"name_vi": "x"}).status_code == 403
    assert (
        call(
            c, "PATCH", f"/api/artefacts/{draft}", tokens, "editor", json={"name_vi": "Bình gốm (đổi tên)"}
        ).status_code
        == 200
    )
    assert c.get(f"/api/artefacts/{draft}").json()["name_vi"] == "Bình gốm (đổi tên)"
    versions = call(c, "GET", f"/api/artefacts/{draft}/versions", tokens, "editor").json()["versions"]
    assert [v["action"] for v in versions][:2] == ["edit", "approve"] and versions[-1]["action"] == "create"
    assert versions[-1]["data"]["name_vi"] == ARTEFACT["name_vi"] and versions[-1]["actor"] == "user:wf-surveyor"
    first = versions[-1]["version"]
    assert call(c, "POST", f"/api/artefacts/{draft}/versions/{first}/restore", tokens, "surveyor").status_code == 403
    restored = call(c, "POST", f"/api/artefacts/{draft}/versions/{first}/restore", tokens, "editor")
    assert restored.status_code == 200
    again = c.get(f"/api/artefacts/{draft}").json()
    assert again["name_vi"] == ARTEFACT["name_vi"] and again["publication_status"] == "published"
    assert call(c, "POST", f"/api/artefacts/{draft}/versions/999/restore", tokens, "editor").status_code == 404


def test_audit_log_filters_and_csv(live_server, tokens, draft):
    c = live_server.client
    assert call(c, "GET", "/api/audit", tokens, "editor").status_code == 403
    entries = call(
        c, "GET", "/api/audit", tokens, "admin", params={"entity": "artefact", "entity_id": str(draft)}
    ).json()["entries"]
    actions = [e["action"] for e in entries]
    assert {"create", "submit", "reject", "approve", "edit", "restore"} <= set(actions)
    mine = call(c, "GET", "/api/audit", tokens, "admin", params={"actor": "user:wf-surveyor"}).json()["entries"]
    assert mine and all(e["actor"] == "user:wf-surveyor" for e in mine)
    exported = call(c, "GET", "/api/audit", tokens, "admin", params={"entity": "artefact", "f": "csv"})
    assert exported.headers["content-type"].startswith("text/csv") and exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == len(
        call(c, "GET", "/api/audit", tokens, "admin", params={"entity": "artefact"}).json()["entries"]
    )


def test_the_number_is_unique_per_museum(live_server, tokens, draft):
    r = call(live_server.client, "POST", "/api/artefacts", tokens, "editor", json=ARTEFACT)
    assert r.status_code == 409
    other = call(
        live_server.client,
        "POST",
        "/api/artefacts",
        tokens,
        "editor",
        json={**ARTEFACT, "museum_id": "bao-tang-con-dao"},
    )
    assert other.status_code == 201


def test_relic_review_hides_it_from_every_public_read(live_server, tokens):
    c = live_server.client
    url = "/api/sites/bach-dinh/review"
    assert (
        call(c, "POST", url, tokens, "editor", json={"action": "withdraw"}).json()["publication_status"] == "withdrawn"
    )
    assert c.get("/api/sites/bach-dinh").status_code == 404
    assert "bach-dinh" not in [f["id"] for f in c.get("/api/sites", params={"limit": 1000}).json()["features"]]
    assert c.get("/ogc/collections/relics/items/bach-dinh").status_code == 404
    assert c.get("/sites/bach-dinh").status_code == 404
    assert "bach-dinh" not in [h["id"] for h in c.get("/api/search", params={"q": "bach dinh"}).json()["hits"]]
    assert call(c, "POST", url, tokens, "editor", json={"action": "approve"}).status_code == 200
    assert c.get("/api/sites/bach-dinh").status_code == 200
    versions = call(c, "GET", "/api/sites/bach-dinh/versions", tokens, "editor").json()["versions"]
    assert [v["action"] for v in versions][:2] == ["approve", "withdraw"]
