"""The database agrees with the vocabulary (its CHECK constraints allow exactly the codes), the
vocabulary is served, and the public view holds the public rule."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from mapserver.vocabulary import CATEGORIES, LOCATION_STATUSES, PUBLICATION_STATUSES, RANKS, as_json


def _allowed(conn, column: str) -> set[str]:
    rows = conn.execute(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.conrelid = 'sites'::regclass "
        "AND c.contype = 'c'"
    ).fetchall()
    for (definition,) in rows:
        if re.search(rf"\b{column}\b", definition) and "ARRAY" in definition:
            return set(re.findall(r"'([a-z_]+)'::text", definition))
    raise AssertionError(f"no CHECK on {column}")


@pytest.mark.parametrize(
    "column,codes",
    [
        ("rank", RANKS),
        ("category", CATEGORIES),
        ("location_status", LOCATION_STATUSES),
        ("publication_status", PUBLICATION_STATUSES),
    ],
)
def test_check_constraints_match_the_vocabulary(module_dsn, column, codes):
    with psycopg.connect(module_dsn) as conn:
        assert _allowed(conn, column) == set(codes)


def test_vocabulary_is_served(live_server):
    r = live_server.client.get("/api/vocabulary")
    assert r.status_code == 200
    assert r.json() == as_json()
    page = live_server.client.get("/").text
    config = re.search(r'<script type="application/json" id="heritage-config">(.*?)</script>', page, re.S)
    assert json.loads(config.group(1))["vocabulary"] == as_json()  # the viewer's labels come from here


def test_public_view_hides_drafts_and_generalises_sensitive(fresh_dsn):
    with psycopg.connect(fresh_dsn) as conn:
        conn.execute(
            "INSERT INTO sites (id, name_vi, rank, geom, location_status, location_source, "
            "location_accuracy_m, sensitive) VALUES ('t-hidden', 'Khảo cổ', 'provincial', "
            "ST_SetSRID(ST_MakePoint(107.123456, 10.654321), 4326), 'surveyed', 'test', 2, true)"
        )
        conn.execute(
            "INSERT INTO sites (id, name_vi, rank, publication_status) VALUES ('t-draft', 'Nháp', "
            "'provincial', 'draft')"
        )
        lon, lat, accuracy = conn.execute(
            "SELECT ST_X(geom), ST_Y(geom), location_accuracy_m FROM public_sites WHERE id = 't-hidden'"
        ).fetchone()
        assert (round(lon, 6), round(lat, 6), accuracy) == (107.12, 10.65, 1000)
        assert conn.execute("SELECT count(*) FROM public_sites WHERE id = 't-draft'").fetchone()[0] == 0
        published = conn.execute("SELECT count(*) FROM sites WHERE publication_status = 'published'").fetchone()[0]
        assert conn.execute("SELECT count(*) FROM public_sites").fetchone()[0] == published
