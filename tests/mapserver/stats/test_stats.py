"""/api/stats, the public registry today: counts per rank against the plan, districts, and no credit
for samples (the plan's dashboard, /progress, is tested in test_progress_figures.py)."""

from __future__ import annotations

import psycopg


def add_scan(dsn: str, sample: bool) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO scans (site_id, sample, file_name, file_key, file_sha256, file_size, height_system, "
            "status, progress, tileset_version, created_by) "
            "VALUES ('con-dao-prison', %s, 'x', 'x', '', 0, 'normal', 'done', 1, 1, 'test')",
            (sample,),
        )


def by_rank(client) -> dict:
    return {r["rank"]: r for r in client.get("/api/stats").json()["ranks"]}


def test_progress_against_plan_targets(live_server, module_dsn):
    ranks = by_rank(live_server.client)
    assert ranks["special_national"] == {
        "rank": "special_national",
        "plan_target": 1,
        "in_registry": 2,
        "located": 1,
        "surveyed": 0,
        "with_3d": 0,
    }
    assert (ranks["national"]["plan_target"], ranks["national"]["in_registry"]) == (28, 20)
    assert (ranks["provincial"]["plan_target"], ranks["provincial"]["in_registry"]) == (19, 2)
    # The inventoried row is the unranked relics only (none among the shipped ones); the plan's 219
    # counts ranked relics too, so it is the total's target.
    assert ranks["inventoried"] == {
        "rank": "inventoried",
        "plan_target": None,
        "in_registry": 0,
        "located": 0,
        "surveyed": 0,
        "with_3d": 0,
    }
    doc = live_server.client.get("/api/stats").json()
    assert doc["all_inventoried"] == {"plan_target": 219, "in_registry": 24, "located": 1, "surveyed": 0, "with_3d": 0}
    assert doc["intangible"] == {"plan_target": 3, "in_registry": 3}
    vung_tau = next(d for d in doc["districts"] if d["id"] == "vung-tau")
    assert vung_tau["relics"] == 12 and vung_tau["valid_to"] == "2025-06-30"

    add_scan(module_dsn, sample=True)
    assert by_rank(live_server.client)["special_national"]["with_3d"] == 0  # a sample is no scan
    add_scan(module_dsn, sample=False)
    assert by_rank(live_server.client)["special_national"]["with_3d"] == 1
