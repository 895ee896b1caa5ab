"""Relic search pages kept by the app until the public data changes: a repeated page comes from
memory, and every kind of change (an editor withdrawing a relic, a unit renamed in SQL, a write
committed by another session) is seen by the very next request; an uncommitted one is not."""

from __future__ import annotations

import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.web.epoch_cache import EpochCache

PAGE = "/api/sites?bbox=106.5,8.5,106.8,8.8&limit=50"  # Côn Đảo: the prison is located


@pytest.fixture(scope="module")
def editor(module_dsn) -> str:
    with psycopg.connect(module_dsn) as conn:
        return create_user(conn, "cache-editor", "editor")[1]


def prison(client) -> dict | None:
    response = client.get(PAGE)
    assert response.status_code == 200, response.text
    return next((f for f in response.json()["features"] if f["id"] == "con-dao-prison"), None)


def test_a_repeated_page_comes_from_memory_with_the_same_bytes(live_server):
    cache = live_server.app.state.page_cache
    first = live_server.client.get(PAGE).content
    hits = cache.stats.hits
    again = live_server.client.get(PAGE).content
    assert again == first and cache.stats.hits == hits + 1
    assert b'"con-dao-prison"' in first


def test_a_withdrawn_relic_leaves_the_next_page_and_returns_when_published(live_server, editor):
    client, auth = live_server.client, {"Authorization": f"Bearer {editor}"}
    assert prison(client) is not None
    r = client.patch("/api/sites/con-dao-prison", json={"publication_status": "withdrawn"}, headers=auth)
    assert r.status_code == 200, r.text
    assert prison(client) is None
    r = client.patch("/api/sites/con-dao-prison", json={"publication_status": "published"}, headers=auth)
    assert r.status_code == 200, r.text
    assert prison(client) is not None


def test_a_renamed_unit_and_writes_of_other_sessions_are_seen_once_committed(live_server, module_dsn):
    client = live_server.client
    before = prison(client)
    unit = before["properties"]["districts"][0]["id"]
    with psycopg.connect(module_dsn) as conn:
        conn.execute("UPDATE admin_units SET name_vi = name_vi || ' (đổi tên)' WHERE id = %s", (unit,))
    assert prison(client)["properties"]["districts"][0]["name_vi"].endswith("(đổi tên)")

    with psycopg.connect(module_dsn) as conn:
        conn.execute("UPDATE sites SET name_vi = 'Nhà tù Côn Đảo (thử)' WHERE id = 'con-dao-prison'")
        assert prison(client)["properties"]["name_vi"] == before["properties"]["name_vi"]  # not committed
        conn.commit()
        assert prison(client)["properties"]["name_vi"] == "Nhà tù Côn Đảo (thử)"
        conn.execute("UPDATE sites SET name_vi = %s WHERE id = 'con-dao-prison'", (before["properties"]["name_vi"],))
        conn.execute("UPDATE admin_units SET name_vi = replace(name_vi, ' (đổi tên)', '') WHERE id = %s", (unit,))
    assert prison(client) == before


def test_the_cache_is_bounded_and_drops_everything_when_the_mark_moves():
    cache = EpochCache(max_bytes=1000)
    for n in range(10):
        assert cache.get(n, mark=7) is None
        cache.put(n, 7, f"page {n}", 200)
    assert cache.size_bytes <= 1000 and len(cache) == 5
    assert cache.get(9, mark=7) == "page 9" and cache.get(0, mark=7) is None  # oldest went first
    cache.put("huge", 7, "x", 300)  # more than a quarter of the budget: not kept
    assert cache.get("huge", mark=7) is None
    assert cache.get(9, mark=8) is None and len(cache) == 0  # the data changed: nothing kept is good
    cache.put(1, 7, "computed under the old mark", 10)  # a page computed before the change
    assert cache.get(1, mark=8) is None
