"""360° virtual tours (issue 11).

* `tours`: a kind of record (records/kinds.py) with the review workflow and versions like the others:
  bilingual title and description, an optional museum or relic, `is_sample` for generated tours.
* `graph`: the rooms of the tour as one JSON object, validated by tours.service before it is written
  (``{"start": node id, "nodes": [{id, media_id, name_vi, name_en, caption_vi, caption_en,
  links: [{to, yaw, pitch}], hotspots: [{record: "type:id", yaw, pitch, label_vi, label_en}]}]}``,
  angles in degrees). Kept in the row, not a table of its own, so each version snapshot holds the
  whole tour and a restore brings its rooms back too.
* `public_tours`: published tours only (the public rule of the kind).
* `heritage_record_public` (0010) gains its `tour` branch, so a tour's panoramas (media items of
  record type `tour`) are public exactly when the tour and the item are published.

Revision ID: 0011
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE tours (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
    title_vi text NOT NULL CHECK (length(btrim(title_vi)) > 0),
    title_en text,
    description_vi text,
    description_en text,
    museum_id text REFERENCES museums(id),
    site_id text REFERENCES sites(id),
    is_sample boolean NOT NULL DEFAULT false,
    graph jsonb NOT NULL DEFAULT '{"start": null, "nodes": []}'
        CHECK (jsonb_typeof(graph) = 'object' AND jsonb_typeof(graph -> 'nodes') = 'array'),
    search_text text GENERATED ALWAYS AS (
        heritage_fold(coalesce(title_vi, '') || ' ' || coalesce(title_en, '') || ' ' || id)) STORED,
    publication_status text NOT NULL DEFAULT 'draft'
        CHECK (publication_status IN ('draft', 'in_review', 'published', 'withdrawn')),
    review_note text,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tours_museum_idx ON tours (museum_id);
CREATE INDEX tours_site_idx ON tours (site_id);
CREATE INDEX tours_search_idx ON tours USING gin (search_text gin_trgm_ops);
CREATE VIEW public_tours AS SELECT * FROM tours WHERE publication_status = 'published';
"""

DOWNGRADE = """
DROP VIEW IF EXISTS public_tours;
DROP TABLE IF EXISTS tours;
"""

# record_type → (public view, id is a bigint): 0010's list, frozen here (a migration is history).
KIND_VIEWS_0010 = {
    "site": ("public_sites", False),
    "artefact": ("public_artefacts", True),
    "intangible": ("public_intangible_elements", False),
    "festival": ("public_festivals", False),
    "artisan": ("public_artisans", True),
    "craft_village": ("public_craft_villages", False),
    "document": ("public_documents", True),
}
KIND_VIEWS = {**KIND_VIEWS_0010, "tour": ("public_tours", False)}


def record_public_function(kind_views: dict[str, tuple[str, bool]]) -> str:
    """May the public see this record? One CASE branch per kind over its public view."""
    cases = []
    for kind, (view, numeric) in kind_views.items():
        exists = f"EXISTS (SELECT 1 FROM {view} p WHERE p.id = {'rid::bigint' if numeric else 'rid'})"
        if numeric:  # the CASE guards the cast: it is never tried on other text
            exists = f"CASE WHEN rid ~ '^[0-9]{{1,18}}$' THEN {exists} ELSE false END"
        cases.append(f"WHEN '{kind}' THEN {exists}")
    body = "\n        ".join(cases)
    return f"""
CREATE OR REPLACE FUNCTION heritage_record_public(kind text, rid text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE kind
        {body}
        ELSE false END
$$;"""


def upgrade() -> None:
    op.execute(UPGRADE)
    op.execute(record_public_function(KIND_VIEWS))


def downgrade() -> None:
    # Back to 0010's function first: it must not refer to public_tours when that view goes.
    op.execute(record_public_function(KIND_VIEWS_0010))
    op.execute(DOWNGRADE)
