"""GNSS survey batches and points.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE survey_batches (
    id bigserial PRIMARY KEY,
    site_id text NOT NULL REFERENCES sites(id),
    uploaded_by text NOT NULL,
    crs_epsg integer NOT NULL,
    height_system text CHECK (height_system IN ('normal', 'ellipsoidal')),
    axis_order text,
    file_name text NOT NULL,
    file_sha256 text NOT NULL,
    file_size bigint NOT NULL,
    file_key text NOT NULL,
    point_count integer NOT NULL,
    skipped_rows integer NOT NULL DEFAULT 0,
    errors jsonb NOT NULL DEFAULT '[]',
    position_set text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX survey_batches_site_idx ON survey_batches (site_id);

-- Coordinates as received (orig_*, in crs_epsg of the batch) and derived, with the height system
-- of each number in its name: h_ellipsoidal is WGS 84 ellipsoidal, h_normal is VN-2000 (Hòn Dấu).
CREATE TABLE survey_points (
    batch_id bigint NOT NULL REFERENCES survey_batches(id) ON DELETE CASCADE,
    row_number integer NOT NULL,
    point_id text NOT NULL,
    code text,
    orig_x double precision NOT NULL,
    orig_y double precision NOT NULL,
    orig_z double precision,
    lon double precision NOT NULL,
    lat double precision NOT NULL,
    h_ellipsoidal double precision,
    e_vn2000 double precision NOT NULL,
    n_vn2000 double precision NOT NULL,
    h_normal double precision,
    accuracy_m double precision,
    observed_at timestamptz,
    PRIMARY KEY (batch_id, row_number)
);
-- Batches of a million points are written with COPY: one append-only integer key, no geometry
-- column and no GiST index (each would cost seconds per million rows). Point ids are checked
-- unique per batch before the COPY; geometry is made from lon/lat when read.
""")


def downgrade() -> None:
    op.execute("DROP TABLE survey_points, survey_batches")
