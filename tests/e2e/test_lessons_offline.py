"""The offline lesson package opens from file:// (a USB stick in a classroom): every page loads
with no request leaving the unpacked folder, no console error, and every relative link resolves."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from tests.e2e.conftest import new_session
from tests.mapserver.lessons.helpers import run_lesson_jobs

SAMPLE = "bai-mau-le-hoi-mien-bien"


def test_offline_package_opens_from_a_folder(live_server, browser, tmp_path):
    c = live_server.client
    assert c.get("/lessons/package.zip").status_code == 202
    run_lesson_jobs(live_server)
    package = c.get("/lessons/package.zip")
    assert package.status_code == 200
    zipfile.ZipFile(io.BytesIO(package.content)).extractall(tmp_path)
    pages = sorted(tmp_path.rglob("*.html"))
    assert len(pages) >= 6  # index, the lesson, its records
    for page in pages:  # every relative link and image points at a file in the package
        for target in re.findall(r'(?:href|src)="([^"#:]+)"', page.read_text(encoding="utf-8")):
            assert (page.parent / target).resolve().exists(), f"{page.name} → {target}"
    session = new_session(browser, "file://")
    index = (tmp_path / "index.html").as_uri()
    session.page.goto(index)
    session.page.click(f'a[href="lessons/{SAMPLE}.html"]')
    session.page.wait_for_url(re.compile(f"{SAMPLE}.html$"))
    assert "Lễ hội Dinh Cô Long Hải" in session.page.content()
    session.page.click('a[href="../records/site-dinh-co-long-hai.html"]')
    session.page.wait_for_url(re.compile("site-dinh-co-long-hai.html$"))
    assert session.page.locator("h1").inner_text().strip() == "Dinh Cô"
    assert all(url.startswith("file://") for url in session.requests), session.requests
    session.assert_clean()
    session.context.close()
    assert Path(tmp_path / "LICENCE.txt").read_text(encoding="utf-8").count("CC-BY-4.0") >= 1
