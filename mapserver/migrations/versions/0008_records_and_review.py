"""Heritage records beyond relic points, one review workflow and one version history.

* The review workflow: every record's `publication_status` is draft → in_review → published →
  withdrawn (relics gain `in_review`); `review_note` keeps an editor's last rejection reason.
  Survey batches that would move a relic and finished scans wait for an editor's approval
  (`review_status`); until then the relic keeps its published position and the scan is staff-only.
* `record_versions`: a snapshot of a record after every change (who, when, what), for history
  and restore, for every kind of record.
* New records: museums, artefacts, intangible elements (extended), festivals with lunar dates,
  artisans (personal data public only with consent), craft villages, documents, and links
  between any two records. Each has a `public_<table>` view holding the public rule.

Revision ID: 0008
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STATUSES = "('draft', 'in_review', 'published', 'withdrawn')"
SLUG = "CHECK ({col} ~ '^[a-z0-9][a-z0-9-]{{0,99}}$')"


def _review_columns(default: str = "draft") -> str:
    return (
        f"publication_status text NOT NULL DEFAULT '{default}' CHECK (publication_status IN {STATUSES}),\n"
        "    review_note text,\n"
        "    created_by text,\n"
        "    created_at timestamptz NOT NULL DEFAULT now(),\n"
        "    updated_at timestamptz NOT NULL DEFAULT now()"
    )


def _search(*columns: str) -> str:
    joined = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    return f"search_text text GENERATED ALWAYS AS (heritage_fold({joined})) STORED"


UPGRADE = f"""
-- the workflow on relics ------------------------------------------------------------------------------
ALTER TABLE sites DROP CONSTRAINT sites_publication_status_check;
ALTER TABLE sites ADD CONSTRAINT sites_publication_status_check CHECK (publication_status IN {STATUSES});
ALTER TABLE sites ADD COLUMN review_note text, ADD COLUMN created_by text;
ALTER TABLE sites ADD COLUMN description_vi text, ADD COLUMN description_en text,
                  ADD COLUMN history_vi text, ADD COLUMN history_en text,
                  ADD COLUMN significance_vi text, ADD COLUMN significance_en text,
                  ADD COLUMN visiting_vi text, ADD COLUMN visiting_en text,
                  ADD COLUMN narration_vi text, ADD COLUMN story_sources text;

-- views over sites list their columns: recreate them with the new ones
DROP VIEW public_sites;
DROP VIEW sites_generalised;
CREATE VIEW sites_generalised AS
SELECT id, name_vi, name_en, rank, category, decision_no, decision_date, decision_issuer, admin_unit_ids,
       address_vi, public_geom AS geom, location_status, location_source,
       CASE WHEN sensitive THEN greatest(coalesce(location_accuracy_m, 0), 1000)
            ELSE location_accuracy_m END AS location_accuracy_m,
       sensitive, publication_status, sources, notes, search_text, created_at, updated_at,
       description_vi, description_en, history_vi, history_en, significance_vi, significance_en,
       visiting_vi, visiting_en, narration_vi, story_sources
FROM sites;
CREATE VIEW public_sites AS SELECT * FROM sites_generalised WHERE publication_status = 'published';

ALTER TABLE survey_batches ADD COLUMN review_status text NOT NULL DEFAULT 'published'
    CHECK (review_status IN ('in_review', 'published', 'rejected'));
ALTER TABLE survey_batches ADD COLUMN proposed_position jsonb, ADD COLUMN review_note text,
                           ADD COLUMN reviewed_by text, ADD COLUMN reviewed_at timestamptz;
ALTER TABLE scans ADD COLUMN review_status text NOT NULL DEFAULT 'published'
    CHECK (review_status IN ('in_review', 'published', 'rejected'));
ALTER TABLE scans ADD COLUMN review_note text, ADD COLUMN reviewed_by text, ADD COLUMN reviewed_at timestamptz;

-- versions of every record ---------------------------------------------------------------------------
CREATE TABLE record_versions (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    record_id text NOT NULL,
    version integer NOT NULL,
    action text NOT NULL,
    actor text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    data jsonb NOT NULL,
    UNIQUE (kind, record_id, version)
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor);

-- museums and artefacts ----------------------------------------------------------------------------
CREATE TABLE museums (
    id text PRIMARY KEY {SLUG.format(col="id")},
    name_vi text NOT NULL,
    name_en text,
    address_vi text,
    site_id text REFERENCES sites(id),
    sources text
);

CREATE TABLE artefacts (
    id bigserial PRIMARY KEY,
    museum_id text NOT NULL REFERENCES museums(id),
    number text NOT NULL CHECK (length(btrim(number)) > 0),
    name_vi text NOT NULL CHECK (length(btrim(name_vi)) > 0),
    name_en text,
    object_type text,
    material text,
    technique text,
    dating_text text,
    year_from integer,
    year_to integer CONSTRAINT years_in_order CHECK (year_to IS NULL OR year_from IS NULL OR year_to >= year_from),
    dating_approximate boolean NOT NULL DEFAULT false,
    dimensions_text text,
    dimensions jsonb NOT NULL DEFAULT '{{}}',
    weight_text text,
    weight_kg double precision CHECK (weight_kg IS NULL OR weight_kg >= 0),
    quantity integer NOT NULL DEFAULT 1 CHECK (quantity >= 1),
    acquisition_method text,
    acquisition_text text,
    acquisition_date date,
    acquired_from text,
    current_location text,
    condition text,
    conservation_history text,
    national_treasure boolean NOT NULL DEFAULT false,
    treasure_decision text,
    site_id text REFERENCES sites(id),
    rights text,
    description_vi text,
    description_en text,
    notes text,
    {_search("name_vi", "name_en", "number", "object_type", "material", "dating_text")},
    {_review_columns()},
    UNIQUE (museum_id, number)
);
CREATE INDEX artefacts_search_idx ON artefacts USING gin (search_text gin_trgm_ops);
CREATE INDEX artefacts_site_idx ON artefacts (site_id);
CREATE VIEW public_artefacts AS SELECT * FROM artefacts WHERE publication_status = 'published';

-- intangible heritage ----------------------------------------------------------------------------------
ALTER TABLE intangible_elements ADD COLUMN description_vi text, ADD COLUMN description_en text,
    ADD COLUMN community_vi text,
    ADD COLUMN publication_status text NOT NULL DEFAULT 'published' CHECK (publication_status IN {STATUSES}),
    ADD COLUMN review_note text, ADD COLUMN created_by text,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN {_search("name_vi", "name_en", "id", "season")};
CREATE VIEW public_intangible_elements AS
    SELECT * FROM intangible_elements WHERE publication_status = 'published';

CREATE TABLE festivals (
    id text PRIMARY KEY {SLUG.format(col="id")},
    name_vi text NOT NULL,
    name_en text,
    element_id text REFERENCES intangible_elements(id),
    site_id text REFERENCES sites(id),
    place_vi text,
    lunar_month integer CHECK (lunar_month BETWEEN 1 AND 12),
    lunar_day_start integer CHECK (lunar_day_start BETWEEN 1 AND 30),
    lunar_day_end integer CHECK (lunar_day_end BETWEEN 1 AND 30),
    lunar_leap boolean NOT NULL DEFAULT false,
    date_text text,
    description_vi text,
    description_en text,
    sources text,
    {_search("name_vi", "name_en", "id", "place_vi")},
    {_review_columns()},
    CHECK ((lunar_month IS NULL) = (lunar_day_start IS NULL)),
    CONSTRAINT lunar_days_in_order CHECK (lunar_day_end IS NULL OR lunar_day_end >= lunar_day_start)
);
CREATE VIEW public_festivals AS SELECT * FROM festivals WHERE publication_status = 'published';

CREATE TABLE craft_villages (
    id text PRIMARY KEY {SLUG.format(col="id")},
    name_vi text NOT NULL,
    name_en text,
    craft_vi text,
    recognition_decision text,
    recognition_date date,
    commune_vi text,
    admin_unit_ids text[] NOT NULL DEFAULT '{{}}',
    geom geometry(Point, 4326),
    location_source text,
    description_vi text,
    description_en text,
    sources text,
    {_search("name_vi", "name_en", "craft_vi", "commune_vi")},
    {_review_columns()}
);
CREATE INDEX craft_villages_geom_idx ON craft_villages USING gist (geom);
CREATE VIEW public_craft_villages AS SELECT * FROM craft_villages WHERE publication_status = 'published';

-- Artisans are people: without recorded consent nothing of them is public.
CREATE TABLE artisans (
    id bigserial PRIMARY KEY,
    name_vi text NOT NULL CHECK (length(btrim(name_vi)) > 0),
    title text CHECK (title IN ('nghe_nhan_nhan_dan', 'nghe_nhan_uu_tu', 'nghe_nhan', 'other')),
    title_decision text,
    craft_vi text,
    commune_vi text,
    element_id text REFERENCES intangible_elements(id),
    village_id text REFERENCES craft_villages(id),
    birth_year integer,
    contact text,
    consent boolean NOT NULL DEFAULT false,
    consent_recorded_on date,
    consent_note text,
    description_vi text,
    description_en text,
    {_search("name_vi", "craft_vi", "commune_vi")},
    {_review_columns()},
    CONSTRAINT consent_needs_its_date CHECK (NOT consent OR consent_recorded_on IS NOT NULL)
);
CREATE VIEW public_artisans AS
    SELECT id, name_vi, title, title_decision, craft_vi, commune_vi, element_id, village_id, description_vi,
           description_en, search_text, publication_status, created_at, updated_at
    FROM artisans WHERE publication_status = 'published' AND consent;

CREATE TABLE documents (
    id bigserial PRIMARY KEY,
    title_vi text NOT NULL CHECK (length(btrim(title_vi)) > 0),
    title_en text,
    doc_type text CHECK (doc_type IN ('record', 'dossier', 'stele', 'map', 'photo', 'letter', 'book',
                                      'newspaper', 'other')),
    date_text text,
    year_from integer,
    year_to integer CHECK (year_to IS NULL OR year_from IS NULL OR year_to >= year_from),
    creator text,
    language text CHECK (language IN ('vi', 'han_nom', 'fr', 'en', 'other')),
    physical_description text,
    holding_institution text,
    call_number text,
    rights text,
    description_vi text,
    description_en text,
    {_search("title_vi", "title_en", "creator", "call_number", "holding_institution")},
    {_review_columns()}
);
CREATE INDEX documents_search_idx ON documents USING gin (search_text gin_trgm_ops);
CREATE VIEW public_documents AS SELECT * FROM documents WHERE publication_status = 'published';

-- links between any two records (shown both ways) ------------------------------------------------------
CREATE TABLE record_links (
    id bigserial PRIMARY KEY,
    from_kind text NOT NULL,
    from_id text NOT NULL,
    to_kind text NOT NULL,
    to_id text NOT NULL,
    relation text NOT NULL DEFAULT 'related',
    note text,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((from_kind, from_id) <> (to_kind, to_id)),
    UNIQUE (from_kind, from_id, to_kind, to_id, relation)
);
CREATE INDEX record_links_to_idx ON record_links (to_kind, to_id);
"""

DOWNGRADE = """
DROP TABLE record_links;
DROP VIEW public_documents, public_artisans, public_craft_villages, public_festivals,
          public_intangible_elements, public_artefacts;
DROP TABLE documents, artisans, craft_villages, festivals, artefacts, museums, record_versions;
ALTER TABLE intangible_elements DROP COLUMN description_vi, DROP COLUMN description_en, DROP COLUMN community_vi,
    DROP COLUMN publication_status, DROP COLUMN review_note, DROP COLUMN created_by, DROP COLUMN created_at,
    DROP COLUMN updated_at, DROP COLUMN search_text;
ALTER TABLE scans DROP COLUMN review_status, DROP COLUMN review_note, DROP COLUMN reviewed_by,
    DROP COLUMN reviewed_at;
ALTER TABLE survey_batches DROP COLUMN review_status, DROP COLUMN proposed_position, DROP COLUMN review_note,
    DROP COLUMN reviewed_by, DROP COLUMN reviewed_at;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
    # the relics' story columns and the views over them go back to 0007's shape
    op.execute("""
DROP VIEW public_sites; DROP VIEW sites_generalised;
ALTER TABLE sites DROP COLUMN review_note, DROP COLUMN created_by, DROP COLUMN description_vi,
    DROP COLUMN description_en, DROP COLUMN history_vi, DROP COLUMN history_en, DROP COLUMN significance_vi,
    DROP COLUMN significance_en,
    DROP COLUMN visiting_vi, DROP COLUMN visiting_en, DROP COLUMN narration_vi, DROP COLUMN story_sources;
""")
    from importlib import import_module

    import_module("mapserver.migrations.versions.0007_public_sites").upgrade()
