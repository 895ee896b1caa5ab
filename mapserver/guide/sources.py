"""What of each kind of record the guide reads, and how a record becomes citable passages.

A passage is one sentence of a public text field (quoted exactly as written), or one short field
quoted with its label ("Địa chỉ: Số 06 Trần Phú, …"). Its language comes from the field: ``*_en``
fields are English, every other field Vietnamese. Only fields the kind's public view shows are read,
from that view; the same function turns the record into passages when it is indexed and again when
an answer is checked against the record as it is now, so nothing stale or unpublished is quoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..records.kinds import Kind
from ..records.registry import all_kinds
from ..vocabulary import CATEGORY_TERMS, RANK_TERMS, labels
from ..web.pages import vn_date
from .text import sentences

# Free texts (split into sentences) and short facts (quoted whole with their label), per kind.
TEXTS: dict[str, tuple[str, ...]] = {
    "site": (
        "description_vi",
        "description_en",
        "history_vi",
        "history_en",
        "significance_vi",
        "significance_en",
        "visiting_vi",
        "visiting_en",
        "narration_vi",
    ),
    "artefact": ("description_vi", "description_en", "conservation_history"),
    "intangible": ("description_vi", "description_en", "community_vi"),
    "festival": ("description_vi", "description_en"),
    "artisan": ("description_vi", "description_en"),
    "craft_village": ("description_vi", "description_en"),
    "document": ("description_vi", "description_en", "physical_description"),
}
FACTS: dict[str, tuple[str, ...]] = {
    "site": ("rank", "category", "decision_no", "decision_date", "decision_issuer", "address_vi"),
    "artefact": (
        "number",
        "object_type",
        "material",
        "technique",
        "dating_text",
        "dimensions_text",
        "weight_text",
        "acquisition_text",
        "acquired_from",
        "current_location",
        "treasure_decision",
    ),
    "intangible": ("decision_no", "decision_date", "season"),
    "festival": ("place_vi", "date_text"),
    "artisan": ("title_decision", "craft_vi", "commune_vi"),
    "craft_village": ("craft_vi", "recognition_decision", "recognition_date", "commune_vi"),
    "document": ("date_text", "creator", "holding_institution", "call_number"),
}
CODED = {"rank": labels(RANK_TERMS), "category": labels(CATEGORY_TERMS)}


@dataclass(frozen=True)
class Passage:
    field: str
    lang: str  # "vi" or "en"
    position: int  # order within the record (sentences of a field stay in order)
    text: str


def guided_kinds() -> tuple[Kind, ...]:
    return tuple(k for k in all_kinds() if k.name in TEXTS)


def kind_of(name: str) -> Kind | None:
    return next((k for k in guided_kinds() if k.name == name), None)


def titles(kind: Kind, row: dict[str, Any]) -> tuple[str, str | None]:
    return str(row.get(kind.title) or ""), (row.get(kind.title_en) if kind.title_en else None) or None


def _fact_value(kind: Kind, name: str, value: Any, lang: str) -> str:
    if name in CODED:
        vi, en = CODED[name].get(str(value), (str(value), str(value)))
        return en if lang == "en" else vi
    field = kind.field(name)
    if field is not None and field.type == "date":
        return vn_date(value)
    return str(value).strip()


def passages(kind: Kind, row: dict[str, Any]) -> list[Passage]:
    """The citable passages of one public record (``row``: its public view's columns)."""
    out: list[Passage] = []
    for name in TEXTS[kind.name]:
        lang = "en" if name.endswith("_en") else "vi"
        for sentence in sentences(str(row.get(name) or "")):
            out.append(Passage(name, lang, len(out), sentence))
    for name in FACTS[kind.name]:
        value = row.get(name)
        field = kind.field(name)
        if value in (None, "") or field is None:
            continue
        for lang, label in (("vi", field.label_vi), ("en", field.label_en)):
            out.append(Passage(name, lang, len(out), f"{label}: {_fact_value(kind, name, value, lang)}"))
    return out


def narration_text(kind: Kind, row: dict[str, Any]) -> str:
    """The Vietnamese text read aloud for a record: its narration when it has one (relics), else
    its title and Vietnamese description."""
    own = str(row.get("narration_vi") or "").strip()
    if own:
        return own
    title, _ = titles(kind, row)
    body = str(row.get("description_vi") or "").strip()
    return f"{title}. {body}".strip() if body else ""
