"""The open learning library (học liệu số mở): teachers' lessons built by staff from records and
media, with the review workflow of every record, licensed CC BY or CC BY-SA per lesson.

A lesson's sections and questions are one JSON document (`content`), checked by
mapserver.lessons.content; `public_lessons` is the public rule (published only).

Revision ID: 0015
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

STATUSES = "('draft', 'in_review', 'published', 'withdrawn')"
SUBJECTS = "('history', 'local_education', 'geography', 'literature', 'arts', 'civics')"


def upgrade() -> None:
    op.execute(f"""
CREATE TABLE lessons (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{{0,99}}$'),
    title_vi text NOT NULL CHECK (length(btrim(title_vi)) > 0),
    title_en text,
    subject text NOT NULL CHECK (subject IN {SUBJECTS}),
    grade_from integer NOT NULL CHECK (grade_from BETWEEN 1 AND 12),
    grade_to integer NOT NULL CHECK (grade_to BETWEEN 1 AND 12),
    duration_minutes integer CHECK (duration_minutes BETWEEN 5 AND 600),
    objectives_vi text,
    objectives_en text,
    summary_vi text,
    summary_en text,
    licence text NOT NULL DEFAULT 'CC-BY-4.0' CHECK (licence IN ('CC-BY-4.0', 'CC-BY-SA-4.0')),
    author text,
    is_sample boolean NOT NULL DEFAULT false,
    content jsonb NOT NULL DEFAULT '{{"sections": [], "questions": []}}',
    publication_status text NOT NULL DEFAULT 'draft' CHECK (publication_status IN {STATUSES}),
    review_note text,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    search_text text GENERATED ALWAYS AS (heritage_fold(coalesce(title_vi, '') || ' ' || coalesce(title_en, '')
        || ' ' || coalesce(summary_vi, '') || ' ' || coalesce(objectives_vi, '') || ' ' || id)) STORED,
    CHECK (grade_from <= grade_to)
);
CREATE INDEX lessons_search_idx ON lessons USING gin (search_text gin_trgm_ops);
CREATE VIEW public_lessons AS SELECT * FROM lessons WHERE publication_status = 'published';
""")


def downgrade() -> None:
    op.execute("DROP VIEW public_lessons; DROP TABLE lessons")
