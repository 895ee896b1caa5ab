"""The portal's SQL: the browse listing over every kind's public view (with the filters a kind can
answer), the relics nearest a point, featured relics, latest media, and the labels of districts
and museums. Values are always parameters; identifiers come from the kinds' own descriptions."""

from __future__ import annotations

from psycopg import sql

from ..records.kinds import Kind
from ..records.search import _like  # one escaping rule for LIKE patterns (shared with /api/search)

# Which filter a kind can answer, by the column of its public view that holds it.
DISTRICT_KINDS = ("site", "intangible", "craft_village")  # admin_unit_ids text[]
PERIOD_KINDS = ("artefact", "document")  # year_from / year_to
MUSEUM_KINDS = ("artefact", "tour")  # museum_id


def answers(kind: Kind, *, rank: bool, district: bool, period: bool, museum: bool) -> bool:
    """Whether a kind can be filtered as asked (a kind without the column is left out)."""
    return not (
        (rank and kind.name != "site")
        or (district and kind.name not in DISTRICT_KINDS)
        or (period and kind.name not in PERIOD_KINDS)
        or (museum and kind.name not in MUSEUM_KINDS)
    )


def _optional(kind: Kind, names: tuple[str, ...], column: str, cast: str = "text") -> sql.Composable:
    if kind.name in names:
        return sql.SQL("r.{}").format(sql.Identifier(column))
    return sql.SQL("NULL::" + cast)


def _one_kind(kind: Kind, *, tokens: int, rank: bool, district: bool, period: bool, museum: bool):
    title_en = sql.SQL("r.{}").format(sql.Identifier(kind.title_en)) if kind.title_en else sql.SQL("NULL::text")
    where: list[sql.Composable] = [sql.SQL("TRUE")]
    where += [sql.SQL("r.search_text LIKE heritage_fold({})").format(sql.Placeholder(f"w{i}")) for i in range(tokens)]
    if rank:
        where.append(sql.SQL("r.rank = %(rank)s"))
    if district:
        where.append(sql.SQL("%(district)s = ANY(r.admin_unit_ids)"))
    if period:
        # overlap of [year_from, year_to] with the asked period; an open end counts as the other one
        where.append(
            sql.SQL(
                "coalesce(r.year_to, r.year_from) >= %(year_from)s AND coalesce(r.year_from, r.year_to) <= %(year_to)s"
            )
        )
    if museum:
        where.append(sql.SQL("r.museum_id = %(museum)s"))
    score = sql.SQL("word_similarity(heritage_fold(%(q)s), r.search_text)") if tokens else sql.SQL("0::real")
    return sql.SQL(
        "SELECT {k} AS kind, r.id::text AS id, r.{t} AS title_vi, {te} AS title_en, {rank} AS rank, "
        "{units} AS admin_unit_ids, {museum} AS museum_id, {yf} AS year_from, {yt} AS year_to, {score} AS score "
        "FROM {view} r WHERE {where}"
    ).format(
        k=sql.Literal(kind.name),
        t=sql.Identifier(kind.title),
        te=title_en,
        rank=_optional(kind, ("site",), "rank"),
        units=_optional(kind, DISTRICT_KINDS, "admin_unit_ids", "text[]"),
        museum=_optional(kind, MUSEUM_KINDS, "museum_id"),
        yf=_optional(kind, PERIOD_KINDS, "year_from", "int"),
        yt=_optional(kind, PERIOD_KINDS, "year_to", "int"),
        score=score,
        view=sql.Identifier(kind.public_view),
        where=sql.SQL(" AND ").join(where),
    )


def browse_sql(kinds: tuple[Kind, ...], *, tokens: int, **filters: bool) -> sql.Composable:
    """Every matching public record of the kinds (facets are counted from the whole match, so the
    page is cut in Python; a province's records are a few thousand rows)."""
    union = sql.SQL(" UNION ALL ").join(_one_kind(k, tokens=tokens, **filters) for k in kinds)
    return sql.SQL("SELECT * FROM ({}) x ORDER BY score DESC, kind, title_vi, id").format(union)


def like_params(q: str) -> dict[str, str]:
    return {f"w{i}": _like(t) for i, t in enumerate(q.split())}


# Historical units with their validity: BR-VT's districts were abolished on 1 Jul 2025.
UNITS = """
SELECT id, name_vi, name_en, level, valid_from, valid_to FROM admin_units
WHERE level <> 'province' ORDER BY valid_to NULLS LAST, name_vi
"""
MUSEUMS = "SELECT id, name_vi, name_en FROM museums ORDER BY name_vi"

# Relics by distance (metres on the ellipsoid) from a point; the public view already generalises
# sensitive positions, so a distance never reveals a hidden one.
NEAREST = """
SELECT id, name_vi, name_en, rank,
       round(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography)) AS metres
FROM public_sites WHERE geom IS NOT NULL
ORDER BY geom::geography <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, id
LIMIT %(limit)s
"""

# Featured relics: the special national ones first, then national, the ones with media first.
FEATURED = """
SELECT s.id, s.name_vi, s.name_en, s.rank,
       EXISTS (SELECT 1 FROM public_media m WHERE m.record_type = 'site' AND m.record_id = s.id) AS has_media
FROM public_sites s WHERE s.rank IN ('special_national', 'national')
ORDER BY array_position(ARRAY['special_national', 'national'], s.rank), has_media DESC, s.name_vi
LIMIT %(limit)s
"""

LATEST_MEDIA = "SELECT {columns} FROM public_media ORDER BY updated_at DESC, id DESC LIMIT %(limit)s"
