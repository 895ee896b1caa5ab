"""The rooms of a tour (its ``graph``): their shape and the rules that need no database.

Angles are in **degrees**, the unit staff type and read: yaw from −180 (behind, to the left) to 180
clockwise from the panorama's centre, pitch from −90 (straight down) to 90 (straight up). The
viewer converts them to radians for Photo Sphere Viewer.

What the database must confirm (each panorama is a panorama media item of this tour, each hotspot's
record exists) is checked by tours.service.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InvalidParameter

NODE_ID = r"^[a-z0-9][a-z0-9-]{0,39}$"
# a record as "<kind>:<id>", e.g. artefact:42 or site:bach-dinh
RECORD_REF = r"^[a-z_]{1,40}:[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
MAX_NODES = 100
MAX_LINKS = 20
MAX_HOTSPOTS = 50

Yaw = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, description="degrees, −180…180")]
Pitch = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, description="degrees, −90…90")]
Label = Annotated[str | None, Field(default=None, max_length=200)]
Caption = Annotated[str | None, Field(default=None, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Link(_Strict):
    to: str = Field(pattern=NODE_ID, description="the id of another room of the same tour")
    yaw: Yaw
    pitch: Pitch = 0.0


class Hotspot(_Strict):
    record: str = Field(pattern=RECORD_REF, description="the record it opens, as type:id (artefact:42)")
    yaw: Yaw
    pitch: Pitch = 0.0
    label_vi: Label
    label_en: Label


class Node(_Strict):
    id: str = Field(pattern=NODE_ID)
    media_id: int = Field(ge=1, le=10**15, description="a panorama media item of this tour")
    name_vi: str = Field(min_length=1, max_length=200)
    name_en: Label
    caption_vi: Caption
    caption_en: Caption
    links: list[Link] = Field(default_factory=list, max_length=MAX_LINKS)
    hotspots: list[Hotspot] = Field(default_factory=list, max_length=MAX_HOTSPOTS)


class Graph(_Strict):
    start: str | None = Field(default=None, pattern=NODE_ID, description="the room the tour opens in")
    nodes: list[Node] = Field(default_factory=list, max_length=MAX_NODES)


EMPTY: dict[str, Any] = {"start": None, "nodes": []}


def _location(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "graph"


def parse(data: Any) -> Graph:
    """The graph from JSON (a 400 naming the first wrong value), with the rules below applied."""
    try:
        graph = Graph.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        raise InvalidParameter(first["msg"], parameter=_location(first["loc"])) from None
    check(graph)
    return graph


def check(graph: Graph) -> None:
    """Rooms have distinct ids, the tour starts in one of them, links join distinct rooms of this tour."""
    ids = [n.id for n in graph.nodes]
    for i, node in enumerate(graph.nodes):
        if ids.index(node.id) != i:
            raise InvalidParameter(f"the room id '{node.id}' is used twice", parameter=f"nodes[{i}].id")
    if graph.nodes and graph.start is None:
        raise InvalidParameter("a tour with rooms needs a start room", parameter="start")
    if graph.start is not None and graph.start not in ids:
        raise InvalidParameter(f"no room has the id '{graph.start}'", parameter="start")
    for i, node in enumerate(graph.nodes):
        seen: set[str] = set()
        for j, link in enumerate(node.links):
            where = f"nodes[{i}].links[{j}].to"
            if link.to == node.id:
                raise InvalidParameter("a room cannot link to itself", parameter=where)
            if link.to not in ids:
                raise InvalidParameter(f"no room of this tour has the id '{link.to}'", parameter=where)
            if link.to in seen:
                raise InvalidParameter(f"a second link to '{link.to}' from the same room", parameter=where)
            seen.add(link.to)


def as_json(graph: Graph) -> dict[str, Any]:
    return graph.model_dump(mode="json")


def split_ref(ref: str) -> tuple[str, str]:
    kind, _, record_id = ref.partition(":")
    return kind, record_id
