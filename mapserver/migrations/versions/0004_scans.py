"""Laser scans and their published tilesets.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE scans (
    id bigserial PRIMARY KEY,
    site_id text NOT NULL REFERENCES sites(id),
    label text,
    sample boolean NOT NULL DEFAULT false,
    kind text CHECK (kind IN ('pointcloud', 'mesh')),
    file_name text NOT NULL,
    file_key text NOT NULL,
    file_sha256 text NOT NULL,
    file_size bigint NOT NULL,
    crs_epsg integer,
    height_system text NOT NULL CHECK (height_system IN ('normal', 'ellipsoidal')),
    anchor_e double precision,
    anchor_n double precision,
    anchor_h double precision,
    heading_deg double precision NOT NULL DEFAULT 0,
    compress boolean NOT NULL DEFAULT true,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    progress real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    stage text,
    error text,
    attempts integer NOT NULL DEFAULT 0,
    stats jsonb,
    -- Published output lives under tiles/<id>/v<version>/; a new version is switched in atomically.
    tileset_version integer,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((anchor_e IS NULL) = (anchor_n IS NULL) AND (anchor_e IS NULL) = (anchor_h IS NULL))
);
CREATE INDEX scans_site_idx ON scans (site_id);
""")


def downgrade() -> None:
    op.execute("DROP TABLE scans")
