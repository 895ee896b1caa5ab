"""Load the shipped reference data (data/) into the registry; idempotent by id."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import psycopg

from .importer.readers import read_table
from .importer.sites import ImportResult, import_sites
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
               ON CONFLICT (id) DO UPDATE SET name_vi = EXCLUDED.name_vi,
                   decision_no = EXCLUDED.decision_no, decision_date = EXCLUDED.decision_date,
                   admin_unit_ids = EXCLUDED.admin_unit_ids, season = EXCLUDED.season,
                   sources = EXCLUDED.sources, notes = EXCLUDED.notes""",
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


def load_reference_data(dsn: str, data_dir: Path, actor: str = "setup") -> ImportResult:
    with psycopg.connect(dsn) as conn:
        with conn.transaction():
            load_admin_units(conn, data_dir)
            load_boundary(conn, data_dir)
        relics = data_dir / "relics.csv"
        result = import_sites(conn, read_table(relics), actor=actor, source_name=relics.name)
        with conn.transaction():
            load_intangible(conn, data_dir)
        conn.commit()
    return result
