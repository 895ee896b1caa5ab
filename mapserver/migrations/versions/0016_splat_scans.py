"""Gaussian-splat scans (3DGS photogrammetry, tiled with KHR_gaussian_splatting) are a kind of
scan of their own beside point clouds and meshes.

Revision ID: 0016
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE scans DROP CONSTRAINT scans_kind_check;
ALTER TABLE scans ADD CONSTRAINT scans_kind_check CHECK (kind IN ('pointcloud', 'mesh', 'splat'));
""")


def downgrade() -> None:
    op.execute("""
UPDATE scans SET kind = 'pointcloud' WHERE kind = 'splat';
ALTER TABLE scans DROP CONSTRAINT scans_kind_check;
ALTER TABLE scans ADD CONSTRAINT scans_kind_check CHECK (kind IN ('pointcloud', 'mesh'));
""")
