"""Load the shipped reference data (data/) into the registry; idempotent by id."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import psycopg

from .importer.readers import read_table
from .importer.sites import ImportResult, import_sites
from .lessons.seed import load_lessons
from .text import fold_key

PROVINCE_ID = "ba-ria-vung-tau"


def load_admin_units(conn: psycopg.Connection, data_dir: Path) -> int:
    with open(data_dir / "admin_units.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # Parents first, so the foreign key holds inside one transaction.
    rows.sort(key=lambda r: bool(r["parent_id"]))
    for row in rows:
        conn.execute(
            """INSERT INTO admin_units (id, name_vi, name_en, level, parent_id, valid_from, valid_to, source)
               VALUES (%(id)s, %(name_vi)s, %(name_en)s, %(level)s, nullif(%(parent_id)s, ''),
                       nullif(%(valid_from)s, '')::date, nullif(%(valid_to)s, '')::date, %(source)s)
               ON CONFLICT (id) DO UPDATE SET name_vi = EXCLUDED.name_vi, name_en = EXCLUDED.name_en,
                   level = EXCLUDED.level, parent_id = EXCLUDED.parent_id,
                   valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to,
                   source = EXCLUDED.source""",
            row,
        )
    return len(rows)


def _attribution(licence_text: str) -> str:
    lines = licence_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Required attribution"))
    quoted = " ".join(line.strip() for line in lines[start + 1 : start + 4] if line.strip())
    return quoted.strip('"')


def load_boundary(conn: psycopg.Connection, data_dir: Path) -> None:
    doc = json.loads((data_dir / "boundary.geojson").read_text(encoding="utf-8"))
    feature = doc["features"][0]
    attribution = _attribution((data_dir / "boundary.LICENSE.txt").read_text(encoding="utf-8"))
    conn.execute(
        """UPDATE admin_units
           SET geom = ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326)), attribution = %s,
               licence = 'CC BY-SA 4.0'
           WHERE id = %s""",
        (json.dumps(feature["geometry"]), attribution, PROVINCE_ID),
    )


def load_intangible(conn: psycopg.Connection, data_dir: Path) -> int:
    units = {
        fold_key(name): uid
        for uid, name in conn.execute(
            "SELECT id, regexp_replace(name_vi, '^(Thành phố|Thị xã|Huyện|Tỉnh) ', '') FROM admin_units"
        )
    }
    with open(data_dir / "intangible.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        unit_ids = [units[fold_key(p)] for p in row["district_2023"].split(";") if fold_key(p) in units]
        conn.execute(
            """INSERT INTO intangible_elements (id, name_vi, decision_no, decision_date, admin_unit_ids,
                                                season, sources, notes)
               VALUES (%s, %s, nullif(%s, ''), nullif(%s, '')::date, %s, %s, %s, nullif(%s, ''))
               ON CONFLICT (id) DO NOTHING""",
            (
                row["id"],
                row["name_vi"],
                row["decision_no"],
                row["decision_date"],
                unit_ids,
                row["season"],
                row["source"],
                row["notes"],
            ),
        )
        conn.execute(
            """INSERT INTO intangible_places (element_id, place_vi) VALUES (%s, %s)
               ON CONFLICT (element_id, place_vi) DO NOTHING""",
            (row["id"], row["place_vi"]),
        )
    return len(rows)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def load_museums(conn: psycopg.Connection, data_dir: Path) -> int:
    rows = _rows(data_dir / "museums.csv")
    for row in rows:
        conn.execute(
            """INSERT INTO museums (id, name_vi, name_en, address_vi, site_id, sources)
               VALUES (%(id)s, %(name_vi)s, nullif(%(name_en)s, ''), nullif(%(address_vi)s, ''),
                       nullif(%(site_id)s, ''), %(sources)s)
               ON CONFLICT (id) DO NOTHING""",
            row,
        )
    return len(rows)


def load_festivals(conn: psycopg.Connection, data_dir: Path, actor: str) -> int:
    """The festivals of the shipped intangible elements, published (they are sourced reference data)."""
    rows = _rows(data_dir / "festivals.csv")
    for row in rows:
        conn.execute(
            """INSERT INTO festivals (id, name_vi, element_id, site_id, place_vi, lunar_month, lunar_day_start,
                                      lunar_day_end, date_text, sources, publication_status, created_by)
               VALUES (%(id)s, %(name_vi)s, nullif(%(element_id)s, ''), nullif(%(site_id)s, ''), %(place_vi)s,
                       %(lunar_month)s::int, %(lunar_day_start)s::int, %(lunar_day_end)s::int, %(date_text)s,
                       %(sources)s, 'published', %(actor)s)
               ON CONFLICT (id) DO NOTHING""",
            {**row, "actor": actor},
        )
        if row["site_id"]:
            conn.execute(
                """INSERT INTO record_links (from_kind, from_id, to_kind, to_id, relation, created_by)
                   VALUES ('festival', %s, 'site', %s, 'held_at', %s) ON CONFLICT DO NOTHING""",
                (row["id"], row["site_id"], actor),
            )
    return len(rows)


STORY_COLUMNS = (
    "summary_vi",
    "summary_en",
    "history_vi",
    "history_en",
    "significance_vi",
    "significance_en",
    "visiting_vi",
    "visiting_en",
    "narration_vi",
)


def load_relic_stories(conn: psycopg.Connection, data_dir: Path) -> int:
    """Descriptions of the shipped relics (our own words from cited sources), when shipped, for the
    relics that have none yet (what staff wrote since stays)."""
    path = data_dir / "relic_stories.csv"
    if not path.exists():
        return 0
    count = 0
    for row in _rows(path):
        values = {c: row.get(c) or None for c in STORY_COLUMNS}
        cur = conn.execute(
            """UPDATE sites SET description_vi = %(summary_vi)s, description_en = %(summary_en)s,
                   history_vi = %(history_vi)s, history_en = %(history_en)s,
                   significance_vi = %(significance_vi)s, significance_en = %(significance_en)s,
                   visiting_vi = %(visiting_vi)s, visiting_en = %(visiting_en)s, narration_vi = %(narration_vi)s,
                   story_sources = %(sources)s
               WHERE id = %(site_id)s AND story_sources IS NULL AND description_vi IS NULL
                 AND history_vi IS NULL""",
            {**values, "sources": row.get("sources"), "site_id": row["site_id"]},
        )
        count += cur.rowcount
    return count


def load_reference_data(dsn: str, data_dir: Path, actor: str = "setup") -> ImportResult:
    """The shipped records, once: set-up runs at every start of scripts/run.sh, so a record already
    in the registry (edited, moved by a survey, withdrawn by an editor) is never overwritten by the
    shipped copy; `heritage import sites FILE` is the deliberate way to update relics from a file.
    Administrative units and the province outline are reference geography and are refreshed."""
    with psycopg.connect(dsn) as conn:
        with conn.transaction():
            load_admin_units(conn, data_dir)
            load_boundary(conn, data_dir)
        relics = data_dir / "relics.csv"
        result = import_sites(conn, read_table(relics), actor=actor, source_name=relics.name, keep_existing=True)
        with conn.transaction():
            load_intangible(conn, data_dir)
            load_museums(conn, data_dir)
            load_festivals(conn, data_dir, actor)
            load_relic_stories(conn, data_dir)
            load_lessons(conn, data_dir, actor)
        conn.commit()
    return result
