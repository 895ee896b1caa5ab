"""pygeofilter AST -> a parameterised SQL condition (psycopg.sql) on one collection.

Only the collection's queryables may be named; their SQL is the constant expression of the
collection definition. Every literal is a named parameter (``%(pN)s``), never text in the SQL.
Operand types are checked here so that a mistyped filter is a 400 naming the problem, not a
database error. Geometry literals are in ``filter-crs`` (CRS84 by default) and are converted to
WGS 84 through ``crs/``; distances of S_DWITHIN are metres on the ellipsoid (geography).

Nesting is limited to MAX_NESTING levels (runs of AND or of OR are flat lists, however long): the
SQL text is composed recursively, and Python's stack is not a resource a client may use up.

Supported: AND/OR/NOT, = <> < <= > >=, LIKE, BETWEEN, IN, IS NULL, CASEI/ACCENTI (lower() and the
database's IMMUTABLE heritage_fold()), S_INTERSECTS/S_WITHIN/S_CONTAINS/S_DISJOINT/S_EQUALS/
S_TOUCHES/S_CROSSES/S_OVERLAPS, S_DWITHIN, T_BEFORE/T_AFTER/T_EQUALS/T_DURING/T_INTERSECTS/
T_DISJOINT on date and date-time properties, and on array properties membership (=, <>, IN) and
A_CONTAINS/A_OVERLAPS/A_CONTAINEDBY/A_EQUALS (``cql_arrays``: indexed array operators).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import shapely
from psycopg import sql
from pygeofilter import ast, values
from shapely.errors import ShapelyError
from shapely.geometry import shape

from crs import Zone

from ..errors import InvalidParameter
from ..geo import crsref
from ..params import finite_number
from . import cql_arrays
from .collections import Collection, Property
from .params import parse_instant

GEOMETRY_NAME = "geometry"
MAX_DISTANCE_M = 1_000_000.0
# Conditions inside conditions (NOT, AND within OR …); chains of one operator count as one level.
MAX_NESTING = 100

_COMPARISON_SQL = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}
_SPATIAL_SQL = {
    ast.GeometryIntersects: "ST_Intersects",
    ast.GeometryWithin: "ST_Within",
    ast.GeometryContains: "ST_Contains",
    ast.GeometryDisjoint: "ST_Disjoint",
    ast.GeometryEquals: "ST_Equals",
    ast.GeometryTouches: "ST_Touches",
    ast.GeometryCrosses: "ST_Crosses",
    ast.GeometryOverlaps: "ST_Overlaps",
}
_ORDERED = ("number", "string", "date", "date-time")


def bad(detail: str) -> InvalidParameter:
    return InvalidParameter(detail, parameter="filter")


class Params:
    """Named query parameters collected while SQL is composed (order-independent)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> sql.Placeholder:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return sql.Placeholder(name)


@dataclass
class Operand:
    kind: str  # string, number, boolean, date, date-time, array, geometry
    expr: sql.Composable | None = None  # a column or function of one
    value: Any = None  # a literal, bound when used
    prop: Property | None = None

    @property
    def literal(self) -> bool:
        return self.expr is None


class Translator:
    def __init__(self, collection: Collection, filter_crs: Zone, params: Params):
        self.c = collection
        self.zone = filter_crs
        self.params = params
        self.depth = 0

    # -- operands -------------------------------------------------------------------------------

    def bind(self, op: Operand) -> sql.Composable:
        return op.expr if op.expr is not None else self.params.add(op.value)

    def operand(self, node: Any) -> Operand:
        if isinstance(node, ast.Attribute):
            if node.name == GEOMETRY_NAME:
                return Operand("geometry", sql.SQL(self.c.geom_sql))
            prop = self.c.prop(node.name)
            if prop is None:
                raise bad(
                    f"'{node.name[:40]}' is not a queryable of {self.c.id} (see /collections/{self.c.id}/queryables)"
                )
            return Operand(prop.kind, sql.SQL(prop.sql), prop=prop)
        if isinstance(node, bool):
            return Operand("boolean", value=node)
        if isinstance(node, (int, float)):
            return Operand("number", value=node)
        if isinstance(node, str):
            if "\x00" in node:
                raise bad("a text in the filter contains a NUL character")
            return Operand("string", value=node)
        if isinstance(node, datetime):
            return Operand("date-time", value=node if node.tzinfo else node.replace(tzinfo=UTC))
        if isinstance(node, date):
            return Operand("date", value=node)
        if isinstance(node, (values.Geometry, values.Envelope)):
            return self.geometry_literal(node)
        if isinstance(node, ast.Function):
            return self.function(node)
        raise bad(f"unsupported expression {type(node).__name__}")

    def function(self, node: ast.Function) -> Operand:
        name = node.name.lower()
        if name in ("lower", "casei", "accenti"):
            if len(node.arguments) != 1:
                raise bad(f"{name.upper()} takes one argument")
            arg = self.operand(node.arguments[0])
            if arg.kind != "string":
                raise bad(f"{'CASEI' if name != 'accenti' else 'ACCENTI'} needs a text argument")
            template = "heritage_fold({})" if name == "accenti" else "lower({})"
            return Operand("string", sql.SQL(template).format(self.bind(arg)))
        if name == "bbox":
            numbers = node.arguments
            if len(numbers) not in (4, 6) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers
            ):
                raise bad("BBOX needs 4 or 6 numbers")
            return self._wgs84_literal(crsref.bbox_to_wgs84([float(v) for v in numbers], self.zone, "filter"))
        raise bad(f"unsupported function '{node.name[:30]}'")

    def geometry_literal(self, node: values.Geometry | values.Envelope) -> Operand:
        if isinstance(node, values.Envelope):
            return self._wgs84_literal(crsref.bbox_to_wgs84([node.x1, node.y1, node.x2, node.y2], self.zone, "filter"))
        try:
            geometry = shape(node.geometry)
        except (
            ShapelyError,
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            AttributeError,
        ):  # malformed GeoJSON
            raise bad("a geometry literal is malformed") from None
        if geometry.is_empty:
            raise bad("a geometry literal is empty")
        geometry = crsref.geometry_to_wgs84(geometry, self.zone, "filter")
        if not geometry.is_valid:
            raise bad(f"a geometry literal is not valid ({shapely.is_valid_reason(geometry)})")
        return self._wgs84_literal(geometry)

    def _wgs84_literal(self, geometry) -> Operand:
        return Operand("geometry", sql.SQL("ST_GeomFromWKB({}, 4326)").format(self.params.add(geometry.wkb)))

    def coerce(self, target: Operand, other: Operand) -> Operand:
        """A text literal compared with a date property is read as a date or date-time (GDAL
        and many clients send '2020-01-01' rather than DATE('2020-01-01'))."""
        if other.literal and other.kind == "string" and target.kind in ("date", "date-time"):
            moment, date_only = parse_instant(other.value, "filter")
            return Operand("date" if date_only else "date-time", value=moment.date() if date_only else moment)
        return other

    def pair(self, lhs_node: Any, rhs_node: Any, what: str) -> tuple[Operand, Operand]:
        lhs, rhs = self.operand(lhs_node), self.operand(rhs_node)
        rhs, lhs = self.coerce(lhs, rhs), self.coerce(rhs, lhs)
        temporal = {"date", "date-time"}
        if lhs.kind != rhs.kind and not (lhs.kind in temporal and rhs.kind in temporal):
            raise bad(f"{what} compares {lhs.kind} with {rhs.kind}")
        return lhs, rhs

    def temporal_sql(self, op: Operand, other: Operand) -> sql.Composable:
        """A date column compared with a date-time is read as midnight UTC of that day."""
        expr = self.bind(op)
        if op.kind == "date" and other.kind == "date-time" and not op.literal:
            return sql.SQL("({}::timestamp AT TIME ZONE 'UTC')").format(expr)
        return expr

    # -- conditions -----------------------------------------------------------------------------

    def condition(self, node: Any) -> sql.Composable:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise bad(f"the filter nests conditions more than {MAX_NESTING} levels deep")
        try:
            return self._condition(node)
        finally:
            self.depth -= 1

    def chain(self, node: ast.And | ast.Or) -> sql.Composable:
        """A run of ANDs (or ORs) as one flat list. The parser nests ``a OR b OR c`` as
        ((a OR b) OR c): a long filter listing 10,000 ids must not be 10,000 levels deep."""
        kind, operands, stack = type(node), [], [node]
        while stack:
            item = stack.pop()
            if type(item) is kind:
                stack += [item.rhs, item.lhs]
            else:
                operands.append(self.condition(item))
        return sql.SQL("({})").format(sql.SQL(" AND " if kind is ast.And else " OR ").join(operands))

    def _condition(self, node: Any) -> sql.Composable:
        if isinstance(node, (ast.And, ast.Or)):
            return self.chain(node)
        if isinstance(node, ast.Not):
            return sql.SQL("(NOT {})").format(self.condition(node.sub_node))
        if isinstance(node, ast.Include):
            return sql.SQL("FALSE" if node.not_ else "TRUE")
        if isinstance(node, bool):
            return sql.SQL("TRUE" if node else "FALSE")
        if type(node) in _COMPARISON_SQL:
            return self.comparison(node)
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.Between):
            return self.between(node)
        if isinstance(node, ast.In):
            return self.in_(node)
        if isinstance(node, ast.IsNull):
            op = self.operand(node.lhs)
            if op.literal:
                raise bad("IS NULL needs a property")
            return sql.SQL("({} IS {}NULL)").format(op.expr, sql.SQL("NOT " if node.not_ else ""))
        if type(node) in _SPATIAL_SQL:
            return self.spatial(node)
        if isinstance(node, ast.DistanceWithin):
            return self.dwithin(node)
        if isinstance(node, ast.TemporalPredicate):
            return self.temporal(node)
        if isinstance(node, ast.ArrayPredicate):
            return cql_arrays.predicate(self, node)
        if isinstance(node, ast.Node):
            raise bad(f"unsupported operator {type(node).__name__}")
        raise bad("a filter must be a condition (e.g. rank = 'national'), not a value")

    def comparison(self, node: ast.Comparison) -> sql.Composable:
        symbol = _COMPARISON_SQL[type(node)]
        lhs, rhs = self.operand(node.lhs), self.operand(node.rhs)
        if "array" in (lhs.kind, rhs.kind):
            return self.membership(lhs, rhs, symbol)
        lhs, rhs = self.pair(node.lhs, node.rhs, f"'{symbol}'")
        if symbol not in ("=", "<>") and lhs.kind not in _ORDERED:
            raise bad(f"'{symbol}' cannot order {lhs.kind} values")
        if lhs.kind == "geometry":
            raise bad("compare geometries with S_EQUALS")
        return sql.SQL("({} {} {})").format(self.temporal_sql(lhs, rhs), sql.SQL(symbol), self.temporal_sql(rhs, lhs))

    def membership(self, lhs: Operand, rhs: Operand, symbol: str) -> sql.Composable:
        return cql_arrays.membership(lhs, rhs, symbol, self.params)

    def like(self, node: ast.Like) -> sql.Composable:
        lhs = self.operand(node.lhs)
        pattern = self.operand(node.pattern)
        if lhs.kind != "string" or pattern.kind != "string":
            raise bad("LIKE compares text with a text pattern")
        pattern_sql = self.bind(pattern)
        if lhs.prop is not None and lhs.prop.name == "search_text":
            # The folded search column is matched by the folded pattern (and its trigram index).
            pattern_sql = sql.SQL("heritage_fold({})").format(pattern_sql)
        return sql.SQL("({} {}LIKE {})").format(self.bind(lhs), sql.SQL("NOT " if node.not_ else ""), pattern_sql)

    def between(self, node: ast.Between) -> sql.Composable:
        lhs, low = self.pair(node.lhs, node.low, "BETWEEN")
        _, high = self.pair(node.lhs, node.high, "BETWEEN")
        if lhs.kind not in _ORDERED:
            raise bad(f"BETWEEN cannot order {lhs.kind} values")
        return sql.SQL("({} {}BETWEEN {} AND {})").format(
            self.temporal_sql(lhs, low),
            sql.SQL("NOT " if node.not_ else ""),
            self.temporal_sql(low, lhs),
            self.temporal_sql(high, lhs),
        )

    def in_(self, node: ast.In) -> sql.Composable:
        lhs = self.operand(node.lhs)
        if not node.sub_nodes:
            raise bad("IN needs at least one value")
        if lhs.kind == "array":
            test = cql_arrays.in_list(lhs, [self.operand(n) for n in node.sub_nodes], self.params)
        else:
            options = []
            for sub in node.sub_nodes:
                _, option = self.pair(node.lhs, sub, "IN")
                options.append(self.temporal_sql(option, lhs))
            test = sql.SQL("({} IN ({}))").format(self.bind(lhs), sql.SQL(", ").join(options))
        return sql.SQL("(NOT {})").format(test) if node.not_ else test

    def spatial(self, node: ast.SpatialComparisonPredicate) -> sql.Composable:
        lhs, rhs = self.operand(node.lhs), self.operand(node.rhs)
        if lhs.kind != "geometry" or rhs.kind != "geometry":
            raise bad(f"{type(node).__name__} needs two geometries (the property is '{GEOMETRY_NAME}')")
        return sql.SQL("{}({}, {})").format(sql.SQL(_SPATIAL_SQL[type(node)]), lhs.expr, rhs.expr)

    def dwithin(self, node: ast.DistanceWithin) -> sql.Composable:
        from .cql import DISTANCE_UNITS

        lhs, rhs = self.operand(node.lhs), self.operand(node.rhs)
        if lhs.kind != "geometry" or rhs.kind != "geometry":
            raise bad(f"S_DWITHIN needs two geometries (the property is '{GEOMETRY_NAME}')")
        factor = DISTANCE_UNITS.get(str(node.units).lower())
        if factor is None:
            raise bad("S_DWITHIN distances are in meters (or kilometers)")
        distance = float(node.distance) * factor
        if not 0 <= distance <= MAX_DISTANCE_M:
            raise bad(f"S_DWITHIN distance must be between 0 and {MAX_DISTANCE_M:.0f} meters")
        # geography: true metres on the WGS 84 ellipsoid (the sites_geog_idx index serves relics).
        return sql.SQL("ST_DWithin({}::geography, {}::geography, {})").format(
            lhs.expr, rhs.expr, self.params.add(distance)
        )

    def temporal(self, node: ast.TemporalPredicate) -> sql.Composable:
        lhs = self.operand(node.lhs)
        if lhs.literal or lhs.kind not in ("date", "date-time"):
            raise bad(f"{type(node).__name__} needs a date or date-time property first")
        rhs_node = node.rhs
        if isinstance(rhs_node, values.Interval):
            start = self.coerce(lhs, self.operand(rhs_node.start)) if rhs_node.start is not None else None
            end = self.coerce(lhs, self.operand(rhs_node.end)) if rhs_node.end is not None else None
        else:
            start = end = self.coerce(lhs, self.operand(rhs_node))
        for end_point in (start, end):
            if end_point is not None and (not end_point.literal or end_point.kind not in ("date", "date-time")):
                raise bad(f"{type(node).__name__} compares with a DATE, TIMESTAMP or INTERVAL")

        def test(op: str, other: Operand | None) -> sql.Composable:
            if other is None:  # an open end of an interval
                return sql.SQL("TRUE")
            return sql.SQL("({} {} {})").format(
                self.temporal_sql(lhs, other), sql.SQL(op), self.temporal_sql(other, lhs)
            )

        intersects = sql.SQL("({} AND {})").format(test(">=", start), test("<=", end))
        kind = type(node)
        if kind is ast.TimeBefore:
            return test("<", start)
        if kind is ast.TimeAfter:
            return test(">", end)
        if kind is ast.TimeEquals and start is end:
            return test("=", start)
        if kind is ast.TimeDuring:
            return sql.SQL("({} AND {})").format(test(">", start), test("<", end))
        if kind is ast.TimeOverlaps:  # pygeofilter maps T_INTERSECTS here
            return intersects
        if kind is ast.TimeDisjoint:
            return sql.SQL("(NOT {})").format(intersects)
        raise bad(f"unsupported temporal operator {kind.__name__}")

    # -- simple property filters ------------------------------------------------------------------

    def equals(self, prop: Property, text: str) -> sql.Composable:
        """``?rank=national``: equality on a queryable, the value read by the property's type."""
        target = Operand(prop.kind, sql.SQL(prop.sql), prop=prop)
        if prop.kind == "array":
            return self.membership(target, Operand("string", value=text), "=")
        if prop.kind == "number":
            other = Operand("number", value=finite_number(text, prop.name))
        elif prop.kind == "boolean":
            if text.lower() not in ("true", "false"):
                raise InvalidParameter("must be true or false", parameter=prop.name)
            other = Operand("boolean", value=text.lower() == "true")
        else:
            other = Operand("string", value=text)
            if prop.kind in ("date", "date-time"):
                moment, date_only = parse_instant(text, prop.name)
                other = Operand("date" if date_only else "date-time", value=moment.date() if date_only else moment)
        return sql.SQL("({} = {})").format(self.temporal_sql(target, other), self.temporal_sql(other, target))


def translate(node: Any, collection: Collection, filter_crs: Zone, params: Params) -> sql.Composable:
    try:
        return Translator(collection, filter_crs, params).condition(node)
    except RecursionError:
        raise bad("the filter is nested too deeply") from None
