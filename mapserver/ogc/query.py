"""SQL of OGC items pages, counts, single features and collection extents.

PostgreSQL builds each feature's JSON except its geometry; the geometry comes as GeoJSON text
(CRS84: ST_AsGeoJSON, 8 decimals ≈ 1 mm) or as WKB when another CRS is asked for, because that
conversion is done in Python through ``crs/`` (vectorised), never by ST_Transform.
"""

from __future__ import annotations

from typing import Literal

from psycopg import sql

from .collections import Collection
from .cql_sql import Params, Translator, translate
from .params import Interval, ItemsQuery

GeometryMode = Literal["geojson", "wkb", "none"]


def _temporal(c: Collection, interval: Interval, params: Params) -> sql.Composable | None:
    if c.temporal is None:
        return None  # no temporal property: datetime does not restrict this collection
    prop = c.prop(c.temporal)
    column = sql.SQL(prop.sql)
    if prop.format == "date":
        # A date is a whole day: compare calendar dates (of the UTC instant for date-times).
        if interval.start is interval.end or interval.start == interval.end:
            return sql.SQL("({} = {})").format(column, params.add(interval.start.date()))
        parts = []
        if interval.start is not None:
            parts.append(sql.SQL("{} >= {}").format(column, params.add(interval.start.date())))
        if interval.end is not None:
            parts.append(sql.SQL("{} <= {}").format(column, params.add(interval.end.date())))
        return sql.SQL("({})").format(sql.SQL(" AND ").join(parts))
    if interval.start == interval.end and interval.date_only:
        day = interval.start
        return sql.SQL("({c} >= {a} AND {c} < {a} + interval '1 day')").format(c=column, a=params.add(day))
    if interval.start == interval.end:
        return sql.SQL("({} = {})").format(column, params.add(interval.start))
    parts = []
    if interval.start is not None:
        parts.append(sql.SQL("{} >= {}").format(column, params.add(interval.start)))
    if interval.end is not None:
        parts.append(sql.SQL("{} <= {}").format(column, params.add(interval.end)))
    return sql.SQL("({})").format(sql.SQL(" AND ").join(parts))


def where_clause(c: Collection, q: ItemsQuery, params: Params) -> sql.Composable:
    parts: list[sql.Composable] = [sql.SQL(c.where_sql)]
    if q.bbox is not None:
        parts.append(
            sql.SQL("ST_Intersects({}, ST_GeomFromWKB({}, 4326))").format(sql.SQL(c.geom_sql), params.add(q.bbox.wkb))
        )
    if q.datetime is not None:
        temporal = _temporal(c, q.datetime, params)
        if temporal is not None:
            parts.append(temporal)
    translator = Translator(c, q.filter_crs, params)
    for prop, text in q.equals:
        parts.append(translator.equals(prop, text))
    if q.filter is not None:
        parts.append(translate(q.filter, c, q.filter_crs, params))
    return sql.SQL(" AND ").join(parts)


def _properties(c: Collection, names: list[str] | None) -> sql.Composable:
    props = c.output_properties if names is None else [c.prop(n) for n in names]
    if not props:
        return sql.SQL("'{}'::json")
    pairs = [sql.SQL("{}, {}").format(sql.Literal(p.name), sql.SQL(p.sql)) for p in props]
    return sql.SQL("json_build_object({})").format(sql.SQL(", ").join(pairs))


def _geometry(c: Collection, mode: GeometryMode) -> sql.Composable:
    if mode == "geojson":
        return sql.SQL("ST_AsGeoJSON({}, 8)").format(sql.SQL(c.geom_sql))
    if mode == "wkb":
        return sql.SQL("ST_AsBinary({})").format(sql.SQL(c.geom_sql))
    return sql.SQL("NULL::text")


def _feature_head(c: Collection, names: list[str] | None) -> sql.Composable:
    """The feature JSON without its geometry (spliced in by the caller)."""
    return sql.SQL("json_build_object('type', 'Feature', 'id', {}, 'properties', {})::text").format(
        sql.SQL(c.id_sql), _properties(c, names)
    )


def _order(c: Collection, sortby: list[tuple[str, bool]]) -> sql.Composable:
    keys = [
        sql.SQL("{} {} NULLS LAST").format(sql.SQL(c.prop(name).sql), sql.SQL("DESC" if desc else "ASC"))
        for name, desc in sortby
    ]
    keys.append(sql.SQL(c.order_sql))  # a total order, so that pages never overlap or skip
    return sql.SQL(", ").join(keys)


def page_sql(c: Collection, q: ItemsQuery, mode: GeometryMode) -> tuple[sql.Composable, dict]:
    """Rows (feature head text, geometry) of one page.

    The page's keys are chosen first (filter, order, limit on the bare rows); features are built
    only for those rows, joined back by primary key. Building them before the sort would cost
    the JSON and geometry encoding of every matching row (measured: 166 ms instead of 36 ms for
    a page of 1,000 out of 2,300 matches among 1M relics)."""
    params = Params()
    where = where_clause(c, q, params)
    keys = c.id_parts or (c.id_sql,)
    order = _order(c, q.sortby)
    picked = sql.SQL(", ").join(sql.SQL("{} AS k{}").format(sql.SQL(k), sql.Literal(i)) for i, k in enumerate(keys))
    match = sql.SQL(" AND ").join(
        sql.SQL("{} = page.k{}").format(sql.SQL(k), sql.Literal(i)) for i, k in enumerate(keys)
    )
    statement = sql.SQL(
        "SELECT {head}, {geometry} FROM ("
        "SELECT {picked}, row_number() OVER (ORDER BY {order}) AS n FROM {source} WHERE {where} "
        "ORDER BY {order} LIMIT {limit} OFFSET {offset}) AS page, {source} "
        "WHERE {match} ORDER BY page.n"
    ).format(
        head=_feature_head(c, q.properties),
        geometry=_geometry(c, mode),
        source=sql.SQL(c.from_sql),
        picked=picked,
        where=where,
        order=order,
        limit=params.add(q.limit),
        offset=params.add(q.offset),
        match=match,
    )
    return statement, params.values


def count_sql(c: Collection, q: ItemsQuery) -> tuple[sql.Composable, dict]:
    params = Params()
    where = where_clause(c, q, params)
    return sql.SQL("SELECT count(*) FROM {} WHERE {}").format(sql.SQL(c.from_sql), where), params.values


def item_sql(
    c: Collection, key: list[tuple[str, str | int]], names: list[str] | None, mode: GeometryMode
) -> tuple[sql.Composable, dict]:
    """One feature by its key (``Collection.key``)."""
    params = Params()
    match = sql.SQL(" AND ").join(
        sql.SQL("{} = {}").format(sql.SQL(column), params.add(value)) for column, value in key
    )
    statement = sql.SQL("SELECT {head}, {geometry} FROM {source} WHERE {where} AND {match}").format(
        head=_feature_head(c, names),
        geometry=_geometry(c, mode),
        source=sql.SQL(c.from_sql),
        where=sql.SQL(c.where_sql),
        match=match,
    )
    return statement, params.values


def extent_sql(c: Collection) -> sql.Composable:
    """Spatial (lon/lat) and temporal extent of a collection, as text for the temporal ends."""
    temporal = sql.SQL("NULL::text, NULL::text")
    if c.temporal is not None:
        column = sql.SQL(c.prop(c.temporal).sql)
        temporal = sql.SQL("min({c})::text, max({c})::text").format(c=column)
    return sql.SQL(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), tmin, tmax FROM ("
        "SELECT ST_Extent({geom}) AS e, {temporal} FROM {source} WHERE {where}) AS x(e, tmin, tmax)"
    ).format(geom=sql.SQL(c.geom_sql), temporal=temporal, source=sql.SQL(c.from_sql), where=sql.SQL(c.where_sql))
