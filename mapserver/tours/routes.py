"""Tours over HTTP: ``GET /api/tours/{id}`` (the tour with its rooms: the public sees published
rooms only), ``PUT /api/tours/{id}`` (create or replace a whole tour), ``POST /api/tours``,
``PATCH /api/tours/{id}`` (texts only); and from the shared record routes: the list with search,
review (submit / approve / reject / withdraw), versions and restore.

The shared factory's create and change routes would write the rooms unchecked, so this router
declares its own first (the first matching route answers)."""

# No "from __future__ import annotations": FastAPI reads the body models' annotations at runtime.
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..accounts.deps import CurrentUser, User, require_role
from ..errors import NotFound
from ..records import service as records
from ..records.routes import SLUG, record_router
from ..web.deps import Pool
from . import service
from .graph import Node
from .kind import TOUR

Contributor = Annotated[User, Depends(require_role(TOUR.contributor_role))]


class TourTexts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title_vi: str | None = Field(default=None, max_length=500)
    title_en: str | None = Field(default=None, max_length=500)
    description_vi: str | None = Field(default=None, max_length=10_000)
    description_en: str | None = Field(default=None, max_length=10_000)
    museum_id: str | None = Field(default=None, max_length=100)
    site_id: str | None = Field(default=None, max_length=100)
    is_sample: bool | None = None


class TourBody(TourTexts):
    title_vi: str = Field(max_length=500)
    is_sample: bool = False
    start: str | None = Field(default=None, description="the id of the room the tour opens in")
    nodes: list[Node] = Field(default_factory=list, description="the rooms; yaw and pitch in degrees")


class NewTour(TourBody):
    id: str = Field(pattern=SLUG, description="a stable id of lower-case letters, digits and -")


def _tour_id(text: str) -> str:
    tour_id = TOUR.parse_id(text)
    if tour_id is None:
        raise NotFound(f"No tour has the id '{text[:100]}'.")
    return tour_id


router = APIRouter(tags=["tours"])
PREFIX = "/api/tours"


@router.get(PREFIX + "/{tour_id}", summary="A tour with its rooms, links and hotspots (angles in degrees)")
async def get_tour(tour_id: str, pool: Pool, user: CurrentUser) -> JSONResponse:
    tour = await service.get_tour(pool, _tour_id(tour_id), user=user)
    cache = "private, no-store" if service.is_staff(user) else "public, max-age=60"
    return JSONResponse(tour, headers={"Cache-Control": cache})


@router.put(PREFIX + "/{tour_id}", summary="Create or replace a whole tour: texts and rooms (a new tour is a draft)")
async def put_tour(tour_id: str, body: Annotated[TourBody, Body()], pool: Pool, user: Contributor) -> JSONResponse:
    rid = _tour_id(tour_id)
    saved = await service.save_tour(pool, rid, body.model_dump(mode="json"), user)
    status = 201 if saved["created"] else 200
    return JSONResponse(
        {"id": rid, "url": TOUR.url(rid), **saved}, status_code=status, headers={"Location": TOUR.url(rid)}
    )


@router.post(PREFIX, status_code=201, summary="Create a tour (a draft; editors may publish at once)")
async def create_tour(
    body: Annotated[NewTour, Body()], pool: Pool, user: Contributor, publish: bool = False
) -> JSONResponse:
    data = body.model_dump(mode="json")
    rid = data.pop("id")
    await service.save_tour(pool, rid, data, user, new_only=True, publish=publish)
    return JSONResponse({"id": rid, "url": TOUR.url(rid)}, status_code=201, headers={"Location": TOUR.url(rid)})


@router.patch(PREFIX + "/{tour_id}", summary="Change a tour's texts (its rooms are replaced with PUT)")
async def patch_tour(tour_id: str, body: Annotated[TourTexts, Body()], pool: Pool, user: Contributor) -> JSONResponse:
    rid = _tour_id(tour_id)
    version = await records.update(pool, TOUR, rid, body.model_dump(exclude_unset=True), user)
    return JSONResponse({"id": rid, "version": version})


# The list (search, filters, paging), review, versions and restore: the shared routes of every record.
router.include_router(record_router(TOUR))
