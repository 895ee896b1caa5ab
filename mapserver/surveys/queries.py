"""SQL of survey batches and their points (reads; the upload's writes are in surveys.ingest).

The reads take an owner (the second parameter): a surveyor's actor sees only the batches that
surveyor uploaded, NULL (editors, admins) sees all."""

from __future__ import annotations

BATCH = """
SELECT json_build_object('id', b.id, 'site_id', b.site_id, 'uploaded_by', b.uploaded_by,
       'crs', 'EPSG:' || b.crs_epsg, 'height_system', b.height_system, 'axis_order', b.axis_order,
       'file_name', b.file_name, 'file_sha256', b.file_sha256, 'file_size', b.file_size,
       'point_count', b.point_count, 'skipped_rows', b.skipped_rows, 'errors', b.errors,
       'position_set', b.position_set, 'review_status', b.review_status,
       'proposed_position', b.proposed_position, 'review_note', b.review_note, 'created_at', b.created_at)::text
FROM survey_batches b WHERE b.id = %s AND (%s::text IS NULL OR b.uploaded_by = %s::text)
"""
BATCH_EXISTS = "SELECT 1 FROM survey_batches WHERE id = %s AND (%s::text IS NULL OR uploaded_by = %s::text)"
SITE_BATCHES = """
SELECT coalesce(json_agg(json_build_object('id', id, 'point_count', point_count,
                                           'created_at', created_at, 'file_name', file_name) ORDER BY id),
                '[]')::text
FROM survey_batches WHERE site_id = %s AND (%s::text IS NULL OR uploaded_by = %s::text)
"""
POINTS = """
SELECT point_id, code, lon, lat, e_vn2000, n_vn2000, h_normal, h_ellipsoidal, accuracy_m, observed_at
FROM survey_points WHERE batch_id = %s ORDER BY row_number
"""

# -- review of a batch that would move its relic -----------------------------------------------------------
PROPOSE_POSITION = "UPDATE survey_batches SET proposed_position = %s::jsonb, review_status = 'in_review' WHERE id = %s"
LOCK_FOR_REVIEW = (
    "SELECT site_id, review_status, proposed_position, uploaded_by FROM survey_batches WHERE id = %s FOR UPDATE"
)
REVIEWED = (
    "UPDATE survey_batches SET review_status = %s, review_note = %s, reviewed_by = %s, reviewed_at = now() "
    "WHERE id = %s"
)

# -- repeated point ids of a batch (surveys.checks): the ids of the rows whose id hashes collide ------------
IDS_OF_ROWS = """
SELECT row_number, point_id FROM survey_points WHERE batch_id = %s AND row_number = ANY(%s) ORDER BY row_number
"""
DELETE_ROWS = "DELETE FROM survey_points WHERE batch_id = %s AND row_number = ANY(%s)"
