"""Filters on array queryables (a relic's administrative units) -> indexed SQL array operators.

An array property shows identifiers (``districts``: unit ids) or names (``district``: "Châu
Đức"); either way a filter is tested on the stored id array (``Property.array_sql``, GIN-indexed:
``sites_admin_units_idx``) with ``&&``, ``@>`` or ``<@`` against an array of ids. Given texts
are always one text[] parameter; for a named property the ids they designate are read by the
property's ``resolve_sql`` (an uncorrelated subquery, evaluated once per statement, so the
index still serves the test).

Supported: ``prop = 'x'`` / ``<>`` (membership), ``prop IN ('x', 'y')`` (any of them), and the
CQL2 array operators A_CONTAINS (all of them), A_OVERLAPS (any), A_CONTAINEDBY (nothing else),
A_EQUALS (exactly these), with a list literal on either side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from psycopg import sql
from pygeofilter import ast

from ..errors import InvalidParameter

if TYPE_CHECKING:  # cql_sql imports this module
    from .collections import Property
    from .cql_sql import Operand, Params, Translator

# Exchanging the sides of an operator: "list contains property" is "property contained by list".
_MIRRORED = {
    ast.ArrayContains: ast.ArrayContainedBy,
    ast.ArrayContainedBy: ast.ArrayContains,
    ast.ArrayOverlaps: ast.ArrayOverlaps,
    ast.ArrayEquals: ast.ArrayEquals,
}
_NAMES = {
    ast.ArrayContains: "A_CONTAINS",
    ast.ArrayContainedBy: "A_CONTAINEDBY",
    ast.ArrayOverlaps: "A_OVERLAPS",
    ast.ArrayEquals: "A_EQUALS",
}


def bad(detail: str) -> InvalidParameter:
    return InvalidParameter(detail, parameter="filter")


def _column(prop: Property) -> sql.Composable:
    return sql.SQL(prop.array_sql or prop.sql)


def _ids(prop: Property, texts: list[str], params: Params) -> sql.Composable:
    """A text[] of the ids that ``texts`` designate (the texts themselves for an id array)."""
    values = params.add(list(texts))
    if prop.resolve_sql is None:
        return sql.SQL("{}::text[]").format(values)
    return sql.SQL("ARRAY({})").format(sql.SQL(prop.resolve_sql).format(values=values))


def overlaps(prop: Property, texts: list[str], params: Params) -> sql.Composable:
    return sql.SQL("({} && {})").format(_column(prop), _ids(prop, texts, params))


def contains(prop: Property, texts: list[str], params: Params) -> sql.Composable:
    if prop.resolve_sql is None:
        return sql.SQL("({} @> {})").format(_column(prop), _ids(prop, texts, params))
    # A name may designate several units: each text must designate one of the relic's.
    if not texts:
        return sql.SQL("TRUE")
    return sql.SQL("({})").format(sql.SQL(" AND ").join(overlaps(prop, [t], params) for t in texts))


def contained_by(prop: Property, texts: list[str], params: Params) -> sql.Composable:
    return sql.SQL("({} <@ {})").format(_column(prop), _ids(prop, texts, params))


def _texts(items: list[Operand], what: str, name: str) -> list[str]:
    if not all(i.literal and i.kind == "string" for i in items):
        raise bad(f"{what} on '{name}' needs text values (names or ids)")
    return [i.value for i in items]


def membership(lhs: Operand, rhs: Operand, symbol: str, params: Params) -> sql.Composable:
    """``prop = 'x'`` (or ``'x' = prop``): the array holds x; ``<>``: it does not."""
    array, item = (lhs, rhs) if lhs.kind == "array" else (rhs, lhs)
    name = array.prop.name if array.prop else "array"
    if array.prop is None or symbol not in ("=", "<>") or not item.literal or item.kind != "string":
        raise bad(f"'{name}' holds identifiers: use = or <> with a text value, or IN")
    test = overlaps(array.prop, [item.value], params)
    return test if symbol == "=" else sql.SQL("(NOT {})").format(test)


def in_list(array: Operand, items: list[Operand], params: Params) -> sql.Composable:
    """``prop IN ('x', 'y')``: the array holds any of them."""
    return overlaps(array.prop, _texts(items, "IN", array.prop.name), params)


def predicate(t: Translator, node: ast.ArrayPredicate) -> sql.Composable:
    """A_CONTAINS / A_OVERLAPS / A_CONTAINEDBY / A_EQUALS of an array property and a list."""
    kind, lhs, rhs = type(node), node.lhs, node.rhs
    if isinstance(lhs, list) and not isinstance(rhs, list):
        kind, lhs, rhs = _MIRRORED[kind], rhs, lhs
    name = _NAMES.get(kind, kind.__name__)
    array = t.operand(lhs) if isinstance(lhs, ast.Attribute) else None
    if array is None or array.kind != "array" or not isinstance(rhs, list):
        raise bad(f"{name} compares an array property (e.g. district) with a list such as ('Châu Đức', 'Bà Rịa')")
    texts = _texts([t.operand(v) for v in rhs], name, array.prop.name)
    if kind is ast.ArrayOverlaps:
        return overlaps(array.prop, texts, t.params)
    if kind is ast.ArrayContains:
        return contains(array.prop, texts, t.params)
    if kind is ast.ArrayContainedBy:
        return contained_by(array.prop, texts, t.params)
    return sql.SQL("({} AND {})").format(
        contains(array.prop, texts, t.params), contained_by(array.prop, texts, t.params)
    )
