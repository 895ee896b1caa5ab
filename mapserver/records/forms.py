"""HTML form values ↔ record values, from a kind's fields: empty inputs are None, checkboxes are
booleans, lists are comma-separated, JSON fields are JSON text. Validation stays records.validate's."""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidParameter
from .kinds import Field, Kind

LONG_TEXT = 500  # longer text fields get a textarea


def widget(f: Field) -> str:
    if f.choices:
        return "select"
    if f.type == "bool":
        return "checkbox"
    if f.type in ("int", "float"):
        return "number"
    if f.type == "date":
        return "date"
    if f.type == "json" or (f.type == "text" and f.max_length > LONG_TEXT):
        return "textarea"
    return "text"


def shown(f: Field, value: Any) -> str:
    """The text an input shows for a stored value."""
    if value is None:
        return ""
    if f.type == "json":
        return json.dumps(value, ensure_ascii=False)
    if f.type == "text[]":
        return ", ".join(value)
    return str(value)


def parse(kind: Kind, form: dict[str, str], *, with_id: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if with_id and kind.id_type == "text":
        data["id"] = (form.get("id") or "").strip()
    for f in kind.editable:
        raw = form.get(f.name)
        if f.type == "bool":
            data[f.name] = raw == "on"
            continue
        text = (raw or "").strip()
        if text == "":
            data[f.name] = None
        elif f.type == "json":
            try:
                data[f.name] = json.loads(text)
            except ValueError:
                raise InvalidParameter("is not valid JSON", parameter=f.name) from None
        elif f.type == "text[]":
            data[f.name] = [part.strip() for part in text.split(",") if part.strip()]
        else:
            data[f.name] = text
    return data
