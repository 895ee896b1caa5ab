"""Links between any two records (artefact ↔ relic, festival ↔ relic, document ↔ artefact …),
stored once and shown from both ends; the public sees a link only when both records are public."""

from __future__ import annotations

from typing import Any

from psycopg import sql

LINKS_OF = """
SELECT to_kind, to_id, relation, 'out' FROM record_links WHERE from_kind = %(kind)s AND from_id = %(id)s
UNION ALL
SELECT from_kind, from_id, relation, 'in' FROM record_links WHERE to_kind = %(kind)s AND to_id = %(id)s
ORDER BY 1, 2
"""
INSERT = """
INSERT INTO record_links (from_kind, from_id, to_kind, to_id, relation, note, created_by)
VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id
"""
DELETE = "DELETE FROM record_links WHERE id = %s RETURNING from_kind, from_id, to_kind, to_id"


def _titles(kind, public: bool) -> sql.Composable:
    title_en = sql.Identifier(kind.title_en) if kind.title_en else sql.SQL("NULL")
    return sql.SQL("SELECT id::text, {t}, {te} FROM {src} WHERE id::text = ANY(%s)").format(
        t=sql.Identifier(kind.title), te=title_en, src=sql.Identifier(kind.public_view if public else kind.table)
    )


async def of(conn, kind_name: str, record_id: str, *, public: bool) -> list[dict[str, Any]]:
    from .registry import kind_named

    rows = await (await conn.execute(LINKS_OF, {"kind": kind_name, "id": record_id})).fetchall()
    by_kind: dict[str, list[str]] = {}
    for other_kind, other_id, _, _ in rows:
        by_kind.setdefault(other_kind, []).append(other_id)
    titles: dict[tuple[str, str], tuple[str, str | None]] = {}
    for name, ids in by_kind.items():
        other = kind_named(name)
        if other is None:
            continue
        for rid, title, title_en in await (await conn.execute(_titles(other, public), (ids,))).fetchall():
            titles[(name, rid)] = (title, title_en)
    out = []
    for other_kind, other_id, relation, direction in rows:
        if (other_kind, other_id) not in titles:
            continue  # not public (or gone): the link is not shown
        other = kind_named(other_kind)
        title, title_en = titles[(other_kind, other_id)]
        out.append(
            {
                "kind": other_kind,
                "id": other_id,
                "relation": relation,
                "direction": direction,
                "title_vi": title,
                "title_en": title_en,
                "url": other.url(other_id),
                "page": other.page_url(other_id),
            }
        )
    return out
