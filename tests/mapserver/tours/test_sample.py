"""The sample tour of `heritage setup`: three generated 4096 × 2048 rooms ingested as panoramas,
linked both ways, labelled as a sample, attached to the Robert Taylor museum; made once."""

from __future__ import annotations

import time

import psycopg
import pytest

from mapserver.tours.sample import MUSEUM_ID, SAMPLE_ID, ensure_sample_tour
from tests.conftest import make_settings
from tests.live_server import LiveServer
from tests.mapserver.tours.helpers import tour_app


@pytest.fixture(scope="module")
def made(module_dsn, tmp_path_factory):
    settings = make_settings(module_dsn, tmp_path_factory.mktemp("var"))
    started = time.perf_counter()
    first = ensure_sample_tour(module_dsn, settings)
    seconds = time.perf_counter() - started
    print(f"sample tour made in {seconds:.1f} s")
    return settings, first, ensure_sample_tour(module_dsn, settings)


def test_made_once(made, module_dsn):
    _, first, second = made
    assert (first, second) == (True, False)
    with psycopg.connect(module_dsn) as conn:
        row = conn.execute(
            "SELECT publication_status, is_sample, museum_id, jsonb_array_length(graph -> 'nodes') FROM tours "
            "WHERE id = %s",
            (SAMPLE_ID,),
        ).fetchone()
        panoramas = conn.execute(
            "SELECT count(*), min((facts ->> 'width')::int), min((facts ->> 'height')::int) FROM media_items "
            "WHERE record_type = 'tour' AND record_id = %s AND media_type = 'panorama' AND state = 'done'",
            (SAMPLE_ID,),
        ).fetchone()
    assert row == ("published", True, MUSEUM_ID, 3)
    assert panoramas == (3, 4096, 2048)


def test_shown_as_a_sample(made):
    settings, _, _ = made
    server = LiveServer(tour_app(settings))
    server.start()
    try:
        tour = server.client.get(f"/api/tours/{SAMPLE_ID}").json()
        assert tour["is_sample"] is True and tour["museum"]["id"] == MUSEUM_ID
        assert [n["id"] for n in tour["nodes"]] == ["phong-1", "phong-2", "phong-3"]
        assert tour["nodes"][1]["links"] == [
            {"to": "phong-1", "yaw": -90.0, "pitch": -8.0},
            {"to": "phong-3", "yaw": 90.0, "pitch": -8.0},
        ]
        assert [h["page"] for h in tour["nodes"][0]["hotspots"]] == ["/sites/bach-dinh"]
        page = server.client.get(f"/tours/{SAMPLE_ID}").text
        assert "Tham quan mẫu" in page and "Sample tour" in page and 'name="robots" content="noindex"' in page
        # the relic its hotspot opens shows the tour on its own page
        relic = server.client.get("/sites/bach-dinh").text
        assert f'href="/tours/{SAMPLE_ID}?node=phong-1"' in relic and "Tham quan mẫu" in relic
    finally:
        server.stop()
