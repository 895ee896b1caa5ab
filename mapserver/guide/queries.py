"""SQL of the guide. View and table names come from the kinds' own constants (records.kinds), never
from a request; values are always parameters."""

from __future__ import annotations

from psycopg import sql

from ..records.kinds import Kind


def public_fingerprints(kind: Kind) -> sql.Composable:
    """(id, md5 of the whole public row) of every record the public may see of a kind."""
    return sql.SQL("SELECT r.id::text, md5(to_jsonb(r)::text) FROM {} r").format(sql.Identifier(kind.public_view))


def public_row(kind: Kind) -> sql.Composable:
    """One public record as JSON and its fingerprint (nothing when it is not public)."""
    return sql.SQL("SELECT to_jsonb(r) - 'search_text', md5(to_jsonb(r)::text) FROM {} r WHERE r.id::text = %s").format(
        sql.Identifier(kind.public_view)
    )


def public_rows(kinds: list[Kind]) -> sql.Composable:
    """Several public records at once, ``(kind, id, row)``; parameters: one id array per kind."""
    parts = [
        sql.SQL("SELECT {k}, r.id::text, to_jsonb(r) - 'search_text' FROM {v} r WHERE r.id::text = ANY(%s)").format(
            k=sql.Literal(kind.name), v=sql.Identifier(kind.public_view)
        )
        for kind in kinds
    ]
    return sql.SQL(" UNION ALL ").join(parts)


INDEXED = "SELECT kind, record_id, fingerprint FROM guide_records"
GENERATION = "SELECT generation FROM guide_state"
BUMP = "UPDATE guide_state SET generation = generation + 1 RETURNING generation"
DELETE_RECORD = "DELETE FROM guide_records WHERE kind = %s AND record_id = %s"
OLD_VECTORS = """
SELECT s.lang, s.text, s.vector, r.title_vi, r.title_en
FROM guide_sentences s JOIN guide_records r USING (kind, record_id) WHERE s.kind = %s AND s.record_id = %s
"""
UPSERT_RECORD = """
INSERT INTO guide_records (kind, record_id, fingerprint, title_vi, title_en, page_url)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (kind, record_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, title_vi = EXCLUDED.title_vi,
    title_en = EXCLUDED.title_en, page_url = EXCLUDED.page_url, indexed_at = now()
"""
DELETE_SENTENCES = "DELETE FROM guide_sentences WHERE kind = %s AND record_id = %s"
COPY_SENTENCES = "COPY guide_sentences (kind, record_id, field, lang, position, text, tokens, vector) FROM STDIN"
LOAD = """
SELECT s.kind, s.record_id, s.field, s.lang, s.text, s.tokens, s.vector, r.title_vi, r.title_en, r.page_url
FROM guide_sentences s JOIN guide_records r USING (kind, record_id)
ORDER BY s.kind, s.record_id, s.position
"""

LOG_QUESTION = """
INSERT INTO guide_questions (question, lang, answered, reason, top_kind, top_id, score)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""
RECENT_QUESTIONS = """
SELECT asked_at, question, lang, answered, reason, top_kind, top_id, score
FROM guide_questions ORDER BY asked_at DESC, id DESC LIMIT %s
"""
# What visitors asked that the records could not answer, most asked first (same words, any case
# or diacritics: grouped by the folded question).
MISSING = """
SELECT min(question), count(*), max(asked_at)
FROM guide_questions WHERE NOT answered AND asked_at >= now() - make_interval(days => %s)
GROUP BY heritage_fold(question) ORDER BY count(*) DESC, max(asked_at) DESC LIMIT %s
"""
QUESTION_TOTALS = """
SELECT count(*), count(*) FILTER (WHERE answered) FROM guide_questions
WHERE asked_at >= now() - make_interval(days => %s)
"""

RECORD_VERSION = "SELECT coalesce(max(version), 0) FROM record_versions WHERE kind = %s AND record_id = %s"
NARRATION = """
SELECT source, version, text_hash, store_key, content_type, size_bytes, duration_s, created_by, created_at
FROM guide_narrations WHERE kind = %s AND record_id = %s
ORDER BY source = 'recorded' DESC
"""
UPSERT_NARRATION = """
INSERT INTO guide_narrations (kind, record_id, source, version, text_hash, store_key, content_type, size_bytes,
                              duration_s, created_by)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (kind, record_id, source) DO UPDATE SET version = EXCLUDED.version, text_hash = EXCLUDED.text_hash,
    store_key = EXCLUDED.store_key, content_type = EXCLUDED.content_type, size_bytes = EXCLUDED.size_bytes,
    duration_s = EXCLUDED.duration_s, created_by = EXCLUDED.created_by, created_at = now()
"""
DELETE_NARRATION = "DELETE FROM guide_narrations WHERE kind = %s AND record_id = %s AND source = %s RETURNING store_key"

# Tours (guide.narration.tours): their texts from the public view; narration rows of a tour are
# ``record_id = <tour>`` (its introduction) and ``<tour>/<stop>`` (a stop), ids that cannot clash
# (a tour id has no "/").
PUBLIC_TOURS = "SELECT id FROM public_tours ORDER BY id"
PUBLIC_TOUR = "SELECT id, title_vi, description_vi, graph FROM public_tours WHERE id = %s"
# Generated narrations of stops no longer in the tour (a staff recording is kept: the stop may return).
DROP_GONE_STOPS = """
DELETE FROM guide_narrations
WHERE kind = %(kind)s AND source = 'tts' AND split_part(record_id, '/', 1) = %(tour)s
  AND record_id LIKE '%%/%%' AND NOT (record_id = ANY(%(keep)s))
"""
# Is the tour published, and (stop given) is the stop one of its rooms? Parameters (tour, stop or NULL).
PUBLIC_TOUR_STOP = """
SELECT 1 FROM public_tours t
WHERE t.id = %s AND (%s::text IS NULL OR EXISTS (
    SELECT 1 FROM jsonb_array_elements(coalesce(t.graph -> 'nodes', '[]'::jsonb)) n WHERE n ->> 'id' = %s))
"""
# The parts of a tour that have a narration (generated or recorded), by narration row id.
TOUR_NARRATED = """
SELECT DISTINCT record_id FROM guide_narrations
WHERE kind = %(kind)s AND split_part(record_id, '/', 1) = %(tour)s
"""
