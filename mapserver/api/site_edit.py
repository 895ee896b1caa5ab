"""Editing a relic's record (editor role): attributes, publication status and position. Every
change is audited with its before/after values; a moved position goes to the location history."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from psycopg import sql
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..auth import User, require_role
from ..db import connection
from ..errors import InvalidParameter, NotFound
from ..params import CATEGORIES
from ..queries import sites as site_sql
from .deps import get_pool

router = APIRouter(prefix="/api", tags=["sites"])
Category = Literal["historical", "revolutionary_historical", "architectural_artistic", "archaeological",
                   "scenic", "other"]
assert set(Category.__args__) == set(CATEGORIES)  # one list of categories


class Position(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lon: float = Field(ge=102.0, le=118.0, description="WGS 84 longitude")
    lat: float = Field(ge=6.0, le=24.0, description="WGS 84 latitude")
    location_status: Literal["surveyed", "sourced", "approximate"]
    location_source: str = Field(min_length=3, max_length=500)
    location_accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class SitePatch(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")
    name_vi: str | None = Field(default=None, min_length=1, max_length=500)
    name_en: str | None = Field(default=None, max_length=500)
    rank: Literal["special_national", "national", "provincial", "inventoried"] | None = None
    category: Category | None = None
    decision_no: str | None = Field(default=None, max_length=100)
    decision_date: date | None = None
    decision_issuer: str | None = Field(default=None, max_length=300)
    address_vi: str | None = Field(default=None, max_length=500)
    sources: str | None = Field(default=None, max_length=5000)
    notes: str | None = Field(default=None, max_length=5000)
    publication_status: Literal["draft", "published", "withdrawn"] | None = None
    sensitive: bool | None = Field(default=None, description="show the public a point generalised to ~1 km")
    position: Position | None = None

    @model_validator(mode="after")
    def not_empty(self) -> SitePatch:
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        return self


ATTRIBUTES = ("name_vi", "name_en", "rank", "category", "decision_no", "decision_date", "decision_issuer",
              "address_vi", "sources", "notes", "publication_status", "sensitive")


@router.patch("/sites/{site_id}", summary="Edit a relic's record (editor)", response_class=Response)
async def edit_site(site_id: str, patch: SitePatch, editor: Annotated[User, Depends(require_role("editor"))],
                    pool: Annotated[AsyncConnectionPool, Depends(get_pool)]) -> Response:
    changes = {name: getattr(patch, name) for name in ATTRIBUTES if name in patch.model_fields_set}
    for required in ("name_vi", "rank", "publication_status", "sensitive"):
        if required in changes and changes[required] is None:
            raise InvalidParameter(f"{required} cannot be emptied", parameter=required)
    async with connection(pool) as conn, conn.transaction():
        cur = await conn.execute(
            "SELECT row_to_json(s)::jsonb - 'search_text' - 'geom' - 'public_geom' - 'footprint' FROM sites s "
            "WHERE id = %s FOR UPDATE", (site_id,))
        before = await cur.fetchone()
        if before is None:
            raise NotFound(f"No relic has the id '{site_id[:100]}'.")
        if changes:
            assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in changes)
            await conn.execute(sql.SQL("UPDATE sites SET {}, updated_at = now() WHERE id = %s").format(assignments),
                               [*changes.values(), site_id])
        if patch.position is not None:
            p = patch.position
            await conn.execute(
                "INSERT INTO site_location_history (site_id, geom, location_status, location_source, "
                "location_accuracy_m, replaced_by) SELECT id, geom, location_status, location_source, "
                "location_accuracy_m, %s FROM sites WHERE id = %s", (f"user:{editor.name}", site_id))
            await conn.execute(
                "UPDATE sites SET geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326), location_status = %s, "
                "location_source = %s, location_accuracy_m = %s, updated_at = now() WHERE id = %s",
                (p.lon, p.lat, p.location_status, p.location_source, p.location_accuracy_m, site_id))
        detail = {"before": before[0], "changes": patch.model_dump(mode="json", exclude_unset=True)}
        await conn.execute("INSERT INTO audit_log (actor, action, entity, entity_id, detail) "
                           "VALUES (%s, 'edit', 'site', %s, %s::jsonb)",
                           (f"user:{editor.name}", site_id, json.dumps(detail, ensure_ascii=False)))
        cur = await conn.execute(sql.SQL("SELECT {}::text FROM sites s WHERE s.id = %s").format(
            site_sql.feature_json(site_sql.DETAIL_EXTRA)), (site_id,))
        feature = (await cur.fetchone())[0]
    return Response(feature, media_type="application/geo+json")
