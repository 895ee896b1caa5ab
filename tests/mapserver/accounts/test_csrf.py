"""CSRF: a cookie-authenticated write needs the session's token (header or form field) besides a
same-site Origin, for JSON uploads and the staff forms alike; API clients with a bearer token
need none."""

from __future__ import annotations

import psycopg
import pytest

from .helpers import CSRF_META, Browser, clear_throttle, make_users

# Check pair of tests/mapserver/surveys: VN-2000 / TM-3 107-45 E and N of a point at Vũng Tàu.
POINT = b"P1,1144200.498,426902.367,15\n"
SURVEY_FORM = {"site_id": "bach-dinh", "crs": "EPSG:5899", "heights": "normal"}


@pytest.fixture(scope="module")
def tokens(module_dsn):
    clear_throttle(module_dsn)
    return make_users(module_dsn, ("cs-surveyor", "surveyor"), ("cs-editor", "editor"))


@pytest.fixture(scope="module")
def surveyor(live_server, tokens):
    browser = Browser(live_server.url, "cs-surveyor")
    yield browser
    browser.close()


def batches(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM survey_batches").fetchone()[0]


def upload(client, form=SURVEY_FORM, **options):
    return client.post("/api/surveys", data=form, files={"file": ("a.csv", POINT, "text/csv")}, **options)


def test_cookie_upload_without_the_token_is_refused_and_nothing_stored(surveyor, module_dsn):
    before = batches(module_dsn)
    bare = upload(surveyor.client)  # no Origin header and no token: what a foreign form could send
    assert bare.status_code == 403 and "CSRF" in bare.json()["detail"]
    wrong = upload(surveyor.client, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    foreign = upload(surveyor.client, headers={"X-CSRF-Token": surveyor.csrf, "Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert batches(module_dsn) == before


def test_cookie_upload_with_the_token_is_stored(surveyor, module_dsn, live_server):
    before = batches(module_dsn)
    by_header = upload(surveyor.client, headers={"X-CSRF-Token": surveyor.csrf, "Origin": live_server.url})
    assert by_header.status_code == 201, by_header.text
    by_field = upload(surveyor.client, form={**SURVEY_FORM, "csrf_token": surveyor.csrf})
    assert by_field.status_code == 201, by_field.text
    assert batches(module_dsn) == before + 2


def test_the_survey_page_gives_its_scripts_the_token(surveyor):
    page = surveyor.client.get("/survey")
    assert CSRF_META.search(page.text).group(1) == surveyor.csrf
    assert 'name="csrf_token"' in page.text  # the sign-out form
    script = surveyor.client.get("/static/survey.js").text
    assert "X-CSRF-Token" in script and "X-CSRF-Token" in surveyor.client.get("/static/scans.js").text


def test_bearer_clients_need_no_token(live_server, tokens, module_dsn):
    before = batches(module_dsn)
    r = upload(live_server.client, headers={"Authorization": f"Bearer {tokens['cs-surveyor']}"})
    assert r.status_code == 201 and batches(module_dsn) == before + 1


def test_staff_forms_need_the_token(live_server, tokens, module_dsn):
    editor = Browser(live_server.url, "cs-editor")
    form = editor.client.get("/staff/documents/new")
    assert f'name="csrf_token" value="{editor.csrf}"' in form.text
    fields = {"title_vi": "Tài liệu thử CSRF", "doc_type": "other"}
    with psycopg.connect(module_dsn) as conn:
        before = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    refused = editor.client.post("/staff/documents/new", data=fields)
    assert refused.status_code == 403
    with psycopg.connect(module_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == before
    made = editor.client.post("/staff/documents/new", data={**fields, "csrf_token": editor.csrf})
    assert made.status_code == 303, made.text
    # JSON writes of the same session share the one check
    patch = editor.client.patch(made.headers["location"].replace("/staff/", "/api/"), json={"title_vi": "Sửa"})
    assert patch.status_code == 403
    editor.close()
