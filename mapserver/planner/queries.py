"""SQL of the impact report: public relics and the protection zones of public relics near a
footprint, with geodesic distances (PostGIS geography, metres on the WGS 84 ellipsoid)."""

from __future__ import annotations

from psycopg import sql

from ..records.publication import PUBLIC_SITES, PUBLIC_ZONES

PUBLIC = sql.Identifier(PUBLIC_SITES)

IMPACT = sql.SQL("""
WITH f AS (SELECT ST_GeomFromWKB(%(footprint)s, 4326) AS g)
SELECT * FROM (
    SELECT 'relic' AS kind, s.id AS id, s.id AS site_id, s.name_vi, s.rank, NULL::text AS zone,
           ST_Intersects(s.geom, f.g) AS intersects,
           round(ST_Distance(s.geom::geography, f.g::geography)::numeric, 2)::float8 AS distance_m,
           ST_AsBinary(s.geom) AS wkb
    FROM {public} s, f
    WHERE ST_DWithin(s.geom::geography, f.g::geography, %(buffer)s)
    UNION ALL
    SELECT 'protection_zone', z.id::text, z.site_id, s.name_vi, s.rank, z.zone,
           ST_Intersects(z.geom, f.g),
           round(ST_Distance(z.geom::geography, f.g::geography)::numeric, 2)::float8,
           ST_AsBinary(z.geom)
    FROM {zones}, f
    WHERE ST_DWithin(z.geom::geography, f.g::geography, %(buffer)s)
) hits
ORDER BY distance_m, kind, site_id, zone NULLS FIRST, id
""").format(public=PUBLIC, zones=sql.SQL(PUBLIC_ZONES))
UNLOCATED = sql.SQL("SELECT id, name_vi, rank FROM {public} WHERE geom IS NULL ORDER BY id").format(public=PUBLIC)
