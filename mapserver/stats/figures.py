"""The one home of the plan's figures: where the registry stood against each target of plan
233/KH-UBND at the end of a year, and what was done during that year. The /progress page, its JSON
twin and the annual report (reports/) all read them from here, so they cannot disagree.

"At the end of a year" is the state at 1 January of the next year, 00:00 in Vietnam, rebuilt from the
timestamps the registry keeps (creation, record versions, archived positions, scans, media); for the
year in progress it is today's state. Staff figures: drafts count as recorded, with published beside.

The statements run on a sync connection (the report's CLI) or an async one (the page) alike: both
go through ``_build`` with the same rows."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from ..vocabulary import RANKS
from . import queries

# Kinds of record beside relics and artefacts: (code, table, Vietnamese label, English label).
OTHER_KINDS = (
    ("intangible", "intangible_elements", "Di sản văn hóa phi vật thể", "Intangible heritage elements"),
    ("festival", "festivals", "Lễ hội", "Festivals"),
    ("artisan", "artisans", "Nghệ nhân", "Artisans"),
    ("craft_village", "craft_villages", "Làng nghề", "Craft villages"),
    ("document", "documents", "Tài liệu", "Documents"),
)
RECORD_KINDS = (("artefact", "artefacts", "museum_id"), *((code, table, None) for code, table, *_ in OTHER_KINDS))
RANKED = tuple(r for r in RANKS if r != "inventoried")
SITE_COLUMNS = ("recorded", "published", "located", "surveyed", "scanned", "with_media", "added_in_year")
RECORD_COLUMNS = ("recorded", "published", "with_media", "with_model", "added_in_year")


def plan_targets(data_dir: Path) -> dict[str, dict[str, Any]]:
    with open(data_dir / "plan_targets.csv", encoding="utf-8") as fh:
        return {
            row["group"]: {"target": int(row["target"]), "basis": row["basis"], "source": row["source"]}
            for row in csv.DictReader(fh)
        }


def percent(done: int, target: int | None) -> int | None:
    return round(100 * done / target) if target else None


@dataclass
class RankRow:
    rank: str  # a rank code, or "all": every relic
    target: int | None
    recorded: int = 0
    published: int = 0
    located: int = 0
    surveyed: int = 0
    scanned: int = 0
    with_media: int = 0
    added_in_year: int = 0


@dataclass
class Figures:
    year: int
    made_at: datetime
    cutoff: datetime
    in_progress: bool  # the year is not over: the figures are today's
    ranks: list[RankRow]  # special national, national, provincial, then the unranked ("inventoried")
    inventoried: RankRow  # every relic, ranked ones included, against the plan's 219 inventoried
    kinds: list[dict[str, Any]]
    museums: list[dict[str, Any]]
    districts: list[dict[str, Any]]
    activity: dict[str, int]
    media: dict[str, int]
    targets_source: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["made_at"], doc["cutoff"] = self.made_at.isoformat(), self.cutoff.isoformat()
        return doc


def _statements() -> list[str]:
    return [
        queries.SITES_PER_RANK_AT,
        queries.SITES_PER_UNIT_AT,
        queries.records_at_cutoff(RECORD_KINDS),
        queries.MUSEUMS,
        queries.ACTIVITY_IN_YEAR,
        f"SELECT now(), {queries.CUTOFF}, now() < {queries.CUTOFF}",
    ]


def collect(conn: psycopg.Connection, year: int, data_dir: Path) -> Figures:
    rows = [conn.execute(s, {"year": year}).fetchall() for s in _statements()]
    return _build(year, rows, plan_targets(data_dir))


async def collect_async(conn: psycopg.AsyncConnection, year: int, data_dir: Path) -> Figures:
    rows = [await (await conn.execute(s, {"year": year})).fetchall() for s in _statements()]
    return _build(year, rows, plan_targets(data_dir))


def _targets(targets: dict[str, dict[str, Any]]) -> dict[str, int | None]:
    """Plan target per rank. Decision 1563/QĐ-UBND counts 219 inventoried relics = 1 special national
    + 28 national + 19 provincial + 171 unranked: the 219 includes the ranked ones, so it is the
    target of every relic, and the unranked row's target is what remains (see data/README.md)."""
    out = {rank: targets.get(rank, {}).get("target") for rank in RANKED}
    everything = targets.get("inventoried", {}).get("target")
    ranked = [out[r] for r in RANKED]
    out["inventoried"] = everything - sum(ranked) if everything is not None and None not in ranked else None
    out["all"] = everything
    return out


def _build(year: int, rows: list[list[tuple]], targets: dict[str, dict[str, Any]]) -> Figures:
    per_rank, per_unit, records, museums, (activity,), ((made_at, cutoff, in_progress),) = rows
    target = _targets(targets)
    by_rank = {r[0]: r[1:] for r in per_rank}
    ranks, total = [], RankRow("all", target["all"])
    for rank in RANKS:
        values = by_rank.get(rank, (0,) * len(SITE_COLUMNS))
        ranks.append(RankRow(rank, target[rank], *values))
        for name, value in zip(SITE_COLUMNS, values):
            setattr(total, name, getattr(total, name) + value)
    counts = {(r[0], r[1]): dict(zip(RECORD_COLUMNS, r[2:])) for r in records}
    zero = dict.fromkeys(RECORD_COLUMNS, 0)
    kinds = [
        {"kind": code, "label_vi": label_vi, "label_en": label_en}
        | {"target": targets.get("intangible_national", {}).get("target") if code == "intangible" else None}
        | counts.get((code, None), zero)
        for code, _, label_vi, label_en in OTHER_KINDS
    ]
    museum_rows = [
        {"id": m_id, "name_vi": name_vi, "name_en": name_en} | counts.get(("artefact", m_id), zero)
        for m_id, name_vi, name_en in museums
    ]
    districts = [
        {"id": u[0], "name_vi": u[1], "name_en": u[2], "valid_to": u[3].isoformat() if u[3] else None}
        | dict(zip(SITE_COLUMNS, u[4:]))
        for u in per_unit
    ]
    batches, points, scans, approved, zones, media_items, media_added = activity
    added = total.added_in_year + sum(k["added_in_year"] for k in kinds) + sum(m["added_in_year"] for m in museum_rows)
    return Figures(
        year=year,
        made_at=made_at,
        cutoff=cutoff,
        in_progress=in_progress,
        ranks=ranks,
        inventoried=total,
        kinds=kinds,
        museums=museum_rows,
        districts=districts,
        activity={
            "survey_batches": batches,
            "survey_points": int(points),
            "scans_done": scans,
            "records_created": added,
            "records_published": approved,
            "protection_zones": zones,
        },
        media={"items": media_items, "added_in_year": media_added},
        targets_source={k: v["source"] for k, v in targets.items()},
    )
