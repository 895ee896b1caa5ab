"""`heritage import artefacts FILE --museum ID`: a museum's inventory book into the registry.

Reading and checking the book is importer.inventory's (header below merged titles, Vietnamese
headers, dimensions and dating parsed where they can be); this step checks what needs the
registry (the museum, related relics) and writes all rows in one transaction, upserted by
(museum, registration number): inserted, updated or unchanged. Any bad row rejects the whole
file and nothing changes. New rows are drafts for review unless an editor imports with
``publish``; every inserted or changed row gets a version, the import one audit entry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ..importer.inventory import ArtefactRow, read_inventory
from ..importer.values import ImportRejected, RowError
from ..records import queries as record_queries
from ..records.audit import audit_entry
from ..records.validate import adapt, check
from .kind import ARTEFACT

NOT_STORED = ("row", "acquisition_date_precision", "condition_text")
EXISTING = "SELECT id, to_jsonb(a) FROM artefacts a WHERE museum_id = %s AND number = %s FOR UPDATE"


@dataclass
class ArtefactImport:
    inserted: int
    updated: int
    unchanged: int
    ignored_columns: list[str]


def _values(row: ArtefactRow, museum: str) -> dict[str, Any]:
    values = {k: v for k, v in asdict(row).items() if k not in NOT_STORED}
    if row.condition_text and row.condition_text != row.condition:
        note = f"Tình trạng (nguyên văn): {row.condition_text}"
        values["notes"] = f"{values['notes']}\n{note}" if values.get("notes") else note
    return {**values, "museum_id": museum}


def _same(stored: dict[str, Any], values: dict[str, Any]) -> bool:
    def norm(v: Any) -> Any:
        return v.isoformat() if isinstance(v, date) else v

    return all(norm(stored.get(k)) == norm(v) for k, v in values.items())


def _registry_errors(conn: psycopg.Connection, rows: list[ArtefactRow]) -> list[RowError]:
    wanted = sorted({r.site_id for r in rows if r.site_id})
    known = {r[0] for r in conn.execute("SELECT id FROM sites WHERE id = ANY(%s)", (wanted,))}
    return [
        RowError(r.row, "site_id", f"unknown relic '{r.site_id[:60]}'")
        for r in rows
        if r.site_id and r.site_id not in known
    ]


def import_artefacts(
    conn: psycopg.Connection, path: Path, *, museum: str, actor: str, publish: bool = False
) -> ArtefactImport:
    if conn.execute("SELECT 1 FROM museums WHERE id = %s", (museum,)).fetchone() is None:
        raise ImportRejected([RowError(0, "museum", f"unknown museum '{museum[:60]}'")])
    book = read_inventory(path)
    errors = book.errors + _registry_errors(conn, book.rows)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row), total_rows=len(book.rows) + len(book.errors))
    inserted = updated = unchanged = 0
    with conn.transaction():
        for row in book.rows:
            values = check(ARTEFACT, _values(row, museum), partial=True)
            found = conn.execute(EXISTING, (museum, row.number)).fetchone()
            if found is not None and _same(found[1], values):
                unchanged += 1
                continue
            if found is None:
                status = {"publication_status": "published" if publish else "draft", "created_by": actor}
                statement, params = record_queries.insert(
                    ARTEFACT, {**adapt(ARTEFACT, {k: v for k, v in values.items() if v is not None}), **status}
                )
                record_id = conn.execute(statement, params).fetchone()[0]
                inserted += 1
            else:
                record_id = found[0]
                statement, params = record_queries.update(ARTEFACT, record_id, adapt(ARTEFACT, values))
                conn.execute(statement, params)
                if publish:
                    conn.execute(
                        sql.SQL("UPDATE artefacts SET publication_status = 'published' WHERE id = %s"), (record_id,)
                    )
                updated += 1
            conn.execute(record_queries.snapshot_version(ARTEFACT), ("import", actor, record_id))
        conn.execute(
            *audit_entry(
                actor,
                "import",
                "artefacts",
                museum,
                {
                    "file": path.name,
                    "inserted": inserted,
                    "updated": updated,
                    "unchanged": unchanged,
                    "published": publish,
                },
            )
        )
    return ArtefactImport(inserted, updated, unchanged, book.ignored_columns)
