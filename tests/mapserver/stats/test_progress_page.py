"""/progress in headless Debian chromium (the session's one `browser`): axe-core finds no serious or
critical WCAG 2.1 AA violation in either language, the page works without JavaScript (the year and
language are plain links), progress is told in text and not by the bars' colour alone, and on a
phone the table headers break between words, never inside one."""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_portal import axe_violations

PHONE = {"width": 360, "height": 740}
# Every word of every header cell, and the line boxes it was laid out on. A dash joins two words
# ("Bà Rịa–Vũng Tàu"): a line may end after it.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("table.progress th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/[^\\s\u2013]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.fixture
def phone_page(browser):
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    yield page
    page.close()


def test_progress_headers_do_not_break_inside_a_word_on_a_phone(live_server, phone_page):
    for path in ("/progress", "/progress?lang=en"):
        phone_page.goto(live_server.url + path)
        assert (
            phone_page.locator(
                "table.progress th", has_text="Chỉ tiêu Kế hoạch" if path == "/progress" else "Plan target"
            ).count()
            == 1
        )
        assert phone_page.evaluate(BROKEN_WORDS) == [], path
        # The page itself does not scroll sideways: a wide table scrolls in its own box.
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path


def audited(page, url: str) -> list[dict]:
    page.goto(url, wait_until="load")
    return axe_violations(page)


def test_axe_finds_no_serious_violation(browser, live_server):
    # axe is injected as a script: the page's CSP (no scripts at all) is bypassed for the audit only.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    found = {path: v for path in ("/progress", "/progress?lang=en") if (v := audited(page, live_server.url + path))}
    context.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_page_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/progress")
    year = page.locator('nav ul.years a[aria-current="page"]').inner_text()
    assert page.locator("h1").inner_text() == f"Tiến độ số hóa di sản năm {year}"
    # progress in words: the share of the target is text beside the number, the bar is decoration
    recorded = page.locator("#plan-national td[data-col=recorded]")
    assert recorded.inner_text().split()[:2] == ["20", "71%"]
    assert recorded.locator(".track").get_attribute("aria-hidden") == "true"
    assert "71% so với chỉ tiêu" in recorded.text_content()
    page.click("text=English")
    page.wait_for_url(f"**/progress?year={year}&lang=en")
    assert page.locator("h1").inner_text() == f"Heritage digitization progress, {year}"
    assert page.locator("div.progress-page").get_attribute("lang") == "en"
    page.click("text=Tiếng Việt")
    page.wait_for_url(f"**/progress?year={year}")
    assert page.locator("h2#plan-title").inner_text() == "Theo chỉ tiêu của Kế hoạch"
    context.close()
