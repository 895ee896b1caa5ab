"""CQL2 text and JSON -> pygeofilter AST (OGC API Features Part 3 filters).

Text: pygeofilter's own CQL2 grammar, extended where it lags the standard (S_DWITHIN, the
function form of temporal operators ``T_AFTER(a, b)``, ``NOT (a AND b)``, quotes doubled inside
strings, the array operators ``A_CONTAINS(district, ('Châu Đức', 'Bà Rịa'))``). JSON: a small
walker over the CQL2 JSON encoding producing the same pygeofilter nodes (pygeofilter's JSON parser
still reads the draft forms of BETWEEN and LIKE).

Every syntax problem becomes an InvalidParameter on ``filter`` with a short, safe message.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import lark
from lark import v_args
from pygeofilter import ast, values
from pygeofilter.cql2 import ARRAY_PREDICATES_MAP, SPATIAL_PREDICATES_MAP, TEMPORAL_PREDICATES_MAP

from ..errors import InvalidParameter

# Lark rules end at a line end, so the long ones are joined from pieces.
GRAMMAR_EXTENSION = "\n".join(
    [
        '%override ?condition_1: predicate | "NOT"i condition_1 -> not_ | "(" condition ")"',
        '%extend spatial_predicate: "S_DWITHIN"i "(" expression "," expression "," full_number '
        '["," attribute] ")" -> dwithin_predicate',
        '%extend temporal_predicate: _binary_temporal_predicate_func "(" expression "," expression ")" '
        "-> temporal_function",
        "%override SINGLE_QUOTED: /'(?:[^']|'')*'/",
        # CQL2 array operators (pygeofilter 0.4 has their AST, not their text): an array literal
        # is a parenthesised list, possibly empty.
        '%extend predicate: _array_predicate_func "(" array_operand "," array_operand ")" -> array_predicate',
        '!_array_predicate_func: "A_EQUALS"i | "A_CONTAINS"i | "A_CONTAINEDBY"i | "A_OVERLAPS"i',
        '?array_operand: attribute | "(" [expression ("," expression)*] ")" -> array_literal',
        "",
    ]
)
DISTANCE_UNITS = {
    "meters": 1.0,
    "metres": 1.0,
    "meter": 1.0,
    "metre": 1.0,
    "m": 1.0,
    "kilometers": 1000.0,
    "kilometres": 1000.0,
    "km": 1000.0,
}


@lru_cache(maxsize=1)
def _text_parser() -> lark.Lark:
    from pygeofilter.parsers.cql2_text import parser as base

    @v_args(meta=False, inline=True)
    class Transformer(base.CQLTransformer):
        def dwithin_predicate(self, lhs, rhs, distance, units=None):
            return ast.DistanceWithin(lhs, rhs, distance, units.name if units is not None else "meters")

        def temporal_function(self, op, lhs, rhs):
            return TEMPORAL_PREDICATES_MAP[str(op).lower()](lhs, rhs)

        def array_predicate(self, op, lhs, rhs):
            return ARRAY_PREDICATES_MAP[str(op).lower()](lhs, rhs)

        def array_literal(self, *items):
            return [i for i in items if i is not None]

        def SINGLE_QUOTED(self, token):
            return token[1:-1].replace("''", "'")

    grammar = (Path(base.__file__).parent / "grammar.lark").read_text(encoding="utf-8")
    return lark.Lark(
        grammar + GRAMMAR_EXTENSION,
        parser="lalr",
        maybe_placeholders=False,
        transformer=Transformer(),
        import_paths=[os.path.dirname(os.path.dirname(base.__file__))],
    )


def parse_filter(text: str, lang: str) -> Any:
    parser = _text_parser()  # outside the try: a broken grammar is our bug, not a 400
    try:
        if lang == "cql2-json":
            try:
                document = json.loads(text)
            except json.JSONDecodeError:
                raise FilterSyntaxError("is not valid JSON") from None
            except ValueError:  # an integer of more than 4,300 digits
                raise FilterSyntaxError("a number has too many digits") from None
            return from_json(document)
        return parser.parse(text)
    except FilterSyntaxError as exc:
        raise InvalidParameter(f"invalid {lang} filter: {exc}", parameter="filter") from None
    except lark.exceptions.UnexpectedInput as exc:
        where = f" at line {exc.line}, column {exc.column}" if getattr(exc, "line", -1) > 0 else ""
        raise InvalidParameter(f"invalid cql2-text filter: syntax error{where}", parameter="filter") from None
    except lark.exceptions.VisitError as exc:
        # A transformer rejected a literal (bad date, unknown distance unit …).
        reason = str(exc.orig_exc)[:120] if isinstance(exc.orig_exc, (ValueError, KeyError)) else "bad value"
        raise InvalidParameter(f"invalid cql2-text filter: {reason}", parameter="filter") from None
    except RecursionError:
        raise InvalidParameter("the filter is nested too deeply", parameter="filter") from None
    except ValueError:
        # The grammar's transformer runs inside the parser: a literal it cannot convert (an integer
        # of more than 4,300 digits) arrives here unwrapped.
        raise InvalidParameter(
            f"invalid {lang} filter: a literal cannot be read (too long?)", parameter="filter"
        ) from None


class FilterSyntaxError(ValueError):
    """A CQL2 JSON document that is not a valid expression; the message is safe to show."""


# -- CQL2 JSON --------------------------------------------------------------------------------------

_COMPARISONS = {
    "=": ast.Equal,
    "<>": ast.NotEqual,
    "<": ast.LessThan,
    "<=": ast.LessEqual,
    ">": ast.GreaterThan,
    ">=": ast.GreaterEqual,
}


def _args(node: dict, count: int | None = None) -> list:
    args = node.get("args")
    if not isinstance(args, list) or (count is not None and len(args) != count):
        expected = f"{count} arguments" if count is not None else "an argument list"
        raise FilterSyntaxError(f"'{str(node.get('op'))[:30]}' needs {expected}")
    return args


def _literal(node: Any) -> Any:
    """A CQL2 JSON value: scalar, geometry, bbox, date, timestamp, interval, property, function."""
    if isinstance(node, bool) or node is None or isinstance(node, (int, float, str)):
        return node
    if isinstance(node, list):
        return [_literal(n) for n in node]
    if not isinstance(node, dict):
        raise FilterSyntaxError("unexpected value")
    if "property" in node:
        if not isinstance(node["property"], str):
            raise FilterSyntaxError("a property name must be a string")
        return ast.Attribute(node["property"])
    if "type" in node and ("coordinates" in node or "geometries" in node):
        return values.Geometry(node)
    if "bbox" in node:
        box = node["bbox"]
        if (
            not isinstance(box, list)
            or len(box) not in (4, 6)
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in box)
        ):
            raise FilterSyntaxError("bbox needs 4 or 6 numbers")
        if len(box) == 6:
            box = [box[0], box[1], box[3], box[4]]
        return values.Envelope(box[0], box[2], box[1], box[3])
    if "date" in node:
        try:
            return date.fromisoformat(str(node["date"]))
        except ValueError:
            raise FilterSyntaxError("date must be YYYY-MM-DD") from None
    if "timestamp" in node:
        try:
            return datetime.fromisoformat(str(node["timestamp"]).replace("z", "Z"))
        except ValueError:
            raise FilterSyntaxError("timestamp must be an RFC 3339 date-time") from None
    if "interval" in node:
        ends = node["interval"]
        if not isinstance(ends, list) or len(ends) != 2:
            raise FilterSyntaxError("interval needs two ends")
        return values.Interval(
            *[None if e == ".." else _literal({"date": e} if len(str(e)) == 10 else {"timestamp": e}) for e in ends]
        )
    if "op" in node:
        return from_json(node)
    raise FilterSyntaxError("unexpected object")


def from_json(node: Any) -> Any:
    """A CQL2 JSON expression -> pygeofilter AST."""
    if isinstance(node, bool):
        return ast.Include(not node)
    if not isinstance(node, dict) or "op" not in node:
        raise FilterSyntaxError("an expression must be an object with 'op' and 'args'")
    op = str(node["op"]).lower() if isinstance(node["op"], str) else ""
    if op in ("and", "or"):
        parts = [from_json(a) for a in _args(node)]
        if len(parts) < 2:
            raise FilterSyntaxError(f"'{op}' needs at least two arguments")
        return (ast.And if op == "and" else ast.Or).from_items(*parts)
    if op == "not":
        return ast.Not(from_json(_args(node, 1)[0]))
    if op in _COMPARISONS:
        lhs, rhs = (_literal(a) for a in _args(node, 2))
        return _COMPARISONS[op](lhs, rhs)
    if op == "like":
        lhs, pattern = (_literal(a) for a in _args(node, 2))
        return ast.Like(lhs, pattern, False, "%", "_", "\\", False)
    if op == "between":
        lhs, low, high = (_literal(a) for a in _args(node, 3))
        return ast.Between(lhs, low, high, False)
    if op == "in":
        lhs, options = (_literal(a) for a in _args(node, 2))
        if not isinstance(options, list):
            raise FilterSyntaxError("'in' needs a list as its second argument")
        return ast.In(lhs, options, False)
    if op == "isnull":
        return ast.IsNull(_literal(_args(node, 1)[0]), False)
    if op in ("casei", "accenti"):
        return ast.Function("lower" if op == "casei" else "accenti", [_literal(_args(node, 1)[0])])
    if op in SPATIAL_PREDICATES_MAP:
        lhs, rhs = (_literal(a) for a in _args(node, 2))
        return SPATIAL_PREDICATES_MAP[op](lhs, rhs)
    if op == "s_dwithin":
        args = _args(node)
        if len(args) not in (3, 4) or not isinstance(args[2], (int, float)) or isinstance(args[2], bool):
            raise FilterSyntaxError("'s_dwithin' needs a geometry, a geometry and a distance")
        units = args[3] if len(args) == 4 else "meters"
        return ast.DistanceWithin(_literal(args[0]), _literal(args[1]), args[2], str(units))
    if op in TEMPORAL_PREDICATES_MAP:
        lhs, rhs = (_literal(a) for a in _args(node, 2))
        return TEMPORAL_PREDICATES_MAP[op](lhs, rhs)
    if op in ARRAY_PREDICATES_MAP:
        lhs, rhs = (_literal(a) for a in _args(node, 2))
        return ARRAY_PREDICATES_MAP[op](lhs, rhs)
    if op == "bbox":  # the function form of an envelope literal
        return ast.Function("bbox", [_literal(a) for a in _args(node, 4)])
    raise FilterSyntaxError(f"unsupported operator '{str(node['op'])[:30]}'")
