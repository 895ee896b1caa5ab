"""IIIF Presentation 3 manifests and collections, made from really ingested media (a photo, a
panorama, a clip with subtitles, a sound recording), served by the app and valid against the
Presentation 3 schema (tests/data/iiif: why it is our own); broken copies are caught."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import psycopg
import pytest
import trimesh
from jsonschema import Draft7Validator, FormatChecker

from mapserver.media.register import add_media_file
from mapserver.settings import PROJECT_ROOT
from tests.live_server import LiveServer

from .helpers import media_app, panorama, photo

pytest.importorskip("pyvips")
SCHEMA = json.loads((PROJECT_ROOT / "tests/data/iiif/presentation-3.schema.json").read_text())
VALIDATOR = Draft7Validator(SCHEMA, format_checker=FormatChecker())
FFMPEG = shutil.which("ffmpeg")


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.fixture(scope="module")
def server(module_dsn, tmp_path_factory):
    live = LiveServer(media_app(module_dsn, tmp_path_factory.mktemp("var")))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def ingested(server, tmp_path_factory):
    """Media of Bạch Dinh and of one artefact of the provincial museum, converted in-process."""
    folder = tmp_path_factory.mktemp("media")
    settings = server.app.state.settings
    common = {"actor": "test", "publish": True, "licence": "CC-BY-4.0", "rights_holder": "Bảo tàng tỉnh"}
    ids = {}
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        museum = conn.execute("SELECT id FROM museums ORDER BY id LIMIT 1").fetchone()[0]
        artefact = conn.execute(
            "INSERT INTO artefacts (museum_id, number, name_vi, name_en, site_id, publication_status) "
            "VALUES (%s, 'BT-001', 'Trống đồng', 'Bronze drum', 'bach-dinh', 'published') RETURNING id",
            (museum,),
        ).fetchone()[0]
        ids["photo"] = add_media_file(conn, settings, "site:bach-dinh", photo(folder / "a.jpg", 1600, 1200),
                                      caption_vi="Mặt tiền", caption_en="Façade", creator="Lê Văn A", **common)  # fmt: skip
        ids["pano"] = add_media_file(conn, settings, "site:bach-dinh", panorama(folder / "p.jpg"),
                                     media_type="panorama", **common)  # fmt: skip
        ids["drum"] = add_media_file(conn, settings, f"artefact:{artefact}", photo(folder / "d.jpg", 800, 800),
                                     **{**common, "licence": "CC0-1.0"})  # fmt: skip
        if FFMPEG:
            clip, sound = folder / "clip.mp4", folder / "song.wav"
            ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=2", "-f", "lavfi",
                   "-i", "sine=frequency=440:duration=2", "-shortest", "-pix_fmt", "yuv420p", str(clip))  # fmt: skip
            ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:duration=1.5", str(sound))
            ids["clip"] = add_media_file(conn, settings, "site:bach-dinh", clip, caption_vi="Lễ hội", **common)
            ids["sound"] = add_media_file(conn, settings, "site:bach-dinh", sound, caption_en="A song", **common)
        box = folder / "drum.glb"
        trimesh.creation.box(extents=(0.4, 0.3, 0.4)).export(box)
        ids["model"] = add_media_file(conn, settings, "site:bach-dinh", box, caption_en="Drum model", **common)
        states = dict(conn.execute("SELECT id, state FROM media_items WHERE id = ANY(%s)", (list(ids.values()),)))
        assert set(states.values()) == {"done"}, conn.execute("SELECT failure_reason FROM media_items").fetchall()
    return {**ids, "museum": museum, "artefact": artefact}


def errors_of(document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(document)]


def test_record_manifest_is_valid_presentation_3(server, ingested):
    r = server.client.get("/iiif/manifests/site/bach-dinh.json")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    assert r.headers["content-type"].startswith("application/ld+json")
    manifest = r.json()
    assert errors_of(manifest) == []
    base = server.url
    assert manifest["id"] == f"{base}/iiif/manifests/site/bach-dinh.json"
    with psycopg.connect(server.app.state.settings.database_url) as conn:
        name_vi, name_en = conn.execute("SELECT name_vi, name_en FROM sites WHERE id = 'bach-dinh'").fetchone()
    assert manifest["label"] == ({"vi": [name_vi], "en": [name_en]} if name_en else {"vi": [name_vi]})
    assert manifest["rights"] == "http://creativecommons.org/licenses/by/4.0/"
    assert "Bảo tàng tỉnh" in manifest["requiredStatement"]["value"]["vi"][0]
    kinds = [c["items"][0]["items"][0]["body"]["type"] for c in manifest["items"]]
    assert kinds == (["Image", "Image", "Video", "Sound"] if FFMPEG else ["Image", "Image"])
    first = manifest["items"][0]
    assert (first["width"], first["height"]) == (1600, 1200)
    assert first["label"] == {"vi": ["Mặt tiền"], "en": ["Façade"]}
    body = first["items"][0]["items"][0]["body"]
    service = body["service"][0]
    assert service == {"id": f"{base}/iiif/3/{ingested['photo']}/v1", "type": "ImageService3", "profile": "level0"}
    # every URL the manifest names for the photo exists (level 0: no full/max)
    assert server.client.get(body["id"]).status_code == 200
    assert server.client.get(first["thumbnail"][0]["id"]).status_code == 200
    assert server.client.get(service["id"] + "/info.json").json()["id"] == service["id"]
    # a 3D model is no canvas in Presentation 3: it is offered as a rendering of the manifest
    assert manifest["rendering"] == [
        {"id": f"{base}/media/{ingested['model']}/v1/model.glb", "type": "Model", "label": {"en": ["Drum model"]},
         "format": "model/gltf-binary"}
    ]  # fmt: skip
    glb = server.client.get(manifest["rendering"][0]["id"])
    assert glb.status_code == 200 and glb.content[:4] == b"glTF" and glb.headers["content-type"] == "model/gltf-binary"
    if FFMPEG:
        video = manifest["items"][2]
        assert 1.5 < video["duration"] < 2.5 and (video["width"], video["height"]) == (320, 240)
        assert (
            server.client.get(video["items"][0]["items"][0]["body"]["id"], headers={"Range": "bytes=0-99"}).status_code
            == 206
        )
        sound = manifest["items"][3]
        assert "width" not in sound and 1.0 < sound["duration"] < 2.0


def test_broken_manifests_are_caught_by_the_schema(server, ingested):
    good = server.client.get("/iiif/manifests/site/bach-dinh.json").json()
    breakages = {
        "no height": lambda m: m["items"][0].pop("height"),
        "wrong type": lambda m: m["items"][0].update(type="Kanvas"),
        "plain label": lambda m: m.update(label="Bạch Dinh"),
        "no canvas": lambda m: m.update(items=[]),
        "relative id": lambda m: m["items"][0].update(id="/canvas/1"),
        "not a licence": lambda m: m.update(rights="free to use"),
        "sound with width": lambda m: m["items"][-1]["items"][0]["items"][0]["body"].update(width=5, height=5),
    }
    for name, breakage in breakages.items():
        broken = copy.deepcopy(good)
        breakage(broken)
        assert errors_of(broken), name


def test_collections_of_a_museum_and_a_relic(server, ingested):
    museum = server.client.get(f"/iiif/collections/museum/{ingested['museum']}.json")
    assert museum.status_code == 200, museum.text
    assert errors_of(museum.json()) == []
    refs = [i["id"] for i in museum.json()["items"]]
    assert refs == [f"{server.url}/iiif/manifests/artefact/{ingested['artefact']}.json"]
    site = server.client.get("/iiif/collections/site/bach-dinh.json").json()
    assert errors_of(site) == []
    assert [i["id"].rsplit("/", 2)[-2:] for i in site["items"]] == [
        ["site", "bach-dinh.json"],
        ["artefact", f"{ingested['artefact']}.json"],
    ]
    drum = server.client.get(refs[0]).json()
    assert errors_of(drum) == [] and drum["label"] == {"vi": ["Trống đồng"], "en": ["Bronze drum"]}
    assert drum["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert server.client.get("/iiif/collections/museum/khong-co.json").status_code == 404
    assert server.client.get("/iiif/collections/planet/x.json").status_code == 404
    assert server.client.get("/iiif/manifests/site/khong-co.json").status_code == 404
    assert server.client.get("/iiif/manifests/festival/khong-co.json").status_code == 404
