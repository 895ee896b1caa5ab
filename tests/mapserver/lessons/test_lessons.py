"""The learning library over HTTP against the seeded registry: the shipped sample lesson, lessons
written through the API with their content checked, the public rule (drafts hidden; a withdrawn
relic leaves every lesson at once), and the teacher's files made by the real worker."""

from __future__ import annotations

import io
import subprocess
import zipfile

import psycopg
import pytest

from mapserver.accounts.service import create_user
from tests.mapserver.lessons.helpers import run_lesson_jobs

SAMPLE = "bai-mau-le-hoi-mien-bien"


@pytest.fixture(scope="module")
def editor(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        return {"Authorization": f"Bearer {create_user(conn, 'lesson-editor', 'editor')[1]}"}


def lesson_body(**changes):
    body = {
        "id": "bai-bach-dinh",
        "title_vi": "Bạch Dinh",
        "subject": "history",
        "grade_from": 8,
        "grade_to": 9,
        "content": {
            "sections": [{"heading_vi": "Dinh thự trên Núi Lớn", "items": ["site:bach-dinh", "site:nha-lon-long-son"]}],
            "questions": [{"question_vi": "Bạch Dinh ở thành phố nào?", "answer_vi": "Vũng Tàu."}],
        },
    }
    return body | changes


def test_the_sample_lesson_is_shown_with_its_records(live_server):
    c = live_server.client
    listing = c.get("/lessons", params={"subject": "local_education", "grade": 7})
    assert listing.status_code == 200 and f'href="/lessons/{SAMPLE}"' in listing.text
    assert SAMPLE not in c.get("/lessons", params={"grade": 12}).text
    page = c.get(f"/lessons/{SAMPLE}")
    assert page.status_code == 200 and "script-src 'none'" in page.headers["content-security-policy"]
    assert "Bài học mẫu" in page.text and "Câu hỏi" in page.text
    for href in (
        "/intangible/le-hoi-nghinh-ong-thang-tam",
        "/festivals/le-hoi-dinh-co-long-hai",
        "/sites/dinh-co-long-hai",
    ):
        assert f'href="{href}"' in page.text
    assert c.get("/lessons", params={"subject": "alchemy"}).status_code == 400


def test_content_is_checked_and_names_the_place(live_server, editor):
    c = live_server.client
    bad = lesson_body(content={"sections": [{"heading_vi": "x", "items": ["site:bach-dinh", "planet:mars"]}]})
    r = c.post("/api/lessons", json=bad, headers=editor)
    assert r.status_code == 400 and "sections[1].items[2]" in r.json()["detail"]
    r = c.post("/api/lessons", json=lesson_body(content={"sections": [{"items": []}]}), headers=editor)
    assert r.status_code == 400 and "sections[1].heading_vi" in r.json()["detail"]
    r = c.post("/api/lessons", json=lesson_body(content={"chapters": []}), headers=editor)
    assert r.status_code == 400
    assert c.get("/lessons/bai-bach-dinh").status_code == 404  # nothing was written


def test_drafts_are_hidden_and_withdrawn_records_leave_the_lesson(live_server, editor):
    c = live_server.client
    assert c.post("/api/lessons", json=lesson_body(), headers=editor).status_code == 201
    assert c.get("/lessons/bai-bach-dinh").status_code == 404
    assert c.post("/api/lessons/bai-bach-dinh/review", json={"action": "approve"}, headers=editor).status_code == 200
    page = c.get("/lessons/bai-bach-dinh").text
    assert 'href="/sites/bach-dinh"' in page and 'href="/sites/nha-lon-long-son"' in page
    assert c.post("/api/sites/nha-lon-long-son/review", json={"action": "withdraw"}, headers=editor).status_code == 200
    page = c.get("/lessons/bai-bach-dinh").text
    assert 'href="/sites/bach-dinh"' in page and "nha-lon-long-son" not in page


def test_handout_and_package_are_made_by_the_worker(live_server, tmp_path):
    c = live_server.client
    first = c.get(f"/lessons/{SAMPLE}/handout.pdf")
    assert first.status_code == 202 and first.headers["retry-after"] == "5"
    assert c.get(f"/lessons/{SAMPLE}/package.zip").status_code == 202
    assert c.get("/lessons/package.zip", params={"subject": "local_education"}).status_code == 202
    assert c.get(f"/lessons/{SAMPLE}/handout.pdf").status_code == 202  # still preparing: not queued twice
    assert run_lesson_jobs(live_server) == 3
    pdf = c.get(f"/lessons/{SAMPLE}/handout.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert c.get(f"/lessons/{SAMPLE}/handout.pdf", headers={"If-None-Match": pdf.headers["etag"]}).status_code == 304
    (tmp_path / "h.pdf").write_bytes(pdf.content)
    fonts = subprocess.run(["pdffonts", str(tmp_path / "h.pdf")], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts
    text = subprocess.run(["pdftotext", str(tmp_path / "h.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Lễ hội Dinh Cô Long Hải" in text and "Đáp án: Năm 2023" in text
    package = zipfile.ZipFile(io.BytesIO(c.get(f"/lessons/{SAMPLE}/package.zip").content))
    names = set(package.namelist())
    assert {"index.html", f"lessons/{SAMPLE}.html", "records/site-dinh-co-long-hai.html", "LICENCE.txt"} <= names
    collection = zipfile.ZipFile(io.BytesIO(c.get("/lessons/package.zip?subject=local_education").content))
    assert f"lessons/{SAMPLE}.html" in collection.namelist()
