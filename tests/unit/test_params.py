"""Parameter parsing without a database: the shared primitives, the relic search query and the
OGC items query (their different but documented policies)."""

from __future__ import annotations

import pytest
from starlette.datastructures import QueryParams

from mapserver.errors import InvalidParameter
from mapserver.ogc.collections import RELICS
from mapserver.ogc.params import parse_items_query
from mapserver.params import choices, finite_number, flag, single, whole_number
from mapserver.sites.params import parse_bbox, parse_near, parse_polygon, site_query_from


def _fails(parameter: str, fn, *args, **kwargs) -> str:
    with pytest.raises(InvalidParameter) as info:
        fn(*args, **kwargs)
    assert info.value.parameter == parameter
    return info.value.detail


def test_flag_tells_absent_from_false():
    assert flag(None, "x") is None and flag("", "x") is None
    assert flag("true", "x") is True and flag("1", "x") is True and flag("YES", "x") is True
    assert flag("false", "x") is False and flag("0", "x") is False
    _fails("x", flag, "maybe", "x")


def test_whole_number_refuses_or_clamps_as_asked():
    assert whole_number(None, "limit", default=100, minimum=1, maximum=500) == 100
    assert whole_number("7", "limit", default=100, minimum=1, maximum=500) == 7
    assert "between 1 and 500" in _fails("limit", whole_number, "501", "limit", default=1, minimum=1, maximum=500)
    assert whole_number("501", "limit", default=1, minimum=1, maximum=500, clamp=True) == 500
    assert "at least 1" in _fails("limit", whole_number, "0", "limit", default=1, minimum=1, maximum=500, clamp=True)
    assert "whole number" in _fails("offset", whole_number, "1.5", "offset", default=0, minimum=0)


def test_numbers_and_choices():
    assert finite_number("-12.5", "n") == -12.5
    _fails("n", finite_number, "nan", "n")
    _fails("n", finite_number, "abc", "n")
    assert choices("national, provincial", ("national", "provincial"), "rank") == ["national", "provincial"]
    assert choices(None, ("a",), "rank") == []
    assert "unknown value 'x'" in _fails("rank", choices, "x", ("a",), "rank")


def test_single_tolerates_repeats_of_the_same_value_only():
    assert single(QueryParams("f=json&f=json"), "f") == "json"
    assert single(QueryParams(""), "f") is None
    _fails("f", single, QueryParams("f=json&f=html"), "f")


def test_site_bbox_polygon_and_radius():
    assert parse_bbox("107,10.3,107.2,10.5") == (107.0, 10.3, 107.2, 10.5)
    _fails("bbox", parse_bbox, "107,10.3,107.2")
    _fails("bbox", parse_bbox, "107.2,10.3,107,10.5")  # min > max
    _fails("bbox", parse_bbox, "500,10,501,11")
    polygon = parse_polygon("POLYGON((107 10.3,107.2 10.3,107.2 10.5,107 10.3))")
    assert polygon.geom_type == "Polygon"
    _fails("intersects", parse_polygon, "POINT(107 10)")
    _fails("intersects", parse_polygon, "POLYGON((0 0,1 1,1 0,0 1,0 0))")  # self-intersecting
    assert parse_near("107.08,10.34", "2000") == (107.08, 10.34, 2000.0)
    _fails("radius", parse_near, "107.08,10.34", None)
    _fails("near", parse_near, None, "100")
    _fails("radius", parse_near, "107.08,10.34", "0")


def test_site_query_combines_and_checks_every_field():
    q = site_query_from(
        {"rank": "national", "located": "false", "q": " bach dinh ", "limit": "5"}, default_limit=100, max_limit=1000
    )
    assert (q.ranks, q.located, q.text, q.limit, q.offset, q.spatial) == (["national"], False, "bach dinh", 5, 0, False)
    _fails("limit", site_query_from, {"limit": "5000"}, default_limit=100, max_limit=1000)
    _fails("q", site_query_from, {"q": "x" * 201}, default_limit=100, max_limit=1000)
    _fails("category", site_query_from, {"category": "castle"}, default_limit=100, max_limit=1000)


def test_ogc_items_query():
    q = parse_items_query(
        QueryParams("limit=50000&bbox=107,10.3,107.2,10.5&rank=national&sortby=-name_vi"),
        RELICS,
        default_limit=10,
        max_limit=1000,
    )
    assert q.limit == 1000  # served as the maximum, as OGC API Features asks
    assert q.bbox.bounds == pytest.approx((107.0, 10.3, 107.2, 10.5))
    assert [(p.name, v) for p, v in q.equals] == [("rank", "national")]
    assert q.sortby == [("name_vi", True)]
    assert q.skip_geometry is False
    interval = parse_items_query(
        QueryParams("datetime=2000-01-01/.."), RELICS, default_limit=10, max_limit=100
    ).datetime
    assert interval.start.year == 2000 and interval.end is None
    _fails("unknown", parse_items_query, QueryParams("unknown=1"), RELICS, default_limit=10, max_limit=100)
    _fails("bbox-crs", parse_items_query, QueryParams("bbox-crs=EPSG:999999"), RELICS, default_limit=10, max_limit=100)
    _fails(
        "datetime",
        parse_items_query,
        QueryParams("datetime=2020-01-01/2019-01-01"),
        RELICS,
        default_limit=10,
        max_limit=100,
    )


def test_bbox_in_vn2000_becomes_wgs84():
    q = parse_items_query(
        QueryParams("bbox=426000,1143000,428000,1145000&bbox-crs=EPSG:5899"), RELICS, default_limit=10, max_limit=100
    )
    minx, miny, maxx, maxy = q.bbox.bounds
    # The box of about 2 km around Vũng Tàu's check point (E 426902, N 1144200) in degrees.
    assert 107.07 < minx < maxx < 107.10 and 10.33 < miny < maxy < 10.36
