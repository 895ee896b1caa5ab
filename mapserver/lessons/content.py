"""A lesson's content: sections that link records, images, clips and tours, and questions with
answers for the teacher. Written by staff as JSON:

    {"sections": [{"heading_vi": "…", "heading_en": "…", "text_vi": "…", "text_en": "…",
                   "items": ["site:bach-dinh", "media:12", "tour:bao-tang-mau"]}],
     "questions": [{"question_vi": "…", "answer_vi": "…", "question_en": "…", "answer_en": "…"}]}

``check_content`` is the structure rule (a 400 naming the place of the first problem);
``resolve`` is what a reader gets: only references to published records and media survive."""

from __future__ import annotations

import re
from typing import Any

from psycopg import sql

from ..errors import InvalidParameter
from ..records.registry import all_kinds

FIELD = "content"
MAX_SECTIONS = 30
MAX_ITEMS = 20
MAX_QUESTIONS = 50
MAX_TEXT = 10_000
REF = re.compile(r"^([a-z_]+):([A-Za-z0-9][A-Za-z0-9._-]{0,99})$")
SECTION_TEXTS = ("heading_vi", "heading_en", "text_vi", "text_en")
QUESTION_TEXTS = ("question_vi", "answer_vi", "question_en", "answer_en")


def _fail(where: str, problem: str) -> InvalidParameter:
    return InvalidParameter(f"{where}: {problem}", parameter=FIELD)


def _texts(entry: Any, names: tuple[str, ...], where: str, required: str) -> dict[str, str]:
    if not isinstance(entry, dict):
        raise _fail(where, "must be an object")
    unknown = [k for k in entry if k not in (*names, "items")]
    if unknown:
        raise _fail(where, f"unknown member '{str(unknown[0])[:40]}'")
    out = {}
    for name in names:
        value = entry.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise _fail(f"{where}.{name}", f"must be a text of at most {MAX_TEXT} characters")
        out[name] = value.strip()
    if not out.get(required):
        raise _fail(f"{where}.{required}", "is required")
    return out


def ref_kinds() -> set[str]:
    return {k.name for k in all_kinds()} | {"media"}


def _ref(value: Any, where: str) -> str:
    match = REF.match(value) if isinstance(value, str) else None
    if match is None or match.group(1) not in ref_kinds():
        kinds = ", ".join(sorted(ref_kinds()))
        raise _fail(where, f"must be 'type:id' with a type among {kinds} (e.g. 'site:bach-dinh')")
    return value


def check_content(value: dict[str, Any]) -> dict[str, Any]:
    unknown = [k for k in value if k not in ("sections", "questions")]
    if unknown:
        raise _fail(str(unknown[0])[:40], "unknown member (use 'sections' and 'questions')")
    sections, questions = value.get("sections") or [], value.get("questions") or []
    if not isinstance(sections, list) or len(sections) > MAX_SECTIONS:
        raise _fail("sections", f"must be a list of at most {MAX_SECTIONS} sections")
    if not isinstance(questions, list) or len(questions) > MAX_QUESTIONS:
        raise _fail("questions", f"must be a list of at most {MAX_QUESTIONS} questions")
    out_sections = []
    for i, section in enumerate(sections, start=1):
        where = f"sections[{i}]"
        texts = _texts(section, SECTION_TEXTS, where, "heading_vi")
        items = section.get("items") or []
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise _fail(f"{where}.items", f"must be a list of at most {MAX_ITEMS} references")
        texts["items"] = [_ref(item, f"{where}.items[{j}]") for j, item in enumerate(items, start=1)]
        out_sections.append(texts)
    out_questions = [_texts(q, QUESTION_TEXTS, f"questions[{i}]", "question_vi") for i, q in enumerate(questions, 1)]
    return {"sections": out_sections, "questions": out_questions}


def references(content: dict[str, Any]) -> list[tuple[str, str]]:
    return [tuple(item.split(":", 1)) for s in content.get("sections", []) for item in s.get("items", [])]


async def _published_records(conn, refs: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """'type:id' → {title_vi, title_en, url} of the published records among ``refs``."""
    kinds = {k.name: k for k in all_kinds()}
    found: dict[str, dict[str, Any]] = {}
    for name in {t for t, _ in refs if t in kinds}:
        kind = kinds[name]
        ids = [i for t, i in refs if t == name]
        title_en = sql.Identifier(kind.title_en) if kind.title_en else sql.SQL("NULL")
        statement = sql.SQL("SELECT id::text, {t}, {te} FROM {v} WHERE id::text = ANY(%s)").format(
            t=sql.Identifier(kind.title), te=title_en, v=sql.Identifier(kind.public_view)
        )
        for record_id, title, title_en_value in await (await conn.execute(statement, (ids,))).fetchall():
            found[f"{name}:{record_id}"] = {
                "type": name,
                "id": record_id,
                "title_vi": title,
                "title_en": title_en_value,
                "url": kind.page_url(record_id),
                "label_vi": kind.label_vi,
                "label_en": kind.label_en,
            }
    return found


async def _published_media(conn, ids: list[str]) -> dict[str, dict[str, Any]]:
    numbers = [int(i) for i in ids if i.isdigit() and len(i) < 18]
    if not numbers:
        return {}
    from psycopg.rows import dict_row

    from ..media.service import present  # media URLs are written once, there

    cursor = conn.cursor(row_factory=dict_row)
    rows = await (await cursor.execute("SELECT * FROM public_media WHERE id = ANY(%s)", (numbers,))).fetchall()
    return {f"media:{r['id']}": {"type": "media", **present(r)} for r in rows}


async def resolve(conn, content: dict[str, Any]) -> dict[str, Any]:
    """The content as the public reads it: each item replaced by what it points at, unpublished
    references left out (a withdrawn relic disappears from every lesson at once)."""
    refs = references(content)
    found = await _published_records(conn, refs)
    found |= await _published_media(conn, [i for t, i in refs if t == "media"])
    sections = [
        {**s, "items": [found[item] for item in s.get("items", []) if item in found]} for s in content["sections"]
    ]
    return {
        "sections": sections,
        "questions": content.get("questions", []),
        "missing": sorted(set(map(":".join, refs)) - set(found)),
    }
