"""The guide over HTTP with a real PostGIS: cited answers from published records only (a withdrawn
record is no longer cited, a draft never is, an approved one is once the refresh job ran), the
refusal, the rate limit, the question log without personal data, the staff page, and narration
(generated, served with ETag and ranges, replaced by a staff recording checked by its bytes)."""

from __future__ import annotations

import re
import shutil
import subprocess

import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.guide import service
from mapserver.guide.asking import runtime_of
from mapserver.guide.jobs import index_one, narrator
from mapserver.sites.kind import SITE
from mapserver.store import LocalStore
from tests.conftest import make_settings

ASK = "/api/guide/ask"


@pytest.fixture(scope="module")
def editor(guide_dsn) -> str:
    with psycopg.connect(guide_dsn) as conn:
        _, token = create_user(conn, "t-guide-editor", "editor", "correct horse battery")
    return token


@pytest.fixture(autouse=True)
def fresh_question_bucket(guide_server):
    # The module shares one server and one client address: each test starts with a full bucket so
    # that a slow machine (fewer tokens refilled between tests) cannot turn a test's answer into a 429.
    runtime_of(guide_server.app).buckets.clear()


def ask(client, question: str, lang: str = "vi", **headers):
    return client.post(ASK, json={"question": question, "lang": lang}, headers=headers)


def test_answer_quotes_a_published_record_with_citations(guide_server):
    r = ask(guide_server.client, "Bạch Dinh được xây dựng năm nào?")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["citations"] and body["citations"][0]["type"] == "site" and body["citations"][0]["id"] == "bach-dinh"
    assert body["citations"][0]["url"] == "/sites/bach-dinh"
    assert "1898" in body["answer"]
    for c in body["citations"]:
        assert c["text"] in body["answer"] and c["field"]
    english = ask(guide_server.client, "When was the White Palace built?", "en").json()
    # the right record and its English text; which English sentence comes first is the ranking's choice
    assert english["citations"][0]["id"] == "bach-dinh" and english["lang"] == "en"
    # an element without English text answers in Vietnamese, and says so
    element = ask(guide_server.client, "When is the death anniversary of Lady Phi Yen?", "en").json()
    assert element["citations"]


def test_a_when_question_is_answered_with_a_date_of_the_record(guide_server):
    # the best English passage only names the palace; the record's dated passage goes with it
    body = ask(guide_server.client, "When was Bạch Dinh (the White Palace) built?", "en").json()
    assert {c["id"] for c in body["citations"]} == {"bach-dinh"}
    assert re.search(r"\b1[89][0-9]{2}\b", body["answer"]), body["answer"]


def test_out_of_scope_is_refused_and_bad_input_is_a_problem(guide_server):
    r = ask(guide_server.client, "Tháp Eiffel cao bao nhiêu mét?")
    assert r.status_code == 200
    assert r.json()["answer"] is None and r.json()["refused"] is True and r.json()["reason"]
    bad = guide_server.client.post(ASK, json={"question": "", "lang": "vi"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert guide_server.client.post(ASK, json={"question": "x" * 501}).status_code == 400
    assert guide_server.client.post(ASK, json={"question": "a", "lang": "fr"}).status_code == 400


def test_a_client_asking_too_fast_is_told_when_to_ask_again(guide_server):
    from mapserver.guide.throttle import BURST

    answers = [ask(guide_server.client, "Bạch Dinh ở đâu?") for _ in range(int(BURST) + 2)]
    assert [r.status_code for r in answers[: int(BURST)]] == [200] * int(BURST)
    refused = answers[-1]
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"].startswith("application/problem+json")
    page = guide_server.client.post("/guide", data={"question": "Bạch Dinh ở đâu?", "lang": "vi"})
    assert page.status_code == 429


def test_withdrawn_records_are_not_cited_and_drafts_never(guide_server, guide_dsn, editor, embedder, tmp_path):
    client = guide_server.client
    auth = {"Authorization": f"Bearer {editor}"}
    question = "Nhà Tròn Bà Rịa cao bao nhiêu mét?"
    assert ask(client, question).json()["citations"][0]["id"] == "nha-tron-ba-ria"
    r = client.post("/api/sites/nha-tron-ba-ria/review", json={"action": "withdraw"}, headers=auth)
    assert r.status_code == 200 and r.json()["publication_status"] == "withdrawn"
    after = ask(client, question).json()
    assert all(c["id"] != "nha-tron-ba-ria" for c in after.get("citations", []))
    assert all(c["id"] != "nha-tron-ba-ria" for c in after.get("see_also", []))
    with psycopg.connect(guide_dsn) as conn:
        left = conn.execute("SELECT count(*) FROM guide_records WHERE record_id = 'nha-tron-ba-ria'").fetchone()[0]
    assert left == 0  # gone from the index in the transaction of the withdrawal

    draft = {
        "id": "t-trong-dong",
        "name_vi": "Lễ hội Trống Đồng Khổng Lồ",
        "place_vi": "Xóm Núi Sừng Tê",
        "description_vi": "Lễ hội Trống Đồng Khổng Lồ diễn ra ở xóm Núi Sừng Tê vào đêm rằm.",
    }
    assert client.post("/api/festivals", json=draft, headers=auth).status_code == 201
    with psycopg.connect(guide_dsn) as conn:
        service.refresh(conn, embedder)
    probe = "Lễ hội Trống Đồng Khổng Lồ diễn ra ở đâu?"
    assert all(c["id"] != "t-trong-dong" for c in ask(client, probe).json().get("citations", []))
    r = client.post("/api/festivals/t-trong-dong/review", json={"action": "approve"}, headers=auth)
    assert r.status_code == 200
    with psycopg.connect(guide_dsn) as conn:
        queued = conn.execute(
            "SELECT args FROM procrastinate_jobs WHERE task_name = %s AND status = 'todo'", (service.INDEX_TASK,)
        ).fetchall()
    assert {"kind": "festival", "record_id": "t-trong-dong"} in [a for (a,) in queued]
    assert index_one(make_settings(guide_dsn, tmp_path), "festival", "t-trong-dong", embedder=embedder)  # the job
    cited = ask(client, probe).json()
    assert cited["citations"][0]["type"] == "festival" and cited["citations"][0]["id"] == "t-trong-dong"
    assert "Sừng Tê" in cited["answer"]


def test_questions_are_logged_without_personal_data_and_shown_to_editors(guide_server, guide_dsn, editor):
    ask(guide_server.client, "Giá vé máy bay đi Hà Nội bao nhiêu?", **{"User-Agent": "secret-agent/1.0"})
    with psycopg.connect(guide_dsn) as conn:
        columns = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'guide_questions'"
            )
        }
        rows = conn.execute("SELECT * FROM guide_questions").fetchall()
    assert columns == {"id", "asked_at", "question", "lang", "answered", "reason", "top_kind", "top_id", "score"}
    assert not any("127.0.0.1" in str(v) or "secret-agent" in str(v) for row in rows for v in row)
    assert guide_server.client.get("/staff/guide", follow_redirects=False).status_code == 303
    page = guide_server.client.get("/staff/guide", headers={"Authorization": f"Bearer {editor}"})
    assert page.status_code == 200 and "Giá vé máy bay đi Hà Nội bao nhiêu?" in page.text
    missing = page.text[page.text.index('id="guide-missing"') : page.text.index('id="guide-recent"')]
    assert "Giá vé máy bay đi Hà Nội bao nhiêu?" in missing


def test_guide_page_answers_without_javascript(guide_server):
    page = guide_server.client.post("/guide", data={"question": "Dinh Cô ở Long Hải thờ ai?", "lang": "vi"})
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert 'href="/sites/dinh-co-long-hai"' in page.text and "guide-quote" in page.text


@pytest.mark.skipif(not shutil.which("espeak-ng") or not shutil.which("sox"), reason="espeak-ng/sox missing")
def test_narration_served_with_ranges_and_replaced_by_a_recording(guide_server, guide_dsn, editor, tmp_path):
    client = guide_server.client
    store = guide_server.app.state.store
    assert isinstance(store, LocalStore)
    url = "/api/guide/narration/site/bach-dinh"
    assert client.get(url).status_code == 404  # nothing rendered yet
    with psycopg.connect(guide_dsn) as conn:
        assert narrator(store)(conn, SITE, "bach-dinh") is True
        assert narrator(store)(conn, SITE, "bach-dinh") is False  # same text: cached
        key = conn.execute("SELECT store_key FROM guide_narrations WHERE record_id = 'bach-dinh'").fetchone()[0]
    assert key.startswith("narration/site/bach-dinh/v") and key.endswith(".mp3")
    full = client.get(url)
    assert full.status_code == 200 and full.headers["content-type"] == "audio/mpeg" and len(full.content) > 10_000
    etag = full.headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == full.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(full.content)}"

    wav = tmp_path / "voice.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(wav), "synth", "1.5", "sine", "440"], check=True)
    auth = {"Authorization": f"Bearer {editor}"}
    assert client.put(url, files={"file": ("voice.wav", wav.read_bytes())}).status_code == 401
    fake = client.put(url, files={"file": ("voice.mp3", b"<html>not audio</html>" * 10)}, headers=auth)
    assert fake.status_code == 400
    r = client.put(url, files={"file": ("whatever.bin", wav.read_bytes())}, headers=auth)
    assert r.status_code == 201 and r.json()["content_type"] == "audio/wav"
    recorded = client.get(url)
    assert recorded.headers["content-type"] == "audio/wav" and recorded.content == wav.read_bytes()
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url).headers["content-type"] == "audio/mpeg"
    # a record that is not public has no narration for the public
    assert client.post("/api/sites/bach-dinh/review", json={"action": "withdraw"}, headers=auth).status_code == 200
    assert client.get(url).status_code == 404
