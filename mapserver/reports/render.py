"""The report's outline as DOCX (python-docx: the office edits it in Word), PDF (fpdf2 with DejaVu
fonts embedded, so Vietnamese diacritics print on any machine) and the figures as XLSX."""

from __future__ import annotations

from pathlib import Path

from ..pdf import FONT, new_pdf, write_lines
from ..stats.figures import Figures
from .outline import Block, Heading, Paragraph, Table, activity_table, kinds_table, museums_table, rank_table


def write_docx(blocks: list[Block], path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(13)  # the administrative documents' font
    for block in blocks:
        if isinstance(block, Heading):
            heading = doc.add_heading(block.text, level=block.level)
            if block.level == 0:
                heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(block, Paragraph):
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(block.text)
            run.bold, run.italic = block.bold, block.italic
            if block.centred:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            doc.add_paragraph(block.title).runs[0].bold = True
            table = doc.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            for row in block.rows:
                for cell, value in zip(table.add_row().cells, row):
                    cell.text = str(value)
    doc.save(path)


def write_pdf(blocks: list[Block], path: Path) -> None:
    pdf = new_pdf("Báo cáo số hóa di sản văn hóa")
    for block in blocks:
        if isinstance(block, Heading):
            pdf.ln(2)
            size = 14 if block.level <= 1 else 11
            write_lines(pdf, block.text, size=size, style="B", height=7, align="C" if block.level == 0 else "L")
        elif isinstance(block, Paragraph):
            style = "B" if block.bold else "I" if block.italic else ""
            write_lines(pdf, block.text, style=style, align="C" if block.centred else "L")
        else:
            _pdf_table(pdf, block)
    pdf.output(str(path))


def _pdf_table(pdf, block: Table) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 6, block.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    first = 2.2 if len(block.header) > 4 else 2.0  # the label column gets more room
    widths = (first, *([1] * (len(block.header) - 1)))
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5) as table:
        header = table.row()
        for text in block.header:
            header.cell(text)
        for values in block.rows:
            row = table.row()
            for value in values:
                row.cell(str(value))


def write_xlsx(f: Figures, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in (rank_table(f), kinds_table(f), museums_table(f), activity_table(f)):
        sheet = book.create_sheet(table.title.split(".")[0].replace("Bảng", "Bang").strip()[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(list(table.header))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        sheet.column_dimensions["A"].width = 48
    book.properties.title = f"Số liệu số hóa di sản năm {f.year}"
    book.save(path)
