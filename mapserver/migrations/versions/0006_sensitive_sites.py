"""Sensitive relics (e.g. unexcavated archaeological sites): the public sees a generalised point.

`public_geom` is what every public query filters on and returns: the true point, or for a
sensitive relic the point snapped to a 0.01° grid (about 1.1 km). Filtering on the generalised
point too is what keeps a narrow bbox or radius search from revealing the true one.

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GRID_DEG = 0.01


def upgrade() -> None:
    op.execute(f"""
ALTER TABLE sites ADD COLUMN sensitive boolean NOT NULL DEFAULT false;
ALTER TABLE sites ADD COLUMN public_geom geometry(Point, 4326) GENERATED ALWAYS AS
    (CASE WHEN sensitive THEN ST_SnapToGrid(geom, {GRID_DEG}) ELSE geom END) STORED;
CREATE INDEX sites_public_geom_idx ON sites USING gist (public_geom);
CREATE INDEX sites_public_geog_idx ON sites USING gist ((public_geom::geography));
""")


def downgrade() -> None:
    op.execute("ALTER TABLE sites DROP COLUMN public_geom, DROP COLUMN sensitive")
