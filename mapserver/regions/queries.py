"""SQL of administrative units and the province outline."""

from __future__ import annotations

BOUNDARY_GEOJSON = """
SELECT json_build_object(
    'type', 'FeatureCollection',
    'attribution', a.attribution,
    'features', json_build_array(json_build_object(
        'type', 'Feature', 'id', a.id,
        'geometry', ST_AsGeoJSON(a.geom, 6)::json,
        'properties', json_build_object('id', a.id, 'name_vi', a.name_vi, 'name_en', a.name_en,
                                        'valid_from', a.valid_from, 'valid_to', a.valid_to,
                                        'source', a.source, 'attribution', a.attribution,
                                        'licence', a.licence))))::text
FROM admin_units a
WHERE a.level = 'province' AND a.geom IS NOT NULL
ORDER BY a.id
LIMIT 1
"""
# The outline as WKB (checks of uploaded positions, report maps); the oldest valid one first.
PROVINCE_OUTLINE = """
SELECT ST_AsBinary(geom) FROM admin_units WHERE level = 'province' AND geom IS NOT NULL
ORDER BY valid_from NULLS LAST, id LIMIT 1
"""
# Published relics without a surveyed position, counted per (historical) district-level unit, with
# their names; the public view decides what is published (a generalised sensitive relic has a point
# and is not counted here). Relics naming no unit come in one row with id NULL.
UNLOCATED_BY_DISTRICT = """
SELECT coalesce(json_agg(d ORDER BY d.id IS NULL, d.count DESC, d.id), '[]')::text FROM (
    SELECT a.id, a.name_vi, a.name_en, a.valid_from, a.valid_to, count(*) AS count,
           json_agg(json_build_object('id', s.id, 'name_vi', s.name_vi, 'name_en', s.name_en, 'rank', s.rank)
                    ORDER BY s.name_vi) AS relics
    FROM public_sites s
    LEFT JOIN admin_units a ON a.id = ANY(s.admin_unit_ids) AND a.level <> 'province'
    WHERE s.geom IS NULL
    GROUP BY a.id, a.name_vi, a.name_en, a.valid_from, a.valid_to
) d
"""
