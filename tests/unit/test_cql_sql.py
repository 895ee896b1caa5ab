"""CQL2 → SQL without a database: the translation is parameterised (user values never in the text),
uses the collection's own expressions, and refuses what it cannot type-check."""

from __future__ import annotations

import pytest
from psycopg import sql

from mapserver.errors import InvalidParameter
from mapserver.geo import crsref
from mapserver.ogc.collections import RELICS
from mapserver.ogc.cql import parse_filter
from mapserver.ogc.cql_sql import Params, translate


def _sql(text: str, lang: str = "cql2-text") -> tuple[str, dict]:
    params = Params()
    composed = translate(parse_filter(text, lang), RELICS, crsref.crs84(), params)
    return composed.as_string(None), params.values


def test_comparison_is_a_parameter():
    text, values = _sql("rank = 'national'")
    assert "s.rank" in text and "national" not in text
    assert list(values.values()) == ["national"]


def test_injection_attempt_stays_a_value():
    text, values = _sql("name_vi = 'x''; DROP TABLE sites; --'")
    assert "DROP" not in text
    assert "x'; DROP TABLE sites; --" in values.values()


def test_spatial_and_logic():
    text, values = _sql("S_DWITHIN(geometry, POINT(107.08 10.35), 2000, meters) AND rank IN ('national','provincial')")
    assert "ST_DWithin" in text and "geography" in text and " AND " in text
    assert 2000 in values.values() or 2000.0 in values.values()


def test_json_filter_equals_text_filter():
    text_a, values_a = _sql("rank = 'national'")
    text_b, values_b = _sql('{"op": "=", "args": [{"property": "rank"}, "national"]}', "cql2-json")
    assert (text_a, values_a) == (text_b, values_b)


@pytest.mark.parametrize("bad", ["nosuchproperty = 1", "rank = ", "decision_date > 'not a date'"])
def test_bad_filters_are_400s(bad):
    with pytest.raises(InvalidParameter) as info:
        _sql(bad)
    assert info.value.parameter == "filter"


def test_the_public_rule_is_in_every_relic_query():
    """Relic SQL of every public read selects from the public view, never the table."""
    from mapserver.planner import queries as planner_queries
    from mapserver.sites import queries as site_queries
    from mapserver.sites.params import SiteQuery
    from mapserver.stats import queries as stats_queries

    statement, _ = site_queries.page_sql(SiteQuery())
    texts = [
        statement.as_string(None),
        site_queries.count_sql(SiteQuery())[0].as_string(None),
        site_queries.detail_sql().as_string(None),
        planner_queries.IMPACT.as_string(None),
        stats_queries.PER_RANK,
        stats_queries.PER_UNIT,
        RELICS.from_sql,
    ]
    for text in texts:
        assert "public_sites" in text
        assert not any(w in text for w in (" sites s", "FROM sites ", "JOIN sites "))
    assert isinstance(site_queries.PUBLIC, sql.Identifier)
