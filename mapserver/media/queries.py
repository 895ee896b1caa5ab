"""The SQL of media items: constants and psycopg.sql builders; values are always parameters.

Staff reads use `media_items`; the public reads `public_media` (migration 0010), which holds the
public rule. Every processing-state change of the ingest job is here too.
"""

from __future__ import annotations

from psycopg import sql

from ..records.kinds import Kind

# What an item is, for staff and for the public (the view has no originals nor uploader).
PUBLIC_COLUMNS = (
    "id, record_type, record_id, position, media_type, caption_vi, caption_en, creator, date_text, "
    "rights_holder, licence, original_format, version, facts, publication_status, created_at, updated_at"
)
STAFF_COLUMNS = (
    PUBLIC_COLUMNS + ", state, progress, failure_reason, review_note, created_by, original_name, "
    "original_bytes, original_mime, original_sha256"
)

INSERT = """
INSERT INTO media_items (record_type, record_id, position, media_type, caption_vi, caption_en, creator,
    date_text, rights_holder, licence, original_name, original_sha256, original_bytes, original_mime,
    original_format, facts, publication_status, created_by)
VALUES (%(record_type)s, %(record_id)s,
        coalesce(%(position)s, (SELECT coalesce(max(position) + 1, 0) FROM media_items
                                WHERE record_type = %(record_type)s AND record_id = %(record_id)s)),
        %(media_type)s, %(caption_vi)s, %(caption_en)s, %(creator)s, %(date_text)s, %(rights_holder)s,
        %(licence)s, %(original_name)s, %(original_sha256)s, %(original_bytes)s, %(original_mime)s,
        %(original_format)s, %(facts)s::jsonb, %(publication_status)s, %(created_by)s)
RETURNING id
"""
SET_ORIGINAL = "UPDATE media_items SET original_key = %s, subtitles_key = %s WHERE id = %s"

ONE_STAFF = f"SELECT {STAFF_COLUMNS} FROM media_items WHERE id = %s"
ONE_PUBLIC = f"SELECT {PUBLIC_COLUMNS} FROM public_media WHERE id = %s"
OF_RECORD_STAFF = (
    f"SELECT {STAFF_COLUMNS} FROM media_items WHERE record_type = %s AND record_id = %s ORDER BY position, id"
)
OF_RECORD_PUBLIC = (
    f"SELECT {PUBLIC_COLUMNS} FROM public_media WHERE record_type = %s AND record_id = %s ORDER BY position, id"
)
# For serving files: the current version, whether the public may see the item, and whose it is.
ACCESS = """
SELECT m.version, m.record_type, EXISTS (SELECT 1 FROM public_media p WHERE p.id = m.id)
FROM media_items m WHERE m.id = %s
"""
LOCK_FOR_REVIEW = "SELECT publication_status, record_type, record_id FROM media_items WHERE id = %s FOR UPDATE"
SET_STATUS = """
UPDATE media_items SET publication_status = %s, review_note = %s, updated_at = now() WHERE id = %s
"""

# The ingest job's transitions ------------------------------------------------------------------
INGEST_INPUT = """
SELECT media_type, original_format, original_key, subtitles_key, version, state FROM media_items WHERE id = %s
"""
RUNNING = """
UPDATE media_items SET state = 'running', progress = 0, failure_reason = NULL, attempts = %s,
    started_at = now(), finished_at = NULL WHERE id = %s
"""
PROGRESS = "UPDATE media_items SET progress = %s WHERE id = %s AND state = 'running'"
DONE = """
UPDATE media_items SET state = 'done', progress = 100, version = %s, facts = facts || %s::jsonb,
    failure_reason = NULL, finished_at = now(), updated_at = now() WHERE id = %s
"""
FAILED = """
UPDATE media_items SET state = 'failed', failure_reason = %s, finished_at = now(), updated_at = now()
WHERE id = %s
"""
QUEUED_AGAIN = "UPDATE media_items SET state = 'queued', progress = 0 WHERE id = %s AND state = 'running'"
STATE = "SELECT state, progress, failure_reason, version FROM media_items WHERE id = %s"


def record_exists(kind: Kind) -> sql.Composed:
    """Is there such a record (any state: contributors attach media to their drafts)?"""
    return sql.SQL("SELECT 1 FROM {} WHERE id = %s").format(sql.Identifier(kind.table))


def record_label(kind: Kind, *, public: bool) -> sql.Composed:
    """The record's title in both languages (no row: there is no such record, or the public may
    not see it)."""
    title_en = sql.Identifier(kind.title_en) if kind.title_en else sql.SQL("NULL")
    source = kind.public_view if public else kind.table
    return sql.SQL("SELECT {}, {} FROM {} WHERE id = %s").format(
        sql.Identifier(kind.title), title_en, sql.Identifier(source)
    )


# IIIF collections -------------------------------------------------------------------------------
MUSEUM = "SELECT id, name_vi, name_en FROM museums WHERE id = %s"
# Public artefacts with at least one public item a manifest shows (not only 3D models).
_WITH_CANVASES = """EXISTS (SELECT 1 FROM public_media m WHERE m.record_type = 'artefact'
    AND m.record_id = a.id::text AND m.media_type <> 'model')"""
MUSEUM_ARTEFACTS = f"""
SELECT a.id, a.name_vi, a.name_en FROM public_artefacts a
WHERE a.museum_id = %s AND {_WITH_CANVASES} ORDER BY a.number, a.id
"""
SITE = "SELECT id, name_vi, name_en FROM public_sites WHERE id = %s"
SITE_HAS_CANVASES = """
SELECT EXISTS (SELECT 1 FROM public_media m WHERE m.record_type = 'site' AND m.record_id = %s
               AND m.media_type <> 'model')
"""
SITE_ARTEFACTS = f"""
SELECT a.id, a.name_vi, a.name_en FROM public_artefacts a
WHERE a.site_id = %s AND {_WITH_CANVASES} ORDER BY a.museum_id, a.number, a.id
"""
