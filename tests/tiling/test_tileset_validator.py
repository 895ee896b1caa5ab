"""The project's 3D Tiles rule checks and the gltf-validator wrapper, incl. negative cases."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from tiling.gltf import Primitive, write_glb
from tiling.tileset import validate_glb_files, validate_output, validate_tileset
from tiling.volumes import enu_matrix

ENU = enu_matrix(107.0843, 10.346, 13.0).flatten(order="F").tolist()


def _box(cx, cy, cz, hx, hy, hz):
    return [cx, cy, cz, hx, 0, 0, 0, hy, 0, 0, 0, hz]


GOOD = {
    "asset": {"version": "1.1"},
    "geometricError": 100.0,
    "root": {
        "transform": ENU,
        "refine": "REPLACE",
        "geometricError": 10.0,
        "boundingVolume": {"box": _box(0, 0, 5, 20, 20, 5)},
        "content": {"uri": "tiles/a.glb"},
        "children": [
            {
                "geometricError": 0.0,
                "boundingVolume": {"box": _box(-5, -5, 5, 5, 5, 5)},
                "content": {"uri": "tiles/b.glb"},
            },
            {"geometricError": 0.0, "boundingVolume": {"sphere": [5, 5, 5, 4]}},
        ],
    },
}


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    (tmp_path / "tiles").mkdir()
    tri = Primitive(positions=np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32), indices=np.array([[0, 1, 2]]))
    write_glb(tmp_path / "tiles" / "a.glb", [tri])
    write_glb(tmp_path / "tiles" / "b.glb", [tri])
    (tmp_path / "tileset.json").write_text(json.dumps(GOOD))
    return tmp_path


def _write(d: Path, ts: dict, name: str = "tileset.json") -> Path:
    p = d / name
    p.write_text(json.dumps(ts))
    return p


def codes(issues) -> set[str]:
    return {i.code for i in issues}


def test_good_tileset_passes(good: Path) -> None:
    assert validate_tileset(good / "tileset.json") == []
    assert validate_output(good) == []


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda t: t["root"].__setitem__("geometricError", -1.0), "GEOMETRIC_ERROR_NEGATIVE"),
        (lambda t: t["root"]["children"][0].__setitem__("geometricError", 50.0), "GEOMETRIC_ERROR_INCREASES"),
        (lambda t: t.__setitem__("geometricError", 1.0), "GEOMETRIC_ERROR_INCREASES"),
        (lambda t: t["root"].pop("geometricError"), "GEOMETRIC_ERROR_MISSING"),
        (lambda t: t["root"].__setitem__("geometricError", "big"), "GEOMETRIC_ERROR_INVALID"),
        (lambda t: t["asset"].pop("version"), "ASSET_VERSION"),
        (lambda t: t["asset"].__setitem__("version", "2.0"), "ASSET_VERSION"),
        (
            lambda t: t["root"]["children"][0]["boundingVolume"].__setitem__("box", _box(18, 0, 5, 5, 5, 5)),
            "BOUNDING_VOLUME_NOT_CONTAINED",
        ),
        (
            lambda t: t["root"]["children"][1]["boundingVolume"].__setitem__("sphere", [5, 5, 5, 30]),
            "BOUNDING_VOLUME_NOT_CONTAINED",
        ),
        (
            lambda t: t["root"]["children"][0].__setitem__(
                "transform", [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 30, 0, 0, 1]
            ),
            "BOUNDING_VOLUME_NOT_CONTAINED",
        ),
        (lambda t: t["root"]["children"][0]["content"].__setitem__("uri", "tiles/missing.glb"), "CONTENT_UNREADABLE"),
        (
            lambda t: t["root"]["children"][0]["content"].__setitem__("uri", "https://example.org/x.glb"),
            "CONTENT_URI_NOT_RELATIVE",
        ),
        (lambda t: t["root"]["children"][0]["content"].pop("uri"), "CONTENT_URI_MISSING"),
        (lambda t: t["root"].__setitem__("transform", ENU[:15]), "TRANSFORM_INVALID"),
        (lambda t: t["root"].__setitem__("transform", ENU[:3] + [1.0] + ENU[4:]), "TRANSFORM_NOT_AFFINE"),
        (lambda t: t["root"].__setitem__("transform", ENU[:5] + [math.inf] + ENU[6:]), "TRANSFORM_INVALID"),
        (lambda t: t["root"].__setitem__("transform", [0.0] * 15 + [1.0]), "TRANSFORM_SINGULAR"),
        (lambda t: t["root"].pop("refine"), "ROOT_REFINE_MISSING"),
        (lambda t: t["root"]["children"][0].__setitem__("refine", "MERGE"), "REFINE_INVALID"),
        (lambda t: t["root"].pop("boundingVolume"), "BOUNDING_VOLUME_MISSING"),
        (
            lambda t: t["root"]["children"][0].__setitem__("boundingVolume", {"box": [0, 0, 0]}),
            "BOUNDING_VOLUME_INVALID",
        ),
        (
            lambda t: t["root"]["children"][0].__setitem__("boundingVolume", {"region": [1, 0.1, 0.5, 0.2, 0, 10]}),
            "BOUNDING_VOLUME_NOT_CONTAINED",
        ),
        (
            lambda t: t["root"]["children"][0].__setitem__("boundingVolume", {"region": [0, 2, 0.1, 2.1, 0, 1]}),
            "REGION_INVALID",
        ),
    ],
)
def test_broken_tilesets_are_caught(good: Path, mutate, code: str) -> None:
    ts = copy.deepcopy(GOOD)
    mutate(ts)
    issues = validate_tileset(_write(good, ts))
    assert code in codes(issues), issues


def test_child_region_inside_parent_region(tmp_path: Path) -> None:
    lon, lat = math.radians(107.0843), math.radians(10.346)  # where ENU sits
    d = 1e-4
    ts = {
        "asset": {"version": "1.0"},
        "geometricError": 50,
        "root": {
            "refine": "ADD",
            "geometricError": 10,
            "boundingVolume": {"region": [lon - d, lat - d, lon + d, lat + d, 0, 30]},
            "children": [
                {
                    "geometricError": 0,
                    "boundingVolume": {"region": [lon - d / 2, lat - d / 2, lon + d / 2, lat + d / 2, 5, 20]},
                },
                {"geometricError": 0, "transform": ENU, "boundingVolume": {"box": _box(0, 0, 10, 3, 3, 3)}},
            ],
        },
    }
    assert validate_tileset(_write(tmp_path, ts)) == []
    ts["root"]["children"][1]["boundingVolume"]["box"] = _box(0, 0, 10, 1000, 3, 3)  # ±1 km > region (±640 m)
    assert "BOUNDING_VOLUME_NOT_CONTAINED" in codes(validate_tileset(_write(tmp_path, ts)))


def test_external_tileset_is_recursed(good: Path) -> None:
    sub = copy.deepcopy(GOOD)
    sub["geometricError"] = 10.0
    sub["root"].pop("transform")  # inherits the referencing tile's transform
    sub["root"]["geometricError"] = 5.0
    sub["root"]["boundingVolume"] = {"box": _box(0, 0, 5, 10, 10, 5)}
    sub["root"]["children"][0]["boundingVolume"] = {"box": _box(-5, -5, 5, 5, 5, 5)}
    sub["root"]["children"][1]["boundingVolume"] = {"sphere": [5, 5, 5, 4]}
    _write(good, sub, "sub.json")
    ts = copy.deepcopy(GOOD)
    ts["root"]["children"][1]["content"] = {"uri": "sub.json"}
    ts["root"]["children"][1]["geometricError"] = 8.0
    ts["root"]["children"][1]["boundingVolume"] = {"box": _box(0, 0, 5, 10, 10, 5)}
    assert validate_tileset(_write(good, ts)) == []
    sub["root"]["children"][0]["content"]["uri"] = "tiles/nope.glb"
    sub["root"]["geometricError"] = -3
    _write(good, sub, "sub.json")
    found = codes(validate_tileset(good / "tileset.json"))
    assert {"CONTENT_UNREADABLE", "GEOMETRIC_ERROR_NEGATIVE"} <= found
    # a cycle is reported, not followed forever
    sub["root"]["children"][0]["content"]["uri"] = "tileset.json"
    _write(good, sub, "sub.json")
    assert "EXTERNAL_TILESET_CYCLE" in codes(validate_tileset(good / "tileset.json"))


def test_content_header_checked(good: Path) -> None:
    (good / "tiles" / "b.glb").write_bytes(b"not a tile at all")
    assert "CONTENT_UNKNOWN_FORMAT" in codes(validate_tileset(good / "tileset.json"))
    data = (good / "tiles" / "a.glb").read_bytes()
    (good / "tiles" / "a.glb").write_bytes(data[:-8])  # truncated
    assert "CONTENT_LENGTH_MISMATCH" in codes(validate_tileset(good / "tileset.json"))


def test_unreadable_json(tmp_path: Path) -> None:
    (tmp_path / "tileset.json").write_text("{ not json")
    assert codes(validate_tileset(tmp_path / "tileset.json")) == {"TILESET_UNREADABLE"}


def test_gltf_validator_runs_and_catches_bad_glb(good: Path) -> None:
    """Needs `npm ci` in tiling/js: a missing node_modules makes this fail, not skip."""
    assert validate_glb_files([good / "tiles" / "a.glb"]) == []
    bad = good / "tiles" / "bad.glb"
    data = bytearray((good / "tiles" / "a.glb").read_bytes())
    # break the JSON: the accessor now points past the buffer
    js_len = int.from_bytes(data[12:16], "little")
    js = data[20 : 20 + js_len].decode().replace('"count":3', '"count":9')
    data[20 : 20 + js_len] = js.encode().ljust(js_len)
    bad.write_bytes(bytes(data))
    issues = validate_glb_files([bad])
    assert len(issues) == 1 and issues[0].code == "GLTF_VALIDATOR" and "error" in issues[0].message
    out = validate_output(good)
    assert out == []  # bad.glb is not referenced by the tileset


def test_missing_node_modules_fails_loudly(good: Path, tmp_path_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without `npm ci` in tiling/js the check raises (never a silent pass or skip)."""
    import tiling.nodetools as nt

    monkeypatch.setattr(nt, "JS_DIR", tmp_path_factory.mktemp("empty-js"))
    with pytest.raises(nt.NodeToolsMissing, match="npm ci"):
        validate_glb_files([good / "tiles" / "a.glb"])
