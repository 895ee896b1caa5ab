"""Media items attached to records (owned by the media work, issue 11).

* `media_items`: a photo, scan, clip, sound, 3D model or 360° panorama of any record (relic,
  artefact, intangible element, festival, artisan, craft village, document), named like
  `record_links` by (record_type, record_id). Every item carries its rights (holder, licence,
  creator, date, captions vi/en), the sniffed facts of its original (kept in the store outside
  what is served), the state of its processing job (queued → running → done/failed with progress
  and a reason), the published derivative version (0: none yet; a re-ingest publishes v+1 under
  a new store prefix) and the review workflow of every record.
* `public_media`: what the public may see: published items with a published derivative version
  (a failed or running re-ingest keeps the previous version up) of records the public sees
  (`heritage_record_public(kind, id)`: the kind's own public view, so items of a draft or
  withdrawn record, or of an artisan without consent, never show). It has no store keys of originals and no uploader.

Revision ID: 0010
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# record_type → (public view, id is a bigint). Frozen here (a migration is history); the media
# tests check it against records.registry.
KIND_VIEWS = {
    "site": ("public_sites", False),
    "artefact": ("public_artefacts", True),
    "intangible": ("public_intangible_elements", False),
    "festival": ("public_festivals", False),
    "artisan": ("public_artisans", True),
    "craft_village": ("public_craft_villages", False),
    "document": ("public_documents", True),
}
MEDIA_TYPES = ("image", "video", "audio", "model", "panorama")
LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "all-rights-reserved")
STATES = ("queued", "running", "done", "failed")
STATUSES = ("draft", "in_review", "published", "withdrawn")


def _list(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _record_public_function() -> str:
    cases = []
    for kind, (view, numeric) in KIND_VIEWS.items():
        exists = f"EXISTS (SELECT 1 FROM {view} p WHERE p.id = {'rid::bigint' if numeric else 'rid'})"
        if numeric:  # a CASE decides the order: the cast is never tried on other text
            exists = f"CASE WHEN rid ~ '^[0-9]{{1,18}}$' THEN {exists} ELSE false END"
        cases.append(f"WHEN '{kind}' THEN {exists}")
    body = "\n        ".join(cases)
    # One function, so that a later kind (tours, 0011) adds its branch with CREATE OR REPLACE
    # instead of rewriting every view that asks "may the public see this record?".
    return f"""
CREATE FUNCTION heritage_record_public(kind text, rid text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE kind
        {body}
        ELSE false END
$$;"""


NUMERIC_KINDS = tuple(k for k, (_, numeric) in KIND_VIEWS.items() if numeric)
PUBLIC_COLUMNS = (
    "id, record_type, record_id, position, media_type, caption_vi, caption_en, creator, date_text, "
    "rights_holder, licence, original_format, version, facts, publication_status, created_at, updated_at"
)

UPGRADE = f"""
CREATE TABLE media_items (
    id bigserial PRIMARY KEY,
    -- the kinds of records.registry, checked by the service (a later kind needs no migration here)
    record_type text NOT NULL CHECK (record_type ~ '^[a-z_]{{1,40}}$'),
    record_id text NOT NULL CHECK (length(record_id) BETWEEN 1 AND 100),
    position integer NOT NULL DEFAULT 0 CHECK (position BETWEEN 0 AND 100000),
    media_type text NOT NULL CHECK (media_type IN {_list(MEDIA_TYPES)}),
    caption_vi text CHECK (length(caption_vi) <= 2000),
    caption_en text CHECK (length(caption_en) <= 2000),
    creator text CHECK (length(creator) <= 300),
    date_text text CHECK (length(date_text) <= 100),
    rights_holder text NOT NULL CHECK (length(btrim(rights_holder)) BETWEEN 1 AND 300),
    licence text NOT NULL CHECK (licence IN {_list(LICENCES)}),
    original_key text,
    original_name text,
    original_sha256 text CHECK (original_sha256 ~ '^[0-9a-f]{{64}}$'),
    original_bytes bigint CHECK (original_bytes >= 0),
    original_mime text,
    original_format text,
    subtitles_key text,
    state text NOT NULL DEFAULT 'queued' CHECK (state IN {_list(STATES)}),
    progress real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    failure_reason text,
    attempts integer NOT NULL DEFAULT 0,
    started_at timestamptz,
    finished_at timestamptz,
    version integer NOT NULL DEFAULT 0 CHECK (version >= 0),
    facts jsonb NOT NULL DEFAULT '{{}}',
    publication_status text NOT NULL DEFAULT 'draft' CHECK (publication_status IN {_list(STATUSES)}),
    review_note text,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT numeric_record_ids CHECK (record_type NOT IN {_list(NUMERIC_KINDS)} OR record_id ~ '^[0-9]{{1,18}}$'),
    CONSTRAINT done_has_a_version CHECK (state <> 'done' OR version > 0)
);
CREATE INDEX media_items_record_idx ON media_items (record_type, record_id, position, id);
CREATE INDEX media_items_created_by_idx ON media_items (created_by);

{_record_public_function()}

CREATE VIEW public_media AS
SELECT {PUBLIC_COLUMNS}
FROM media_items m
WHERE m.publication_status = 'published' AND m.version > 0
  AND heritage_record_public(m.record_type, m.record_id);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute("DROP VIEW public_media; DROP TABLE media_items; DROP FUNCTION heritage_record_public(text, text);")
