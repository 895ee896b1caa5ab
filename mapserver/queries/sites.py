"""SQL for relic searches. PostGIS builds the GeoJSON text so a page of 1,000 features costs one
round trip and almost no Python work."""

from __future__ import annotations

from psycopg import sql

from ..params import SiteQuery

PUBLIC_ONLY = sql.SQL("s.publication_status = 'published'")


def _like_pattern(token: str) -> str:
    escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def where_clause(query: SiteQuery) -> tuple[sql.Composable, list]:
    parts: list[sql.Composable] = [PUBLIC_ONLY]
    params: list = []
    if query.bbox is not None:
        parts.append(sql.SQL("ST_Intersects(s.public_geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"))
        params.extend(query.bbox)
    if query.intersects is not None:
        parts.append(sql.SQL("ST_Intersects(s.public_geom, ST_GeomFromWKB(%s, 4326))"))
        params.append(query.intersects.wkb)
    if query.near is not None:
        lon, lat, radius = query.near
        # geography: true metres on the WGS 84 ellipsoid, served by the sites_geog_idx index.
        parts.append(sql.SQL(
            "ST_DWithin(s.public_geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s)"))
        params.extend((lon, lat, radius))
    if query.ranks:
        parts.append(sql.SQL("s.rank = ANY(%s)"))
        params.append(query.ranks)
    if query.categories:
        parts.append(sql.SQL("s.category = ANY(%s)"))
        params.append(query.categories)
    if query.district is not None:
        parts.append(sql.SQL(
            "EXISTS (SELECT 1 FROM admin_units a WHERE a.id = ANY(s.admin_unit_ids) "
            "AND (a.id = %s OR heritage_fold(a.name_vi) = heritage_fold(%s) "
            "OR regexp_replace(heritage_fold(a.name_vi), '^(thanh pho|thi xa|huyen|tinh) ', '') "
            "   = heritage_fold(%s) "
            "OR heritage_fold(coalesce(a.name_en, '')) = heritage_fold(%s)))"))
        params.extend([query.district] * 4)
    if query.text is not None:
        for token in query.text.split():
            parts.append(sql.SQL("s.search_text LIKE heritage_fold(%s)"))
            params.append(_like_pattern(token))
    if query.located is not None:
        parts.append(sql.SQL("s.public_geom IS NOT NULL" if query.located else "s.public_geom IS NULL"))
    return sql.SQL(" AND ").join(parts), params


def _distance(query: SiteQuery) -> tuple[sql.Composable, list]:
    if query.near is None:
        return sql.SQL("NULL::float8"), []
    lon, lat, _ = query.near
    return (sql.SQL("ST_Distance(s.public_geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)"),
            [lon, lat])


def feature_json(extra: sql.Composable = sql.SQL("")) -> sql.Composable:
    """The GeoJSON Feature of one relic row `s`, as json (8 decimals of a degree ≈ 1 mm)."""
    return sql.SQL("""json_build_object(
        'type', 'Feature', 'id', s.id,
        'geometry', ST_AsGeoJSON(s.public_geom, 8)::json,
        'properties', json_build_object(
            'id', s.id, 'name_vi', s.name_vi, 'name_en', s.name_en, 'rank', s.rank,
            'category', s.category, 'decision_no', s.decision_no, 'decision_date', s.decision_date,
            'decision_issuer', s.decision_issuer,
            'districts', (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name_vi', a.name_vi,
                                                                     'valid_to', a.valid_to) ORDER BY a.id),
                                          '[]'::json)
                          FROM admin_units a WHERE a.id = ANY(s.admin_unit_ids)),
            'address_vi', s.address_vi, 'location_status', s.location_status,
            'location_source', s.location_source,
            'location_accuracy_m', CASE WHEN s.sensitive
                                        THEN greatest(coalesce(s.location_accuracy_m, 0), 1000)
                                        ELSE s.location_accuracy_m END,
            'location_generalized', s.sensitive,
            'publication_status', s.publication_status{extra}))""").format(extra=extra)


DETAIL_EXTRA = sql.SQL(""",
            'sources', s.sources, 'notes', s.notes,
            'created_at', s.created_at, 'updated_at', s.updated_at,
            'protection_zones', (SELECT count(*) FROM protection_zones z WHERE z.site_id = s.id),
            'location_history', (SELECT count(*) FROM site_location_history h WHERE h.site_id = s.id)""")


def page_sql(query: SiteQuery) -> tuple[sql.Composable, list]:
    """One row: the number of features on the page and their GeoJSON text joined by commas."""
    where, where_params = where_clause(query)
    distance, distance_params = _distance(query)
    extra = sql.SQL(", 'distance_m', round(s.distance::numeric, 3)") if query.near else sql.SQL("")
    order = sql.SQL("distance, id") if query.near else sql.SQL("id")
    # Features are built for the page's rows only, after ORDER BY/LIMIT picked them.
    statement = sql.SQL("""
        SELECT count(*), coalesce(string_agg(f.feature, ',' ORDER BY f.n), '')
        FROM (
            SELECT row_number() OVER (ORDER BY {order}) AS n, {feature}::text AS feature
            FROM (SELECT s.*, {distance} AS distance FROM sites s WHERE {where}
                  ORDER BY {order} LIMIT %s OFFSET %s) s
        ) f""").format(feature=feature_json(extra), distance=distance, where=where, order=order)
    return statement, [*distance_params, *where_params, query.limit, query.offset]


def count_sql(query: SiteQuery) -> tuple[sql.Composable, list]:
    where, params = where_clause(query)
    return sql.SQL("SELECT count(*) FROM sites s WHERE {where}").format(where=where), params


def detail_sql() -> sql.Composable:
    return sql.SQL("SELECT {feature}::text FROM sites s WHERE s.id = %s AND {public}").format(
        feature=feature_json(DETAIL_EXTRA), public=PUBLIC_ONLY)
