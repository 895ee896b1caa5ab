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

# --- The plan's figures as at the end of a year (/progress, /api/progress, the annual report) ---------
# Staff figures: every record counts, drafts included ("recorded"), with "published" beside it.
# The cut-off is 1 January of the next year, 00:00 in Vietnam (UTC+7): an event at the cut-off belongs
# to the next year. For the year in progress the cut-off is in the future, so the figures are today's.
# %(year)s is always a parameter; kind codes and table names below are this module's constants.
YEAR_START = "make_timestamptz(%(year)s, 1, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh')"
CUTOFF = "make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh')"


def in_year(column: str) -> str:
    return f"({column} >= {YEAR_START} AND {column} < {CUTOFF})"


def state_at_cutoff(kind: str, record_id: str) -> str:
    """Joins giving what a record was at the cut-off, for ``state_columns``. Its publication comes from
    its versions (a snapshot after every change): the last one before the cut-off says it; with
    versions only after it, the first of them tells the state before it (an approval, submission or
    rejection started from an unpublished record, a withdrawal from a published one, edits keep the
    state); a record without versions (imported, seeded) has kept its status since it was made. Its
    media: processed items added before the cut-off (failed uploads are not media).
    Joins, not a subquery per record: a museum's inventory is tens of thousands of rows."""
    versions = f"FROM record_versions v WHERE v.kind = '{kind}'"
    return f"""
LEFT JOIN (SELECT DISTINCT ON (v.record_id) v.record_id, v.data->>'publication_status' AS status
           {versions} AND v.at < {CUTOFF} ORDER BY v.record_id, v.version DESC) last_version
       ON last_version.record_id = {record_id}
LEFT JOIN (SELECT DISTINCT ON (v.record_id) v.record_id,
                  CASE WHEN v.action IN ('approve', 'submit', 'reject') THEN 'draft'
                       WHEN v.action = 'withdraw' THEN 'published' ELSE v.data->>'publication_status' END AS status
           {versions} ORDER BY v.record_id, v.version) first_version ON first_version.record_id = {record_id}
LEFT JOIN (SELECT m.record_id, bool_or(m.media_type = 'model') AS model FROM media_items m
           WHERE m.record_type = '{kind}' AND m.state = 'done' AND m.created_at < {CUTOFF}
           GROUP BY m.record_id) media ON media.record_id = {record_id}"""


def state_columns(status: str) -> str:
    return f"""coalesce(last_version.status, first_version.status, {status}) = 'published' AS published,
         media.record_id IS NOT NULL AS with_media, coalesce(media.model, false) AS with_model"""


# A relic at the cut-off: made before it; its position then is the first one replaced after it (every
# survey and editor's move archives the old position with its time), else today's; a real scan
# (never the generated sample) uploaded before it and tiled. Ranks are today's.
SITES_AT_CUTOFF = f"""
WITH site_at AS (
  SELECT s.rank, s.admin_unit_ids, coalesce(old.location_status, s.location_status) AS location_status,
         {state_columns("s.publication_status")}, scan.site_id IS NOT NULL AS scanned,
         {in_year("s.created_at")} AS added
  FROM sites s {state_at_cutoff("site", "s.id")}
  LEFT JOIN (SELECT DISTINCT ON (h.site_id) h.site_id, h.location_status FROM site_location_history h
             WHERE h.replaced_at >= {CUTOFF} ORDER BY h.site_id, h.replaced_at, h.id) old ON old.site_id = s.id
  LEFT JOIN (SELECT DISTINCT c.site_id FROM scans c WHERE c.status = 'done' AND NOT c.sample
             AND c.created_at < {CUTOFF}) scan ON scan.site_id = s.id
  WHERE s.created_at < {CUTOFF}
)"""
SITE_COUNTS = """count(*) AS recorded, count(*) FILTER (WHERE a.published) AS published,
       count(*) FILTER (WHERE a.location_status <> 'unknown') AS located,
       count(*) FILTER (WHERE a.location_status = 'surveyed') AS surveyed,
       count(*) FILTER (WHERE a.scanned) AS scanned, count(*) FILTER (WHERE a.with_media) AS with_media,
       count(*) FILTER (WHERE a.added) AS added_in_year"""
SITES_PER_RANK_AT = f"{SITES_AT_CUTOFF}\nSELECT a.rank, {SITE_COUNTS} FROM site_at a GROUP BY a.rank"
SITES_PER_UNIT_AT = f"""{SITES_AT_CUTOFF}
SELECT u.id, u.name_vi, u.name_en, u.valid_to, {SITE_COUNTS}
FROM admin_units u JOIN site_at a ON u.id = ANY(a.admin_unit_ids)
GROUP BY u.id, u.name_vi, u.name_en, u.valid_to ORDER BY u.name_vi"""


def records_at_cutoff(kinds: tuple[tuple[str, str, str | None], ...]) -> str:
    """Counts of other kinds at the cut-off, one row per (kind, group): kinds are (code, table,
    grouping column or None); artefacts are grouped by museum."""
    parts = []
    for code, table, group in kinds:
        parts.append(f"""
SELECT '{code}' AS kind, a.grp, count(*) AS recorded, count(*) FILTER (WHERE a.published) AS published,
       count(*) FILTER (WHERE a.with_media) AS with_media, count(*) FILTER (WHERE a.with_model) AS with_model,
       count(*) FILTER (WHERE a.added) AS added_in_year
FROM (SELECT {f"r.{group}" if group else "NULL::text"} AS grp, {state_columns("r.publication_status")},
             {in_year("r.created_at")} AS added
      FROM {table} r {state_at_cutoff(code, "r.id::text")}
      WHERE r.created_at < {CUTOFF}) a
GROUP BY a.grp""")
    return "\nUNION ALL".join(parts)


MUSEUMS = "SELECT id, name_vi, name_en FROM museums ORDER BY id"
ACTIVITY_IN_YEAR = f"""
SELECT (SELECT count(*) FROM survey_batches b WHERE {in_year("b.created_at")}),
       (SELECT coalesce(sum(point_count), 0) FROM survey_batches b WHERE {in_year("b.created_at")}),
       (SELECT count(*) FROM scans c WHERE NOT c.sample AND c.status = 'done' AND {in_year("c.created_at")}),
       (SELECT count(*) FROM record_versions v WHERE v.action = 'approve' AND {in_year("v.at")}),
       (SELECT count(*) FROM protection_zones z WHERE z.created_at < {CUTOFF}),
       (SELECT count(*) FROM media_items m WHERE m.state = 'done' AND m.created_at < {CUTOFF}),
       (SELECT count(*) FROM media_items m WHERE m.state = 'done' AND {in_year("m.created_at")})
"""
# The years the figures can be asked for: from the first record's to the current one, in Vietnam.
YEARS = """
SELECT extract(year FROM now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::int,
       extract(year FROM least((SELECT min(created_at) FROM sites), (SELECT min(created_at) FROM artefacts),
                               (SELECT min(created_at) FROM intangible_elements)) AT TIME ZONE 'Asia/Ho_Chi_Minh')::int
"""
