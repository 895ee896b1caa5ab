"""The rules of a tour's rooms that need no database: shape, angle ranges (degrees), ids, links,
and the staff form read back into the same shape."""

from __future__ import annotations

import math

import pytest

from mapserver.errors import InvalidParameter
from mapserver.tours import graph
from mapserver.tours.editor import parse_form


def room(node_id: str, media_id: int, links=(), hotspots=()) -> dict:
    return {
        "id": node_id,
        "media_id": media_id,
        "name_vi": f"Phòng {node_id}",
        "links": list(links),
        "hotspots": list(hotspots),
    }


def two_rooms(**changes) -> dict:
    data = {
        "start": "a",
        "nodes": [
            room(
                "a",
                1,
                links=[{"to": "b", "yaw": 90, "pitch": -5}],
                hotspots=[{"record": "artefact:7", "yaw": -170.5, "pitch": 10, "label_vi": "Kiếm"}],
            ),
            room("b", 2, links=[{"to": "a", "yaw": -90}]),
        ],
    }
    data.update(changes)
    return data


def refused(data) -> InvalidParameter:
    with pytest.raises(InvalidParameter) as caught:
        graph.parse(data)
    return caught.value


def test_a_valid_tour_keeps_its_values():
    parsed = graph.as_json(graph.parse(two_rooms()))
    assert parsed["start"] == "a"
    assert parsed["nodes"][0]["links"] == [{"to": "b", "yaw": 90.0, "pitch": -5.0}]
    assert parsed["nodes"][1]["links"][0]["pitch"] == 0.0  # pitch defaults to the horizon
    assert parsed["nodes"][0]["hotspots"][0]["record"] == "artefact:7"
    assert graph.as_json(graph.parse({"nodes": []})) == {"start": None, "nodes": []}


@pytest.mark.parametrize(
    ("change", "parameter", "words"),
    [
        ({"start": "zz"}, "start", "no room has the id 'zz'"),
        ({"start": None}, "start", "needs a start room"),
        ({"nodes": [room("a", 1), room("a", 2)]}, "nodes[1].id", "used twice"),
        ({"nodes": [room("a", 1, links=[{"to": "c", "yaw": 0}])]}, "nodes[0].links[0].to", "no room of this tour"),
        ({"nodes": [room("a", 1, links=[{"to": "a", "yaw": 0}])]}, "nodes[0].links[0].to", "itself"),
        (
            {"nodes": [room("a", 1, links=[{"to": "b", "yaw": 0}, {"to": "b", "yaw": 9}]), room("b", 2)]},
            "nodes[0].links[1].to",
            "second link",
        ),
        ({"nodes": [room("a", 1, links=[{"to": "b", "yaw": 181}]), room("b", 2)]}, "nodes[0].links[0].yaw", "180"),
        (
            {"nodes": [room("a", 1, links=[{"to": "b", "yaw": 0, "pitch": -90.5}]), room("b", 2)]},
            "nodes[0].links[0].pitch",
            "-90",
        ),
        (
            {"nodes": [room("a", 1, links=[{"to": "b", "yaw": math.pi * 100}]), room("b", 2)]},
            "nodes[0].links[0].yaw",
            "180",
        ),
        ({"nodes": [room("a", 1, links=[{"to": "b", "yaw": "nan"}]), room("b", 2)]}, "nodes[0].links[0].yaw", "finite"),
        ({"nodes": [room("a", 0)]}, "nodes[0].media_id", "1"),
        ({"nodes": [room("A b", 1)]}, "nodes[0].id", "pattern"),
        (
            {"nodes": [room("a", 1, hotspots=[{"record": "artefact", "yaw": 0}])]},
            "nodes[0].hotspots[0].record",
            "pattern",
        ),
        ({"nodes": [{**room("a", 1), "colour": "red"}]}, "nodes[0].colour", "Extra"),
    ],
)
def test_wrong_rooms_are_refused_naming_the_value(change, parameter, words):
    problem = refused(two_rooms(**change))
    assert problem.parameter == parameter
    assert words.lower() in problem.detail.lower()


def test_limits_on_size():
    many = [room(f"r{i}", i + 1) for i in range(graph.MAX_NODES + 1)]
    assert refused({"start": "r0", "nodes": many}).parameter == "nodes"


def test_the_editor_form_reads_back_as_the_api_body():
    form = {
        "title_vi": " Bảo tàng ",
        "title_en": "",
        "museum_id": "bao-tang-robert-taylor",
        "is_sample": "on",
        "start": "a",
        "node-0-id": "a",
        "node-0-media_id": "11",
        "node-0-name_vi": "Sảnh",
        "node-0-name_en": "Hall",
        "node-0-link-0-to": "b",
        "node-0-link-0-yaw": "12,5",
        "node-0-link-0-pitch": "",
        "node-0-link-1-to": "",
        "node-0-link-1-yaw": "",
        "node-0-link-1-pitch": "",  # the blank row
        "node-0-hotspot-0-record": "artefact:3",
        "node-0-hotspot-0-yaw": "-30",
        "node-0-hotspot-0-pitch": "4",
        "node-0-hotspot-0-label_vi": "Súng",
        "node-0-hotspot-0-label_en": "",
        "node-1-id": "b",
        "node-1-media_id": "12",
        "node-1-name_vi": "Phòng B",
        "node-1-link-0-to": "a",
        "node-1-link-0-yaw": "-167.25",
        "node-1-link-0-pitch": "-3",
        "node-2-id": "",
        "node-2-media_id": "",  # the blank new room
    }
    data = parse_form(form)
    assert data["title_vi"] == "Bảo tàng" and data["title_en"] is None and data["is_sample"] is True
    parsed = graph.as_json(graph.parse({"start": data["start"], "nodes": data["nodes"]}))
    assert [n["id"] for n in parsed["nodes"]] == ["a", "b"]
    assert parsed["nodes"][0]["media_id"] == 11
    assert parsed["nodes"][0]["links"] == [{"to": "b", "yaw": 12.5, "pitch": 0.0}]
    assert parsed["nodes"][0]["hotspots"][0] == {
        "record": "artefact:3",
        "yaw": -30.0,
        "pitch": 4.0,
        "label_vi": "Súng",
        "label_en": None,
    }
    assert parsed["nodes"][1]["links"][0]["yaw"] == -167.25
