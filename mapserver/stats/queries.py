"""SQL of the digitization progress: counts of public relics per rank and per administrative unit,
and the activity of surveys, scans, intangible heritage and protection zones."""

from __future__ import annotations

from ..records.publication import PUBLIC_SITES

PER_RANK = f"""
SELECT s.rank, count(*) AS relics,
       count(*) FILTER (WHERE s.geom IS NOT NULL) AS located,
       count(*) FILTER (WHERE s.location_status = 'surveyed') AS surveyed,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM scans c WHERE c.site_id = s.id AND c.status = 'done'
                                      AND c.review_status = 'published' AND NOT c.sample)) AS with_3d
FROM {PUBLIC_SITES} s
GROUP BY s.rank
"""
PER_UNIT = f"""
SELECT a.id, a.name_vi, a.valid_to, count(s.id) AS relics,
       count(s.id) FILTER (WHERE s.geom IS NOT NULL) AS located,
       count(s.id) FILTER (WHERE s.location_status = 'surveyed') AS surveyed
FROM admin_units a
JOIN {PUBLIC_SITES} s ON a.id = ANY(s.admin_unit_ids)
GROUP BY a.id, a.name_vi, a.valid_to
ORDER BY a.name_vi
"""
ACTIVITY = """
SELECT (SELECT count(*) FROM survey_batches), (SELECT coalesce(sum(point_count), 0) FROM survey_batches),
       (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n FROM scans WHERE NOT sample
                                                GROUP BY status) x),
       (SELECT count(*) FROM intangible_elements),
       (SELECT count(*) FROM protection_zones)
"""
