"""A4 PDF documents with the DejaVu fonts embedded (Debian fonts-dejavu-core, installed by
scripts/setup.sh), so Vietnamese diacritics print the same on any machine and printer."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"


def new_pdf(title: str):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 15, 15)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    pdf.set_title(title)
    pdf.add_page()
    return pdf


def write_lines(pdf, text: str, *, size: int = 10, style: str = "", height: float = 5.5, align: str = "L") -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")
