"""SQL of scans and of their state machine: queued → running (progress, stage) → done (a published
tileset version) or failed (a reason). Each transition is one statement here, run by the web app,
the CLI and the jobs alike."""

from __future__ import annotations

from ..records.publication import ANNOUNCE_PUBLIC_FILES, PUBLIC_SITES, scan_public

SCAN_JSON = """json_build_object(
    'id', s.id, 'site_id', s.site_id, 'label', s.label, 'sample', s.sample, 'kind', s.kind,
    'file_name', s.file_name, 'file_size', s.file_size, 'crs', 'EPSG:' || s.crs_epsg,
    'heights', s.height_system, 'status', s.status, 'progress', round(s.progress::numeric, 3),
    'stage', s.stage, 'error', s.error, 'attempts', s.attempts, 'stats', s.stats,
    'review_status', s.review_status, 'review_note', s.review_note,
    'tileset_url', CASE WHEN s.tileset_version IS NOT NULL
                        THEN '/tiles/' || s.id || '/v' || s.tileset_version || '/tileset.json' END,
    'created_at', s.created_at, 'updated_at', s.updated_at)"""

# The newest scans; a surveyor's own only (owner: their actor), everybody's for NULL (editors, admins).
RECENT = (
    f"SELECT coalesce(json_agg(x.j ORDER BY x.id DESC), '[]')::text FROM "
    f"(SELECT s.id, {SCAN_JSON} AS j FROM scans s WHERE %(owner)s::text IS NULL OR s.created_by = %(owner)s::text "
    "ORDER BY s.id DESC LIMIT %(limit)s) x"
)
# A scan with whether the public may see it (records.publication.scan_public) and who uploaded it.
ONE = (
    f"SELECT {SCAN_JSON}::text, coalesce({scan_public('s', 'p')}, false), s.created_by "
    f"FROM scans s LEFT JOIN {PUBLIC_SITES} p ON p.id = s.site_id WHERE s.id = %s"
)
# A relic's scans: all of them (all_scans: editors, admins), else the public ones and the owner's own
# (owner: a surveyor's actor, NULL for the public).
OF_SITE = (
    f"SELECT coalesce(json_agg({SCAN_JSON} ORDER BY s.id), '[]')::text FROM scans s "
    f"LEFT JOIN {PUBLIC_SITES} p ON p.id = s.site_id WHERE s.site_id = %(site)s "
    f"AND (%(all_scans)s OR {scan_public('s', 'p')} OR s.created_by = %(owner)s::text)"
)
# The current or previous version of a scan whose tiles the public may fetch.
TILES_PUBLIC = (
    f"SELECT 1 FROM scans s LEFT JOIN {PUBLIC_SITES} p ON p.id = s.site_id "
    f"WHERE s.id = %s AND {scan_public('s', 'p')} "
    "AND %s BETWEEN s.tileset_version - 1 AND s.tileset_version"
)
# The same rule listed whole, for the nginx front's published links (mapserver.front): each public
# version as (path under /tiles/, store key of its folder).
PUBLIC_TILE_FOLDERS = (
    "SELECT s.id || '/v' || v.n, 'tiles/' || s.id || '/v' || v.n "
    f"FROM scans s LEFT JOIN {PUBLIC_SITES} p ON p.id = s.site_id "
    "CROSS JOIN LATERAL (VALUES (s.tileset_version), (s.tileset_version - 1)) v(n) "
    f"WHERE {scan_public('s', 'p')} AND v.n >= 1"
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


def tiles_changed() -> tuple[str, tuple]:
    """Announce that the public tile versions changed (run it in the transaction that changes them)."""
    return ANNOUNCE_PUBLIC_FILES, ("tiles",)


# -- fan-out of a big scan over many workers (scans.fanout): its state lives in stats->'fanout' ----------------
FANOUT_STARTED = (
    "UPDATE scans SET stats = jsonb_build_object('fanout', %s::jsonb), stage = %s, updated_at = now() WHERE id = %s"
)
FANOUT_LOCK = "SELECT stats->'fanout' FROM scans WHERE id = %s FOR UPDATE"
FANOUT_SET = (
    "UPDATE scans SET stats = jsonb_set(coalesce(stats, '{}'), '{fanout}', %s::jsonb), "
    "progress = %s, stage = %s, updated_at = now() WHERE id = %s"
)


# -- an editor's review: a finished scan is public only once approved ------------------------------------------
LOCK_FOR_REVIEW = "SELECT review_status, site_id FROM scans WHERE id = %s FOR UPDATE"
REVIEWED = (
    "UPDATE scans SET review_status = %s, review_note = %s, reviewed_by = %s, reviewed_at = now(), "
    "updated_at = now() WHERE id = %s"
)


# -- retention: a failed upload's original is deleted after a while (jobs.retention) -------------------------
# Only scans that never published a tileset: a failed re-tile keeps the source of a published model.
FAILED_ORIGINALS_DUE = """
SELECT id, file_size, updated_at FROM scans
WHERE status = 'failed' AND tileset_version IS NULL
  AND updated_at < now() - make_interval(secs => %s)
  AND (stats IS NULL OR NOT stats ? 'original_expired_at')
ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
"""
ORIGINAL_EXPIRED = (
    "UPDATE scans SET stats = coalesce(stats, '{}'::jsonb) || jsonb_build_object('original_expired_at', now()), "
    "error = left(concat_ws(' ', error, %s::text), 2000), updated_at = now() WHERE id = %s"
)
ORIGINAL_EXPIRED_AT = "SELECT stats->>'original_expired_at' FROM scans WHERE id = %s"
