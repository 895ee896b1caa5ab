"""One printable A4 PDF per role and language, from the same Markdown as the site.

No browser is installed where the product runs, so the pages are not printed by Chromium: the
Markdown is turned into plain HTML (python-markdown, the converter MkDocs uses) and laid out by
fpdf2's HTML renderer with the DejaVu fonts of mapserver/pdf.py embedded; screenshots are included
from docs/guides/img/. Links to product pages are printed as their path, since paper has no host.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..pdf import FONT, FONT_DIR, new_pdf
from . import SOURCE_DIR, role_guides

MONO = "DejaVuSansMono"
_IMAGE = re.compile(r'<img(?P<before>[^>]*?)src="(?P<src>[^"]+)"(?P<after>[^>]*)>')
_LINK = re.compile(r'<a href="(?P<href>[^"]*)"[^>]*>(?P<text>.*?)</a>', re.S)
_ADMONITION = re.compile(r'<div class="admonition[^"]*">\s*<p class="admonition-title">(.*?)</p>', re.S)
_HEADER_ANCHOR = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_CELL = re.compile(r"(?P<open><t[dh](?:\s[^>]*)?>)(?P<text>.*?)(?P<close></t[dh]>)", re.S)
_IMAGE_PARAGRAPH = re.compile(r"<p>\s*(<img[^>]*>)\s*</p>")
PAGE_WIDTH_MM = 175  # A4 less the margins of new_pdf


def _html_of(markdown_text: str) -> str:
    import markdown

    return markdown.markdown(
        markdown_text,
        extensions=["admonition", "attr_list", "tables", "pymdownx.superfences", "pymdownx.details"],
    )


def _for_print(body: str, page: Path) -> str:
    """What fpdf2's small HTML renderer can lay out: images as files, links spelled out, admonitions
    as a bold line, no permalink anchors."""

    def image(match: re.Match) -> str:
        path = (page.parent / html.unescape(match["src"])).resolve()
        if not path.is_file():
            return ""
        return f'<img src="{html.escape(str(path))}" width="{PAGE_WIDTH_MM * 3}">'

    def link(match: re.Match) -> str:
        href, text = html.unescape(match["href"]), match["text"]
        if href.startswith("/") and href not in text:
            return f"{text} (<code>{html.escape(href)}</code>)"
        if href.endswith(".md") or href.startswith("#"):
            return text
        return f'<a href="{html.escape(href)}">{text}</a>'

    body = _HEADER_ANCHOR.sub("", body)
    body = _IMAGE.sub(image, body)
    body = _LINK.sub(link, body)
    body = _ADMONITION.sub(r"<p><b>\1</b></p>", body)
    body = re.sub(r"</?(div|details|summary|span)[^>]*>", "", body)
    # fpdf2 lays out plain text only inside table cells.
    body = _CELL.sub(lambda m: m["open"] + re.sub(r"<[^>]+>", "", m["text"]) + m["close"], body)
    # A picture is its own block: fpdf2 starts the text after it below the picture.
    return _IMAGE_PARAGRAPH.sub(r"\1<br>", body)


def title_of(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem


def role_pdf(pages: list[Path], destination: Path) -> Path:
    from fpdf import FontFace

    title = title_of(pages[0])
    pdf = new_pdf(title)
    pdf.add_font(MONO, "", str(FONT_DIR / "DejaVuSansMono.ttf"))
    # DejaVu Sans Mono lacks some precomposed Vietnamese letters (ễ, ắ, ồ…): those come from Sans.
    pdf.set_fallback_fonts([FONT])
    pdf.set_font(FONT, "", 10)
    pdf.set_auto_page_break(True, margin=15)
    mono = FontFace(family=MONO, size_pt=8.5)
    for number, page in enumerate(pages):
        if number:
            pdf.add_page()
        body = _for_print(_html_of(page.read_text(encoding="utf-8")), page)
        pdf.write_html(
            body,
            font_family=FONT,
            tag_styles={
                "code": mono,
                "pre": mono,
                "h1": FontFace(family=FONT, emphasis="BOLD", size_pt=18, color=(11, 92, 173)),
                "h2": FontFace(family=FONT, emphasis="BOLD", size_pt=14, color=(11, 92, 173)),
                "h3": FontFace(family=FONT, emphasis="BOLD", size_pt=12),
                "a": FontFace(color=(11, 92, 173)),
            },
        )
    pdf.output(str(destination))
    return destination


def build_pdfs(folder: Path, source: Path = SOURCE_DIR, languages=("vi", "en")) -> list[Path]:
    """``<role>.<lang>.pdf`` for every role guide found in each language."""
    made = []
    for lang in languages:
        for role, pages in role_guides(lang, source).items():
            made.append(role_pdf(pages, folder / f"{role}.{lang}.pdf"))
    return made
