"""The HTTP face of a kind of record, made by one factory (the way titiler makes routers):

``GET /api/<path>`` (filters, ``q`` without diacritics, paging with numberMatched), ``GET …/{id}``
(with links both ways), ``POST`` (a draft; ``?publish=true`` for editors), ``PATCH …/{id}``,
``POST …/{id}/review`` (submit / approve / reject / withdraw), ``GET …/{id}/versions`` and
``POST …/{id}/versions/{n}/restore``. The public reads published records only.
"""

# No "from __future__ import annotations": the routes made inside record_router annotate with
# local types, which FastAPI must see as objects, not strings.
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.datastructures import QueryParams

from ..accounts.deps import CurrentUser, User, require_role
from ..errors import InvalidParameter, NotFound
from ..params import flag, single, whole_number
from ..vocabulary import PUBLICATION_STATUSES
from ..web.deps import AppSettings, Pool
from . import service
from .kinds import Kind
from .workflow import ACTIONS

PYTHON_TYPES: dict[str, Any] = {
    "text": str,
    "int": int,
    "float": float,
    "date": date,
    "bool": bool,
    "json": dict[str, Any],
    "text[]": list[str],
}
LIST_PARAMETERS = ("q", "status", "limit", "offset")
SLUG = r"^[a-z0-9][a-z0-9-]{0,99}$"


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal[tuple(ACTIONS)]  # type: ignore[valid-type]
    reason: str | None = Field(default=None, max_length=2000)


def body_model(kind: Kind, suffix: str) -> type[BaseModel]:
    """A pydantic model of the editable fields, for validation messages and the OpenAPI document."""
    fields: dict[str, Any] = {
        f.name: (PYTHON_TYPES[f.type] | None, Field(default=None, description=f"{f.label_vi} · {f.label_en}"))
        for f in kind.editable
    }
    if suffix == "Create" and kind.id_type == "text":
        fields["id"] = (str, Field(pattern=SLUG, description="a stable id of lower-case letters, digits and -"))
    return create_model(
        f"{kind.name.title().replace('_', '')}{suffix}", __config__=ConfigDict(extra="forbid"), **fields
    )


def _filter_value(kind: Kind, name: str, text: str) -> Any:
    f = kind.field(name)
    if f.type == "bool":
        return flag(text, name)
    if f.type == "int":
        return whole_number(text, name, default=0, minimum=-(10**12), maximum=10**12)
    return text[:500]


def _record_id(kind: Kind, text: str) -> str | int:
    record_id = kind.parse_id(text)
    if record_id is None:
        raise NotFound(f"No {kind.label_en.lower()} has the id '{text[:100]}'.")
    return record_id


def _list_query(kind: Kind, request: Request, settings, extra_params: tuple[str, ...]) -> dict[str, Any]:
    params = request.query_params
    allowed = {*LIST_PARAMETERS, *extra_params, *(f.name for f in kind.filters)}
    for name in params:
        if name not in allowed:
            raise InvalidParameter(f"unknown query parameter '{name[:40]}'", parameter=name[:40])
    statuses = [s for s in (single(params, "status") or "").split(",") if s]
    if any(s not in PUBLICATION_STATUSES for s in statuses):
        raise InvalidParameter(f"must be among {', '.join(PUBLICATION_STATUSES)}", parameter="status")
    q = single(params, "q")
    if q is not None and len(q) > 200:
        raise InvalidParameter("is longer than 200 characters", parameter="q")
    return {
        "filters": {
            f.name: _filter_value(kind, f.name, single(params, f.name))
            for f in kind.filters
            if single(params, f.name) not in (None, "")
        },
        "q": q,
        "statuses": statuses or None,
        "limit": whole_number(
            single(params, "limit"),
            "limit",
            default=settings.default_page_size,
            minimum=1,
            maximum=settings.max_page_size,
        ),
        "offset": whole_number(single(params, "offset"), "offset", default=0, minimum=0, maximum=10_000_000),
    }


def _page_links(request: Request, offset: int, limit: int, matched: int) -> list[dict[str, str]]:
    links = [{"rel": "self", "href": str(request.url)}]
    if offset + limit < matched:
        links.append({"rel": "next", "href": str(request.url.include_query_params(offset=offset + limit))})
    if offset > 0:
        links.append({"rel": "prev", "href": str(request.url.include_query_params(offset=max(0, offset - limit)))})
    return links


Enrich = Callable[[list[dict[str, Any]], QueryParams], list[dict[str, Any]]]


def record_router(
    kind: Kind, *, crud: bool = True, extra_params: tuple[str, ...] = (), enrich: Enrich | None = None
) -> APIRouter:
    """The routes of one kind. ``crud=False``: only review and versions (relics have their own API).
    ``enrich`` adds computed values to records (e.g. a festival's solar dates for ``?year=``), reading
    the ``extra_params`` it declares."""
    router = APIRouter(prefix=f"/api/{kind.path}", tags=[kind.path])
    contributor = Annotated[User, Depends(require_role(kind.contributor_role))]
    label = kind.label_en.lower()

    if crud:
        create_body = body_model(kind, "Create")
        patch_body = body_model(kind, "Patch")

        @router.get("", summary=f"Search {label}s (public: published only)")
        async def list_records(request: Request, pool: Pool, settings: AppSettings, user: CurrentUser) -> Response:
            staff = service.is_staff(user, kind)
            query = _list_query(kind, request, settings, extra_params)
            items, matched = await service.list_records(pool, kind, staff=staff, **query)
            if enrich is not None:
                items = orjson.dumps(enrich(orjson.loads(items), request.query_params)).decode()
            head = orjson.dumps(
                {"numberMatched": matched, "links": _page_links(request, query["offset"], query["limit"], matched)}
            )
            body = b'{"items":' + items.encode() + b"," + head[1:]
            return Response(
                body,
                media_type="application/json",
                headers={"Cache-Control": "private, no-store" if staff else "public, max-age=60"},
            )

        @router.get("/{record_id}", summary=f"One {label} with its links")
        async def get_record(record_id: str, request: Request, pool: Pool, user: CurrentUser) -> JSONResponse:
            rid = _record_id(kind, record_id)
            record = await service.get_record(pool, kind, rid, staff=service.is_staff(user, kind))
            return JSONResponse(enrich([record], request.query_params)[0] if enrich else record)

        @router.post("", status_code=201, summary=f"Create a {label} (a draft; editors may publish at once)")
        async def create_record(
            body: Annotated[create_body, Body()],
            pool: Pool,
            user: contributor,  # type: ignore
            publish: bool = False,
        ) -> JSONResponse:
            rid = await service.create(pool, kind, body.model_dump(exclude_unset=True), user, publish=publish)
            return JSONResponse({"id": rid, "url": kind.url(rid)}, status_code=201, headers={"Location": kind.url(rid)})

        @router.patch("/{record_id}", summary=f"Change a {label}")
        async def update_record(
            record_id: str,
            body: Annotated[patch_body, Body()],
            pool: Pool,  # type: ignore
            user: contributor,
        ) -> JSONResponse:
            rid = _record_id(kind, record_id)
            version = await service.update(pool, kind, rid, body.model_dump(exclude_unset=True), user)
            return JSONResponse({"id": rid, "version": version})

    @router.post("/{record_id}/review", summary=f"Submit, approve, reject or withdraw a {label}")
    async def review_record(record_id: str, body: ReviewRequest, pool: Pool, user: contributor) -> JSONResponse:
        rid = _record_id(kind, record_id)
        status = await service.review(pool, kind, rid, body.action, user, body.reason)
        return JSONResponse({"id": rid, "publication_status": status})

    @router.get("/{record_id}/versions", summary=f"Versions of a {label} (staff)")
    async def list_versions(record_id: str, pool: Pool, user: contributor) -> JSONResponse:
        rid = _record_id(kind, record_id)
        return JSONResponse(
            {"versions": await service.versions(pool, kind, rid)}, headers={"Cache-Control": "private, no-store"}
        )

    @router.post("/{record_id}/versions/{version}/restore", summary=f"Restore a version of a {label} (editor)")
    async def restore_version(record_id: str, version: int, pool: Pool, user: contributor) -> JSONResponse:
        rid = _record_id(kind, record_id)
        return JSONResponse({"id": rid, "version": await service.restore(pool, kind, rid, version, user)})

    return router
