"""The guide's chat box in headless Debian Chromium: on the 3D map (viewer/src/guide.js) a visitor
asks a question and sees a cited answer, and on the /guide page (static/guide.js) the same; no
request leaves 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import new_session


@pytest.fixture(scope="module")
def base_url(guide_server) -> str:
    return guide_server.url


def test_map_chat_answers_with_a_citation(browser, base_url):  # noqa: F811
    session = new_session(browser, base_url)
    try:
        session.open_viewer(base_url)
        page = session.page
        page.fill("#guide-question", "Bạch Dinh được xây dựng năm nào?")
        page.click("#guide-ask")
        session.wait("document.querySelector('#guide-answer .guide-quote') !== null")
        quote = page.text_content("#guide-answer .guide-quote")
        link = page.get_attribute("#guide-answer a[data-citation]", "data-citation")
        assert "1898" in quote and link.startswith("site:bach-dinh:")
        page.click("#guide-answer a[data-citation]")  # a relic citation opens the relic on the map
        session.wait("!document.querySelector('#panel').hidden")
        assert page.text_content("#panel-title") == "Di tích lịch sử văn hóa Bạch Dinh"
        assert page.get_attribute("#panel-narration", "src") == "/api/guide/narration/site/bach-dinh"
        page.fill("#guide-question", "Tháp Eiffel cao bao nhiêu mét?")
        page.click("#guide-ask")
        session.wait("document.querySelector('#guide-answer .guide-refused') !== null")
        session.assert_clean()
    finally:
        session.context.close()


def test_guide_page_answers_in_place(browser, base_url):  # noqa: F811
    session = new_session(browser, base_url)
    try:
        page = session.page
        page.goto(base_url + "/guide")
        page.fill("input[name=question]", "Who is the tutelary god of the Phước Lễ communal house?")
        page.select_option("select[name=lang]", "en")
        page.click("form.guide-form button")
        session.page.wait_for_selector(".guide-answer .guide-quote")  # no eval: the page's CSP forbids it
        assert page.url == base_url + "/guide"  # answered in place, no form post
        assert "Nguyễn Thiếp" in page.text_content(".guide-answer .guide-quote")
        assert page.get_attribute(".guide-answer a[data-citation]", "href") == "/sites/dinh-than-phuoc-le"
        session.assert_clean()
    finally:
        session.context.close()
