"""The figures of the yearly report to the Ministry: where the registry stands against each target
of plan 233/KH-UBND (as of the report date), and what was done during the year (by timestamps, in
Vietnam's calendar year).

Staff figures: every record counts, drafts included ("recorded"), with "published" beside it, since
the report is about the office's own work, not the public view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from ..stats.routes import plan_targets
from ..vocabulary import RANKS

# A calendar year in Vietnam (UTC+7): %(year)s is bound as a parameter.
YEAR_START = "make_timestamptz(%(year)s, 1, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh')"
YEAR_END = "make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh')"
IN_YEAR = f"BETWEEN {YEAR_START} AND {YEAR_END}"
REAL_SCAN = "c.site_id = s.id AND c.status = 'done' AND NOT c.sample"

WITH_MEDIA = "EXISTS (SELECT 1 FROM media_items m WHERE m.record_type = 'site' AND m.record_id = s.id)"


def per_rank_sql(has_media: bool) -> str:
    return f"""
SELECT s.rank, count(*),
       count(*) FILTER (WHERE s.publication_status = 'published'),
       count(*) FILTER (WHERE s.geom IS NOT NULL),
       count(*) FILTER (WHERE s.location_status = 'surveyed'),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM scans c WHERE {REAL_SCAN})),
       count(*) FILTER (WHERE {WITH_MEDIA if has_media else "FALSE"}),
       count(*) FILTER (WHERE s.created_at < {YEAR_START})
FROM sites s GROUP BY s.rank
"""


# Kinds of record beside relics: (code, table, Vietnamese label, English label).
OTHER_KINDS = (
    ("intangible", "intangible_elements", "Di sản văn hóa phi vật thể", "Intangible heritage elements"),
    ("festival", "festivals", "Lễ hội", "Festivals"),
    ("artisan", "artisans", "Nghệ nhân", "Artisans"),
    ("craft_village", "craft_villages", "Làng nghề", "Craft villages"),
    ("document", "documents", "Tài liệu", "Documents"),
)
PER_MUSEUM = """
SELECT m.id, m.name_vi, count(a.id), count(a.id) FILTER (WHERE a.publication_status = 'published'),
       count(a.id) FILTER (WHERE a.created_at IN_YEAR)
FROM museums m LEFT JOIN artefacts a ON a.museum_id = m.id GROUP BY m.id, m.name_vi ORDER BY m.id
""".replace("IN_YEAR", IN_YEAR)
ACTIVITY = f"""
SELECT (SELECT count(*) FROM survey_batches WHERE created_at {IN_YEAR}),
       (SELECT coalesce(sum(point_count), 0) FROM survey_batches WHERE created_at {IN_YEAR}),
       (SELECT count(*) FROM scans WHERE NOT sample AND status = 'done' AND updated_at {IN_YEAR}),
       (SELECT count(*) FROM record_versions WHERE action = 'create' AND at {IN_YEAR}),
       (SELECT count(*) FROM record_versions WHERE action = 'approve' AND at {IN_YEAR}),
       (SELECT count(*) FROM protection_zones)
"""


@dataclass
class RankRow:
    rank: str
    target: int | None
    recorded: int = 0
    published: int = 0
    located: int = 0
    surveyed: int = 0
    scanned: int = 0
    with_media: int = 0
    recorded_before_year: int = 0


@dataclass
class Figures:
    year: int
    made_at: datetime
    ranks: list[RankRow]
    inventoried: RankRow  # every relic, ranked ones included, against the 219 inventoried
    # ranks: special national, national, provincial against their targets, then unranked ("inventoried")
    kinds: list[dict[str, Any]]
    museums: list[dict[str, Any]]
    activity: dict[str, int]
    media: dict[str, int] | None = None  # None: media are not recorded in this database yet
    targets_source: dict[str, str] = field(default_factory=dict)


def _kind_counts(conn: psycopg.Connection, table: str, year: int) -> tuple[int, int, int]:
    statement = psycopg.sql.SQL(
        "SELECT count(*), count(*) FILTER (WHERE publication_status = 'published'), "
        f"count(*) FILTER (WHERE created_at {IN_YEAR}) FROM {{}}"
    ).format(psycopg.sql.Identifier(table))
    return conn.execute(statement, {"year": year}).fetchone()


def _has_media(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass('media_items')").fetchone()[0] is not None


def _media(conn: psycopg.Connection, year: int) -> dict[str, int] | None:
    if not _has_media(conn):
        return None
    total, published, in_year = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE publication_status = 'published'), "
        f"count(*) FILTER (WHERE created_at {IN_YEAR}) FROM media_items",
        {"year": year},
    ).fetchone()
    return {"items": total, "published": published, "added_in_year": in_year}


def collect(conn: psycopg.Connection, year: int, data_dir: Path) -> Figures:
    targets = plan_targets(data_dir)
    rows = {r[0]: r for r in conn.execute(per_rank_sql(_has_media(conn)), {"year": year}).fetchall()}
    ranks, total = [], RankRow("all", targets.get("inventoried", {}).get("target"))
    names = ("recorded", "published", "located", "surveyed", "scanned", "with_media", "recorded_before_year")
    for rank in RANKS:
        values = rows.get(rank, (rank,) + (0,) * len(names))[1:]
        # "inventoried" as a rank is the unranked relics; the plan's 219 counts every relic.
        ranks.append(RankRow(rank, None if rank == "inventoried" else targets.get(rank, {}).get("target"), *values))
        for name, value in zip(names, values):
            setattr(total, name, getattr(total, name) + value)
    kinds = []
    for code, table, label_vi, label_en in OTHER_KINDS:
        recorded, published, added = _kind_counts(conn, table, year)
        target = targets.get("intangible_national", {}).get("target") if code == "intangible" else None
        kinds.append(
            {"kind": code, "label_vi": label_vi, "label_en": label_en, "target": target, "recorded": recorded}
            | {"published": published, "added_in_year": added}
        )
    museums = [
        {"id": m[0], "name_vi": m[1], "artefacts": m[2], "published": m[3], "added_in_year": m[4]}
        for m in conn.execute(PER_MUSEUM, {"year": year}).fetchall()
    ]
    batches, points, scans, created, approved, zones = conn.execute(ACTIVITY, {"year": year}).fetchone()
    activity = {
        "survey_batches": batches,
        "survey_points": int(points),
        "scans_done": scans,
        "records_created": created,
        "records_published": approved,
        "protection_zones": zones,
    }
    made_at = conn.execute("SELECT now()").fetchone()[0]
    return Figures(
        year=year,
        made_at=made_at,
        ranks=ranks,
        inventoried=total,
        kinds=kinds,
        museums=museums,
        activity=activity,
        media=_media(conn, year),
        targets_source={k: v["source"] for k, v in targets.items()},
    )
