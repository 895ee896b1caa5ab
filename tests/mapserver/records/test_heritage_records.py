"""The other kinds of record over HTTP: shipped festivals with their solar dates and iCalendar feed,
links shown from both ends, artisans' personal data, documents, craft villages, intangible elements
and the cross-record search."""

from __future__ import annotations

from datetime import date

import icalendar
import psycopg
import pytest

from mapserver.accounts.service import create_user


@pytest.fixture(scope="module")
def editor(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        return {"Authorization": f"Bearer {create_user(conn, 'hr-editor', 'editor')[1]}"}


def test_shipped_festivals_have_their_solar_dates(live_server):
    items = {f["id"]: f for f in live_server.client.get("/api/festivals", params={"year": 2025}).json()["items"]}
    assert set(items) == {"le-gio-ba-phi-yen", "le-hoi-nghinh-ong-thang-tam", "le-hoi-dinh-co-long-hai"}
    # 15–18 tháng 8 and 10–12 tháng 2 âm lịch, 18 tháng 10 âm lịch (the 2025 ceremony was on 7/12/2025)
    assert (items["le-hoi-nghinh-ong-thang-tam"]["solar_start"], items["le-hoi-nghinh-ong-thang-tam"]["solar_end"]) == (
        "2025-10-06",
        "2025-10-09",
    )
    assert (items["le-hoi-dinh-co-long-hai"]["solar_start"], items["le-hoi-dinh-co-long-hai"]["solar_end"]) == (
        "2025-03-09",
        "2025-03-11",
    )
    assert items["le-gio-ba-phi-yen"]["solar_start"] == "2025-12-07"
    one = live_server.client.get("/api/festivals/le-hoi-dinh-co-long-hai", params={"year": 2026}).json()
    assert (one["solar_start"], one["solar_end"]) == ("2026-03-28", "2026-03-30")
    bad = live_server.client.get("/api/festivals", params={"year": "1500"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "year"


def test_festival_feed_is_valid_icalendar(live_server):
    r = live_server.client.get("/api/festivals.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(r.content).walk("VEVENT")
    assert len(events) >= 3
    for event in events:
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert isinstance(start, date) and end > start
        assert end >= date.today()
    assert {str(e["summary"]) for e in events} >= {"Lễ hội Dinh Cô Long Hải", "Lễ hội Nghinh Ông Thắng Tam"}


def test_links_are_shown_from_both_ends(live_server, editor):
    c = live_server.client
    festival = c.get("/api/festivals/le-hoi-dinh-co-long-hai").json()
    assert [(link["kind"], link["id"]) for link in festival["links"]] == [("site", "dinh-co-long-hai")]
    site = c.get("/api/sites/dinh-co-long-hai").json()
    assert ("festival", "le-hoi-dinh-co-long-hai") in [(k["kind"], k["id"]) for k in site["properties"]["links"]]
    page = c.get("/sites/dinh-co-long-hai").text
    assert 'href="/festivals/le-hoi-dinh-co-long-hai"' in page
    doc = c.post(
        "/api/documents?publish=true",
        headers=editor,
        json={"title_vi": "Bản đồ Vũng Tàu (mẫu thử)", "doc_type": "map", "language": "fr"},
    ).json()
    link = c.post(
        "/api/links",
        headers=editor,
        json={
            "from_kind": "document",
            "from_id": str(doc["id"]),
            "to_kind": "site",
            "to_id": "bach-dinh",
            "relation": "depicts",
        },
    )
    assert link.status_code == 201 and link.json()["created"]
    assert (
        c.post(
            "/api/links", json={"from_kind": "document", "from_id": "1", "to_kind": "site", "to_id": "bach-dinh"}
        ).status_code
        == 401
    )
    missing = c.post(
        "/api/links",
        headers=editor,
        json={"from_kind": "document", "from_id": "999999", "to_kind": "site", "to_id": "bach-dinh"},
    )
    assert missing.status_code == 400 and missing.json()["parameter"] == "from_id"
    site_links = c.get("/api/sites/bach-dinh").json()["properties"]["links"]
    assert {"kind": "document", "id": str(doc["id"]), "relation": "depicts", "direction": "in"}.items() <= next(
        k for k in site_links if k["kind"] == "document"
    ).items()
    # a draft at the other end is not shown to the public
    draft = c.post("/api/documents", headers=editor, json={"title_vi": "Hồ sơ nháp"}).json()
    c.post(
        "/api/links",
        headers=editor,
        json={"from_kind": "document", "from_id": str(draft["id"]), "to_kind": "site", "to_id": "bach-dinh"},
    )
    public_ids = [k["id"] for k in c.get("/api/sites/bach-dinh").json()["properties"]["links"]]
    assert str(draft["id"]) not in public_ids and str(doc["id"]) in public_ids


def test_artisan_without_consent_is_never_public(live_server, editor):
    c = live_server.client
    person = {
        "name_vi": "Nguyễn Văn Mẫu (thử)",
        "title": "nghe_nhan_uu_tu",
        "craft_vi": "hát bả trạo",
        "contact": "0900 000 000",
        "birth_year": 1950,
    }
    no_consent = c.post("/api/artisans?publish=true", headers=editor, json=person).json()["id"]
    assert c.get(f"/api/artisans/{no_consent}").status_code == 404
    assert no_consent not in [a["id"] for a in c.get("/api/artisans").json()["items"]]
    assert "Mẫu (thử)" not in c.get("/api/search", params={"q": "nguyen van mau"}).text
    bad = c.post("/api/artisans", headers=editor, json={**person, "consent": True})  # no date of the consent
    assert bad.status_code >= 400
    consented = c.post(
        "/api/artisans?publish=true",
        headers=editor,
        json={**person, "name_vi": "Trần Thị Mẫu (thử)", "consent": True, "consent_recorded_on": "2026-11-30"},
    ).json()["id"]
    public = c.get(f"/api/artisans/{consented}").json()
    assert public["name_vi"] == "Trần Thị Mẫu (thử)" and public["craft_vi"] == "hát bả trạo"
    assert not {"contact", "birth_year", "consent", "consent_recorded_on", "consent_note"} & set(public)
    assert c.get(f"/api/artisans/{no_consent}", headers=editor).json()["contact"] == "0900 000 000"


def test_search_across_kinds_ignores_diacritics(live_server, editor):
    c = live_server.client
    made = c.post(
        "/api/craft-villages?publish=true",
        headers=editor,
        json={"id": "lang-mau-thu", "name_vi": "Làng nghề đan lát Mẫu Thử", "craft_vi": "đan lát"},
    )
    assert made.status_code == 201, made.text
    hits = c.get("/api/search", params={"q": "dan lat mau thu"}).json()
    assert hits["numberMatched"] >= 1 and hits["hits"][0]["kind"] == "craft_village"
    nghinh = c.get("/api/search", params={"q": "nghinh ong"}).json()["hits"]
    assert {"festival", "intangible"} <= {h["kind"] for h in nghinh}
    only = c.get("/api/search", params={"q": "nghinh ong", "type": "festival"}).json()["hits"]
    assert {h["kind"] for h in only} == {"festival"} and only[0]["url"].startswith("/api/festivals/")
    assert c.get("/api/search", params={"q": "x", "type": "castle"}).status_code == 400


def test_list_parameters_are_checked(live_server):
    c = live_server.client
    assert c.get("/api/documents", params={"nope": "1"}).json()["parameter"] == "nope"
    assert c.get("/api/documents", params={"limit": "0"}).status_code == 400
    assert c.get("/api/artefacts/abc").status_code == 404
    elements = c.get("/api/intangible").json()
    assert elements["numberMatched"] == 3


def test_relics_have_their_story_with_sources(live_server):
    props = live_server.client.get("/api/sites/bach-dinh").json()["properties"]
    assert props["description_vi"] and props["description_en"] and props["narration_vi"]
    assert props["story_sources"].startswith("https://")
    page = live_server.client.get("/sites/bach-dinh").text
    assert "Giới thiệu" in page and "Lịch sử" in page and props["description_en"][:40] in page.replace("&#39;", "'")


def test_record_pages(live_server, editor):
    c = live_server.client
    page = c.get("/festivals/le-hoi-dinh-co-long-hai")
    assert page.status_code == 200 and "Lễ hội Dinh Cô Long Hải" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert '"@type": "Event"' in page.text and 'href="/sites/dinh-co-long-hai"' in page.text
    draft = c.post("/api/documents", headers=editor, json={"title_vi": "<script>alert(1)</script> nháp"}).json()
    assert c.get(f"/documents/{draft['id']}").status_code == 404
    c.post(f"/api/documents/{draft['id']}/review", headers=editor, json={"action": "approve"})
    shown = c.get(f"/documents/{draft['id']}").text
    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert c.get("/artefacts/999999").status_code == 404 and c.get("/artefacts/abc").status_code == 404
