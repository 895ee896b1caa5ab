"""A lesson's printable handout for the teacher: A4 PDF, Vietnamese fonts embedded; the sections
with what each shows (record titles and web addresses, image captions with their credit), then
the questions with their answers, and the licence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..pdf import new_pdf, write_lines
from .kind import SUBJECT_LABELS


def _item_line(item: dict[str, Any], base: str) -> str:
    if item["type"] == "media":
        caption = item.get("caption_vi") or item.get("caption_en") or "Tư liệu"
        credit = ", ".join(x for x in (item.get("creator"), item.get("rights_holder")) if x)
        return f"• {caption} ({item.get('licence_label_vi', item.get('licence'))}{'; ' + credit if credit else ''})"
    return f"• {item['label_vi']}: {item['title_vi']} — {base}{item['url']}"


def write_handout(lesson: dict[str, Any], path: Path, *, base: str, images: dict[str, Path] | None = None) -> None:
    """``images``: 'media:ID' → a local JPEG of the image, printed under its caption."""
    images = images or {}
    pdf = new_pdf(lesson["title_vi"])
    write_lines(pdf, lesson["title_vi"], size=16, style="B", height=8)
    if lesson.get("title_en"):
        write_lines(pdf, lesson["title_en"], size=11, style="I")
    subject = SUBJECT_LABELS.get(lesson["subject"], (lesson["subject"],))[0]
    grades = f"lớp {lesson['grade_from']}" + (
        f"–{lesson['grade_to']}" if lesson["grade_to"] != lesson["grade_from"] else ""
    )
    duration = f" · {lesson['duration_minutes']} phút" if lesson.get("duration_minutes") else ""
    write_lines(pdf, f"Môn: {subject} · {grades}{duration}", size=10)
    for title, name in (("Mục tiêu", "objectives_vi"), ("Tóm tắt", "summary_vi")):
        if lesson.get(name):
            write_lines(pdf, title, size=12, style="B", height=7)
            write_lines(pdf, lesson[name])
    for i, section in enumerate(lesson["content"]["sections"], start=1):
        pdf.ln(2)
        write_lines(pdf, f"{i}. {section['heading_vi']}", size=12, style="B", height=7)
        if section.get("text_vi"):
            write_lines(pdf, section["text_vi"])
        for item in section["items"]:
            write_lines(pdf, _item_line(item, base), size=9, height=5)
            image = images.get(f"media:{item.get('id')}") if item["type"] == "media" else None
            if image is not None:
                pdf.image(str(image), w=min(120, pdf.epw))
    questions = lesson["content"]["questions"]
    if questions:
        pdf.ln(2)
        write_lines(pdf, "Câu hỏi và đáp án (dành cho giáo viên)", size=12, style="B", height=7)
        for i, q in enumerate(questions, start=1):
            write_lines(pdf, f"{i}. {q['question_vi']}", style="B")
            if q.get("answer_vi"):
                write_lines(pdf, f"Đáp án: {q['answer_vi']}", style="I")
    pdf.ln(3)
    licence = lesson.get("licence") or "CC-BY-4.0"
    author = f" · Biên soạn: {lesson['author']}" if lesson.get("author") else ""
    write_lines(pdf, f"Giấy phép {licence.replace('-', ' ', 1)}{author} · {base}/lessons/{lesson['id']}", size=8)
    pdf.output(str(path))
