"""The public rule as one view: `public_sites` is what the public may see of the relics.

Only published relics; `geom` is the public point (for a sensitive relic snapped to the 0.01° grid
of migration 0006, so filters and answers both use it) and `location_accuracy_m` says ≥ 1000 m for
those. The true position and the footprint are not in the view. Every public read (JSON API, OGC
API Features, pages, exports, impact reports, statistics, tiles) selects from it.
`sites_generalised` has the same shape for every relic (what an editor's answer shows). Simple
views: PostgreSQL expands them into each query, so the indexes on sites.public_geom serve them.

Revision ID: 0007
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

GENERALISED_ACCURACY_M = 1000


def upgrade() -> None:
    op.execute(f"""
CREATE VIEW sites_generalised AS
SELECT id, name_vi, name_en, rank, category, decision_no, decision_date, decision_issuer, admin_unit_ids,
       address_vi, public_geom AS geom, location_status, location_source,
       CASE WHEN sensitive THEN greatest(coalesce(location_accuracy_m, 0), {GENERALISED_ACCURACY_M})
            ELSE location_accuracy_m END AS location_accuracy_m,
       sensitive, publication_status, sources, notes, search_text, created_at, updated_at
FROM sites;
CREATE VIEW public_sites AS SELECT * FROM sites_generalised WHERE publication_status = 'published';
""")


def downgrade() -> None:
    op.execute("DROP VIEW public_sites; DROP VIEW sites_generalised")
