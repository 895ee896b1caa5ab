"""How a kind of record is described once, so the shared machinery (SQL, validation, workflow,
versions, routes, search) serves it without code written again for each kind.

A kind names its table and its public view (the view holds the public rule: published only, and
whatever else the kind needs, e.g. an artisan's consent), its id, and its fields with their
types, limits, vocabularies and whether the public sees them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FIELD_TYPES = ("text", "int", "float", "date", "bool", "json", "text[]")


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "text"
    label_vi: str = ""
    label_en: str = ""
    required: bool = False
    max_length: int = 2000
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    public: bool = True  # in public answers (the view must then have the column)
    filter: bool = False  # an equality filter of the list endpoint (?name=value)
    editable: bool = True  # set by create/update (False: computed or set by the workflow)
    # A kind's own rule for a JSON value (its structure): returns the value to store or raises
    # InvalidParameter naming the place; e.g. lessons.content.check_content.
    check: Callable[[Any], Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r}")


@dataclass(frozen=True)
class Kind:
    name: str  # singular code: "artefact"; used in versions, links, audit
    path: str  # URL segment: /api/<path>
    table: str
    public_view: str
    label_vi: str
    label_en: str
    fields: tuple[Field, ...]
    id_type: str = "text"  # "text" (slug) or "int" (bigserial)
    title: str = "name_vi"
    title_en: str | None = "name_en"
    order: str = "id"
    contributor_role: str = "surveyor"  # who may create drafts and submit them
    page_path: str | None = None  # the public HTML page of a record, "{id}" replaced
    extra: tuple[str, ...] = field(default=())  # further SQL expressions as "name: expression"

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def editable(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.editable)

    @property
    def public_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.public)

    @property
    def filters(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.filter)

    def url(self, record_id: str | int) -> str:
        return f"/api/{self.path}/{record_id}"

    def page_url(self, record_id: str | int) -> str | None:
        return self.page_path.replace("{id}", str(record_id)) if self.page_path else None

    def parse_id(self, text: str) -> str | int | None:
        """The id from a URL, or None when it cannot exist (so it is a 404, never a SQL error)."""
        if self.id_type == "int":
            return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
        return text if 0 < len(text) <= 100 else None


def text(name: str, vi: str, en: str, **options) -> Field:
    return Field(name, "text", vi, en, **options)


def bilingual(name: str, vi: str, en: str, **options) -> tuple[Field, Field]:
    """``<name>_vi`` and ``<name>_en``: Vietnamese first, English beside it."""
    return (Field(f"{name}_vi", "text", vi, en, **options), Field(f"{name}_en", "text", vi + " (EN)", en, **options))
