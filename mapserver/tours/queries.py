"""SQL of tours beyond what records.queries builds from the kind: the tours shown on another record's
page, and the names of museums. Values are always parameters."""

from __future__ import annotations

# Published tours of a relic, or whose hotspots open the record (its room is given, to open the
# tour there); parameters (record ref "type:id", site id or NULL).
TOURS_OF_RECORD = """
SELECT t.id, t.title_vi, t.title_en, t.is_sample, t.graph ->> 'start',
       (SELECT n ->> 'id' FROM jsonb_array_elements(t.graph -> 'nodes') n
        WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(n -> 'hotspots') h WHERE h ->> 'record' = %(ref)s)
        LIMIT 1) AS room,
       t.graph -> 'nodes'
FROM public_tours t
WHERE (%(site)s::text IS NOT NULL AND t.site_id = %(site)s)
   OR EXISTS (SELECT 1 FROM jsonb_array_elements(t.graph -> 'nodes') n, jsonb_array_elements(n -> 'hotspots') h
              WHERE h ->> 'record' = %(ref)s)
ORDER BY t.is_sample, t.title_vi, t.id
LIMIT 20
"""

MUSEUM_NAME = "SELECT name_vi, name_en FROM museums WHERE id = %s"
MUSEUM_EXISTS = "SELECT 1 FROM museums WHERE id = %s"
TOUR_SITE = "SELECT site_id FROM tours WHERE id = %s"
PUBLIC_GRAPH = "SELECT graph FROM public_tours WHERE id = %s"
MUSEUMS = "SELECT id, name_vi FROM museums ORDER BY name_vi, id"
# What a hotspot may open, offered to the editor: the museum's artefacts and the tour's relic.
HOTSPOT_CHOICES = """
SELECT 'artefact:' || a.id, a.number || ' · ' || a.name_vi FROM artefacts a
WHERE a.museum_id = %(museum)s
UNION ALL
SELECT 'site:' || s.id, s.name_vi FROM sites s WHERE s.id = %(site)s
ORDER BY 2
LIMIT 1000
"""
