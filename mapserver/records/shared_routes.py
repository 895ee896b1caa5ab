"""Routes that span every kind of record: search across them, the editors' review queue, links
between records, and the administrators' audit log (JSON or CSV)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from psycopg import sql
from pydantic import BaseModel, ConfigDict, Field

from ..accounts.deps import User, require_role
from ..csvfile import UTF8_BOM, csv_text
from ..db import connection
from ..errors import InvalidParameter, NotFound
from ..params import choices, whole_number
from ..web.deps import Pool
from . import links
from .audit import audit_entry, audit_query
from .registry import all_kinds, kind_named
from .review_queue import review_queue
from .search import search

router = APIRouter(prefix="/api", tags=["records"])
Editor = Annotated[User, Depends(require_role("editor"))]
Admin = Annotated[User, Depends(require_role("admin"))]


@router.get("/search", summary="Search every kind of published record (diacritics ignored)")
async def search_all(
    pool: Pool,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    type: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> JSONResponse:
    kinds = choices(type, tuple(k.name for k in all_kinds()), "type") or None
    size = whole_number(limit, "limit", default=20, minimum=1, maximum=200)
    skip = whole_number(offset, "offset", default=0, minimum=0, maximum=100_000)
    hits, matched = await search(pool, q, kinds=kinds, limit=size, offset=skip)
    return JSONResponse({"query": q, "numberMatched": matched, "hits": hits})


@router.get("/review", summary="Everything waiting for an editor's review (editor)")
async def queue(pool: Pool, editor: Editor) -> JSONResponse:
    return JSONResponse({"items": await review_queue(pool)}, headers={"Cache-Control": "private, no-store"})


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_kind: str
    from_id: str = Field(max_length=100)
    to_kind: str
    to_id: str = Field(max_length=100)
    relation: str = Field(default="related", pattern=r"^[a-z_]{1,40}$")
    note: str | None = Field(default=None, max_length=1000)


async def _check_exists(conn, kind_name: str, record_id: str, parameter: str) -> None:
    kind = kind_named(kind_name)
    if kind is None:
        raise InvalidParameter(f"unknown kind '{kind_name[:40]}'", parameter=parameter)
    rid = kind.parse_id(record_id)
    statement = sql.SQL("SELECT 1 FROM {} WHERE id = %s").format(sql.Identifier(kind.table))
    found = rid is not None and await (await conn.execute(statement, (rid,))).fetchone()
    if not found:
        raise InvalidParameter(f"no {kind.label_en.lower()} '{record_id[:60]}'", parameter=parameter)


@router.post("/links", status_code=201, summary="Link two records (editor)")
async def add_link(body: LinkRequest, pool: Pool, editor: Editor) -> JSONResponse:
    async with connection(pool) as conn, conn.transaction():
        await _check_exists(conn, body.from_kind, body.from_id, "from_id")
        await _check_exists(conn, body.to_kind, body.to_id, "to_id")
        row = await (
            await conn.execute(
                links.INSERT,
                (body.from_kind, body.from_id, body.to_kind, body.to_id, body.relation, body.note, editor.actor),
            )
        ).fetchone()
        if row is not None:
            await conn.execute(*audit_entry(editor.actor, "link", body.from_kind, body.from_id, body.model_dump()))
    return JSONResponse({"id": row[0] if row else None, "created": row is not None}, status_code=201)


@router.delete("/links/{link_id}", summary="Remove a link (editor)")
async def remove_link(link_id: int, pool: Pool, editor: Editor) -> JSONResponse:
    async with connection(pool) as conn, conn.transaction():
        row = await (await conn.execute(links.DELETE, (link_id,))).fetchone()
        if row is None:
            raise NotFound(f"No link {link_id}.")
        await conn.execute(*audit_entry(editor.actor, "unlink", row[0], row[1], {"to": [row[2], row[3]]}))
    return JSONResponse({"id": link_id, "deleted": True})


@router.get("/audit", summary="The audit log, filtered by user, record and date (admin); f=csv to export")
async def audit(
    pool: Pool,
    admin: Admin,
    actor: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
    f: str = "json",
) -> Response:
    if f not in ("json", "csv"):
        raise InvalidParameter("must be json or csv", parameter="f")
    statement, params = audit_query(
        actor=actor, entity=entity, entity_id=entity_id, since=since, until=until, limit=max(1, min(limit, 100_000))
    )
    async with connection(pool) as conn:
        rows = await (await conn.execute(statement, params)).fetchall()
    if f == "csv":
        header = [("id", "at", "actor", "action", "entity", "entity_id", "detail")]
        body = csv_text(
            header
            + [
                (
                    r[0],
                    r[1].isoformat(),
                    r[2],
                    r[3],
                    r[4],
                    r[5] or "",
                    "" if r[6] is None else json.dumps(r[6], ensure_ascii=False, default=str),
                )
                for r in rows
            ]
        )
        return Response(
            (UTF8_BOM + body).encode(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"', "Cache-Control": "private, no-store"},
        )
    entries = [
        {
            "id": r[0],
            "at": r[1].isoformat(),
            "actor": r[2],
            "action": r[3],
            "entity": r[4],
            "entity_id": r[5],
            "detail": r[6],
        }
        for r in rows
    ]
    return JSONResponse({"entries": entries}, headers={"Cache-Control": "private, no-store"})
