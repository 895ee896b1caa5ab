"""SQL of scans and of their state machine: queued → running (progress, stage) → done (a published
tileset version) or failed (a reason). Each transition is one statement here, run by the web app,
the CLI and the jobs alike."""

from __future__ import annotations

from ..records.publication import PUBLIC_SITES, scan_public

SCAN_JSON = """json_build_object(
    'id', s.id, 'site_id', s.site_id, 'label', s.label, 'sample', s.sample, 'kind', s.kind,
    'file_name', s.file_name, 'file_size', s.file_size, 'crs', 'EPSG:' || s.crs_epsg,
    'heights', s.height_system, 'status', s.status, 'progress', round(s.progress::numeric, 3),
    'stage', s.stage, 'error', s.error, 'attempts', s.attempts, 'stats', s.stats,
    'review_status', s.review_status, 'review_note', s.review_note,
    'tileset_url', CASE WHEN s.tileset_version IS NOT NULL
                        THEN '/tiles/' || s.id || '/v' || s.tileset_version || '/tileset.json' END,
    'created_at', s.created_at, 'updated_at', s.updated_at)"""

RECENT = (
    f"SELECT coalesce(json_agg(x.j ORDER BY x.id DESC), '[]')::text FROM "
    f"(SELECT s.id, {SCAN_JSON} AS j FROM scans s ORDER BY s.id DESC LIMIT %s) x"
)
# A scan with whether the public may see it (records.publication.scan_public).
ONE = (
    f"SELECT {SCAN_JSON}::text, coalesce({scan_public('s', 'p')}, false) "
    f"FROM scans s LEFT JOIN {PUBLIC_SITES} p ON p.id = s.site_id WHERE s.id = %s"
)
# A relic's scans: all of them for staff (second parameter false), the public ones otherwise.
OF_SITE = (
    f"SELECT coalesce(json_agg({SCAN_JSON} ORDER BY s.id), '[]')::text FROM scans s "
    f"LEFT JOIN {PUBLIC_SITES} p ON p.id = s.site_id WHERE s.site_id = %s AND (NOT %s OR {scan_public('s', 'p')})"
)
# The current or previous version of a scan whose tiles the public may fetch.
TILES_PUBLIC = (
    f"SELECT 1 FROM scans s LEFT JOIN {PUBLIC_SITES} p ON p.id = s.site_id "
    f"WHERE s.id = %s AND {scan_public('s', 'p')} "
    "AND %s BETWEEN s.tileset_version - 1 AND s.tileset_version"
)

INSERT = """
INSERT INTO scans (site_id, label, sample, file_name, file_key, file_sha256, file_size, crs_epsg,
                   height_system, anchor_e, anchor_n, anchor_h, heading_deg, compress, created_by, review_status)
VALUES (%s, %s, %s, %s, '', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id
"""
SET_FILE_KEY = "UPDATE scans SET file_key = %s WHERE id = %s"
SAMPLES_OF_SITE = "SELECT id, status FROM scans WHERE sample AND site_id = %s"
TILING_INPUT = """
SELECT file_key, crs_epsg, height_system, anchor_e, anchor_n, anchor_h, heading_deg, compress,
       coalesce(tileset_version, 0)
FROM scans WHERE id = %s
"""

# -- transitions -------------------------------------------------------------------------------------------
RUNNING = (
    "UPDATE scans SET status = 'running', progress = 0, stage = 'starting', error = NULL, "
    "attempts = %s, updated_at = now() WHERE id = %s"
)
PROGRESS = "UPDATE scans SET progress = %s, stage = %s, updated_at = now() WHERE id = %s"
DONE = (
    "UPDATE scans SET status = 'done', progress = 1, stage = 'published', kind = %s, stats = %s, "
    "tileset_version = %s, updated_at = now() WHERE id = %s"
)
FAILED = "UPDATE scans SET status = 'failed', stage = 'failed', error = %s, updated_at = now() WHERE id = %s"
QUEUED_AGAIN = (
    "UPDATE scans SET status = 'queued', stage = 'retrying after a worker stopped', "
    "updated_at = now() WHERE id = %s AND status = 'running'"
)
MAX_REASON_CHARS = 2000


def failed(scan_id: int, reason: str) -> tuple[str, tuple]:
    return FAILED, (reason[:MAX_REASON_CHARS], scan_id)


# -- an editor's review: a finished scan is public only once approved ------------------------------------------
LOCK_FOR_REVIEW = "SELECT review_status, site_id FROM scans WHERE id = %s FOR UPDATE"
REVIEWED = (
    "UPDATE scans SET review_status = %s, review_note = %s, reviewed_by = %s, reviewed_at = now(), "
    "updated_at = now() WHERE id = %s"
)
