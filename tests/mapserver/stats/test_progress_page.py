"""/progress on a phone: the table headers break between words, never inside one (headless Debian
chromium through Playwright, as tests/e2e)."""

from __future__ import annotations

import pytest

PHONE = {"width": 360, "height": 740}
# Every word of every header cell, and the line boxes it was laid out on.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("table.progress th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/\\S+/g)) {
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
    phone_page.goto(live_server.url + "/progress")
    assert phone_page.locator("table.progress th", has_text="Kế hoạch").count() >= 1
    assert phone_page.evaluate(BROKEN_WORDS) == []
    # The page itself does not scroll sideways: a wide table scrolls in its own box.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
