"""SQL of any kind of record, built from its description (records.kinds). Names of tables, views
and columns come from our own constants (never from a request); values are always parameters."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from .kinds import Kind

STAFF_EXTRA = ("review_note", "created_by", "created_at", "updated_at")
CASTS = {"int": "bigint", "float": "float8", "date": "date", "bool": "boolean", "text": "text"}


def _source(kind: Kind, public: bool) -> sql.Composable:
    return sql.Identifier(kind.public_view if public else kind.table)


def record_json(kind: Kind, public: bool, alias: str = "r") -> sql.Composable:
    """A record as jsonb: the public sees its public fields, staff every column but search_text."""
    hidden = ["search_text"] + ([f.name for f in kind.fields if not f.public] if public else [])
    if public:
        hidden += [c for c in STAFF_EXTRA if c not in ("created_at", "updated_at")]
    return sql.SQL("(to_jsonb({a}) - {hidden}::text[])").format(a=sql.Identifier(alias), hidden=sql.Literal(hidden))


def _like(token: str) -> str:
    return "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def where(
    kind: Kind, *, filters: dict[str, Any], q: str | None, statuses: list[str] | None
) -> tuple[sql.Composable, list]:
    parts: list[sql.Composable] = [sql.SQL("TRUE")]
    params: list = []
    for name, value in filters.items():
        f = kind.field(name)
        if f.type == "text[]":
            parts.append(sql.SQL("{} = ANY(r.{})").format(sql.Placeholder(), sql.Identifier(name)))
        else:
            parts.append(
                sql.SQL("r.{} = {}::{}").format(
                    sql.Identifier(name), sql.Placeholder(), sql.SQL(CASTS.get(f.type, "text"))
                )
            )
        params.append(value)
    for token in (q or "").split():
        parts.append(sql.SQL("r.search_text LIKE heritage_fold(%s)"))
        params.append(_like(token))
    if statuses:
        parts.append(sql.SQL("r.publication_status = ANY(%s)"))
        params.append(statuses)
    return sql.SQL(" AND ").join(parts), params


def page(
    kind: Kind,
    *,
    public: bool,
    filters: dict[str, Any],
    q: str | None,
    statuses: list[str] | None,
    limit: int,
    offset: int,
) -> tuple[sql.Composable, list]:
    """One row: the page's records as a JSON array text, and the number matched."""
    condition, params = where(kind, filters=filters, q=q, statuses=statuses)
    statement = sql.SQL(
        "SELECT coalesce(jsonb_agg(x.j ORDER BY x.n), '[]')::text, (SELECT count(*) FROM {src} r WHERE {w}) FROM ("
        "SELECT row_number() OVER (ORDER BY r.{order}, r.id) AS n, {json} AS j FROM {src} r WHERE {w} "
        "ORDER BY r.{order}, r.id LIMIT %s OFFSET %s) x"
    ).format(src=_source(kind, public), w=condition, order=sql.Identifier(kind.order), json=record_json(kind, public))
    return statement, [*params, *params, limit, offset]


def one(kind: Kind, *, public: bool) -> sql.Composable:
    return sql.SQL("SELECT {json}::text FROM {src} r WHERE r.id = %s").format(
        json=record_json(kind, public), src=_source(kind, public)
    )


def locked_status(kind: Kind) -> sql.Composable:
    return sql.SQL("SELECT publication_status, created_by FROM {} WHERE id = %s FOR UPDATE").format(
        sql.Identifier(kind.table)
    )


def insert(kind: Kind, values: dict[str, Any]) -> tuple[sql.Composable, list]:
    names = list(values)
    statement = sql.SQL("INSERT INTO {t} ({cols}) VALUES ({vals}) RETURNING id").format(
        t=sql.Identifier(kind.table),
        cols=sql.SQL(", ").join(map(sql.Identifier, names)),
        vals=sql.SQL(", ").join(sql.Placeholder() * len(names)),
    )
    return statement, list(values.values())


def update(kind: Kind, record_id: Any, values: dict[str, Any]) -> tuple[sql.Composable, list]:
    assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in values)
    statement = sql.SQL("UPDATE {t} SET {a}, updated_at = now() WHERE id = %s").format(
        t=sql.Identifier(kind.table), a=assignments
    )
    return statement, [*values.values(), record_id]


def set_status(kind: Kind) -> sql.Composable:
    return sql.SQL("UPDATE {} SET publication_status = %s, review_note = %s, updated_at = now() WHERE id = %s").format(
        sql.Identifier(kind.table)
    )


def snapshot_version(kind: Kind) -> sql.Composable:
    """Record the row as it now is as the next version; parameters (action, actor, id)."""
    return sql.SQL(
        "INSERT INTO record_versions (kind, record_id, version, action, actor, data) "
        "SELECT {k}, r.id::text, coalesce((SELECT max(v.version) FROM record_versions v "
        "WHERE v.kind = {k} AND v.record_id = r.id::text), 0) + 1, %s, %s, to_jsonb(r) - 'search_text' "
        "FROM {t} r WHERE r.id = %s RETURNING version"
    ).format(k=sql.Literal(kind.name), t=sql.Identifier(kind.table))


VERSIONS = (
    "SELECT coalesce(json_agg(json_build_object('version', version, 'action', action, 'actor', actor, "
    "'at', at, 'data', data) ORDER BY version DESC), '[]')::text FROM record_versions "
    "WHERE kind = %s AND record_id = %s"
)
VERSION_DATA = "SELECT data FROM record_versions WHERE kind = %s AND record_id = %s AND version = %s"
