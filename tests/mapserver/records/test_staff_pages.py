"""The staff pages through a real browser session (cookie sign-in, forms, redirects): create a draft,
see a validation error named, submit, approve as an editor, restore a version, read the audit page."""

from __future__ import annotations

import re

import psycopg
import pytest

from mapserver.accounts.service import create_user

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def people(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        for name, role in (("sp-museum", "surveyor"), ("sp-editor", "editor"), ("sp-admin", "admin")):
            create_user(conn, name, role, "correct horse battery")
    return ("sp-museum", "sp-editor", "sp-admin")


def signed_in(live_server, name):
    import httpx

    client = httpx.Client(base_url=live_server.url, follow_redirects=False)
    login_token = CSRF_FIELD.search(client.get("/login").text).group(1)
    data = {"name": name, "password": "correct horse battery", "next": "/staff", "csrf_token": login_token}
    r = client.post("/login", data=data)
    assert r.status_code == 303 and r.headers["location"] == "/staff"
    # every form of the pages carries the session's CSRF token; the test sends it with each post
    client.headers["X-CSRF-Token"] = CSRF_FIELD.search(client.get("/staff").text).group(1)
    return client


def test_staff_pages_need_a_sign_in(live_server):
    r = live_server.client.get("/staff/artefacts", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_draft_to_published_through_the_forms(live_server, people):
    museum = signed_in(live_server, "sp-museum")
    form = museum.get("/staff/artefacts/new")
    assert form.status_code == 200 and "Số đăng ký" in form.text and form.headers["content-security-policy"]
    bad = museum.post(
        "/staff/artefacts/new",
        data={"museum_id": "bao-tang-brvt", "number": "SP-1", "name_vi": "Ấn đồng (mẫu thử)", "quantity": "-2"},
    )
    assert bad.status_code == 400 and "quantity" in bad.text and "Ấn đồng (mẫu thử)" in bad.text
    made = museum.post(
        "/staff/artefacts/new",
        data={
            "museum_id": "bao-tang-brvt",
            "number": "SP-1",
            "name_vi": "Ấn đồng (mẫu thử)",
            "national_treasure": "on",
        },
    )
    assert made.status_code == 303
    url = made.headers["location"]
    record_id = url.rsplit("/", 1)[1]
    assert live_server.client.get(f"/api/artefacts/{record_id}").status_code == 404  # a draft
    assert museum.post(url, data={"command": "submit"}).status_code == 303
    assert "in_review" in museum.get(url).text
    refused = museum.post(url, data={"command": "approve"})
    assert refused.status_code == 403 and "editor" in refused.text
    editor = signed_in(live_server, "sp-editor")
    assert "Ấn đồng (mẫu thử)" in editor.get("/staff").text  # in the review queue
    assert editor.post(url, data={"command": "approve"}).status_code == 303
    public = live_server.client.get(f"/api/artefacts/{record_id}").json()
    assert public["national_treasure"] is True and public["publication_status"] == "published"
    # a form posts every field: what it leaves empty is emptied
    full = {
        "museum_id": "bao-tang-brvt",
        "number": "SP-1",
        "name_vi": "Ấn đồng (sửa)",
        "quantity": "1",
        "dimensions": "{}",
        "national_treasure": "on",
    }
    assert editor.post(url, data={**full, "dimensions": "{not json"}).status_code == 400
    assert editor.post(url, data=full).status_code == 303
    assert live_server.client.get(f"/api/artefacts/{record_id}").json()["name_vi"] == "Ấn đồng (sửa)"
    assert editor.post(url, data={"command": "restore", "version": "1"}).status_code == 303
    assert live_server.client.get(f"/api/artefacts/{record_id}").json()["name_vi"] == "Ấn đồng (mẫu thử)"
    foreign = editor.post(url, data={"command": "approve"}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403


def test_every_kind_has_a_list_page_with_its_status_filter(live_server, people):
    from mapserver.records.registry import all_kinds
    from mapserver.records.staff_pages import EDITABLE_KINDS

    editor = signed_in(live_server, "sp-editor")
    for kind in (k for k in all_kinds() if k.name in EDITABLE_KINDS):
        page = editor.get(f"/staff/{kind.path}")
        assert page.status_code == 200, (kind.path, page.text[:300])
    filtered = editor.get("/staff/artefacts", params={"status": "published"})
    assert filtered.status_code == 200 and '<option value="published" selected>' in filtered.text
    assert editor.get("/staff/no-such-kind").status_code == 404


def test_audit_page_is_for_admins(live_server, people):
    assert signed_in(live_server, "sp-editor").get("/staff/audit").status_code == 303
    page = signed_in(live_server, "sp-admin").get("/staff/audit", params={"entity": "artefact"})
    assert page.status_code == 200 and "approve" in page.text and "/api/audit?entity=artefact&amp;f=csv" in page.text
