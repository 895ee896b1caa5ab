"""A MkDocs hook (docs/guides/mkdocs.yml `hooks:`) that lets the offline search find Vietnamese
words typed without diacritics. Material's search (lunr, Vietnamese trimmer) matches words as they
are written, so 'khoi phuc' would not find 'khôi phục' (measured). Each section of a page gets a
hidden copy of its text with the marks folded away ('đ' → 'd'), which the search indexes and the
reader never sees (the `hidden` attribute hides it from screen readers too)."""

from __future__ import annotations

import html
import re
import unicodedata

_HEADING = re.compile(r"(?=<h[1-6][\s>])")
_TAG = re.compile(r"<[^>]+>")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def on_page_content(content: str, page, config, files) -> str:
    if page.file.src_uri.startswith("en/"):
        return content
    out = []
    for chunk in _HEADING.split(content):
        text = " ".join(html.unescape(_TAG.sub(" ", chunk)).split())
        folded = fold(text)
        out.append(chunk)
        if folded != text:
            out.append(f'<p hidden class="khong-dau">{html.escape(folded)}</p>')
    return "".join(out)
