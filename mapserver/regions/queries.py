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
