"""The virtual guide's index and narration (issue 15).

* ``guide_records`` / ``guide_sentences``: the published records the guide may quote, one row per
  citable passage (a sentence or a labelled short field) with its folded syllable + syllable-pair
  tokens (BM25) and its e5 vector. Vectors are ``bytea`` (384 little-endian float32): Debian
  bookworm has no pgvector package, and the scoring is a numpy matrix product in the app.
  ``fingerprint`` is the md5 of the public row when it was indexed: a changed or unpublished record
  is found by comparing it with the public views (guide.service.refresh).
* ``guide_state.generation`` grows with every change of the index, so each app server knows when
  its in-memory copy is stale (one small query per question).
* ``guide_questions``: what visitors asked, without personal data (no address, no user agent, no
  account): the question, its language, answered or not and why, the top record, when.
* ``guide_narrations``: the audio of a record in the store, generated (``tts``, by record version)
  or recorded by staff (``recorded``, served instead of the generated one while it exists).

Revision ID: 0012
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE guide_records (
    kind text NOT NULL,
    record_id text NOT NULL,
    fingerprint text NOT NULL,
    title_vi text NOT NULL,
    title_en text,
    page_url text,
    indexed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, record_id)
);
CREATE TABLE guide_sentences (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    record_id text NOT NULL,
    field text NOT NULL,
    lang text NOT NULL CHECK (lang IN ('vi', 'en')),
    position integer NOT NULL,
    text text NOT NULL,
    tokens text[] NOT NULL,
    vector bytea NOT NULL CHECK (length(vector) = 1536),
    FOREIGN KEY (kind, record_id) REFERENCES guide_records (kind, record_id) ON DELETE CASCADE
);
CREATE INDEX guide_sentences_record_idx ON guide_sentences (kind, record_id);

CREATE TABLE guide_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    generation bigint NOT NULL DEFAULT 0
);
INSERT INTO guide_state DEFAULT VALUES;

CREATE TABLE guide_questions (
    id bigserial PRIMARY KEY,
    asked_at timestamptz NOT NULL DEFAULT now(),
    question text NOT NULL CHECK (length(question) <= 500),
    lang text NOT NULL CHECK (lang IN ('vi', 'en')),
    answered boolean NOT NULL,
    reason text,
    top_kind text,
    top_id text,
    score real
);
CREATE INDEX guide_questions_asked_at_idx ON guide_questions (asked_at);

CREATE TABLE guide_narrations (
    kind text NOT NULL,
    record_id text NOT NULL,
    source text NOT NULL CHECK (source IN ('tts', 'recorded')),
    version integer NOT NULL,
    text_hash text NOT NULL,
    store_key text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    duration_s real,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, record_id, source)
);
"""

DOWNGRADE = """
DROP TABLE guide_narrations, guide_questions, guide_state, guide_sentences, guide_records;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
