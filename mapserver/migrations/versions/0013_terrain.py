"""Terrain and imagery layers (issue 14): the rasters the office adds (DEMs, orthophotos), their
build jobs, and the basemap made at set-up.

* ``raster_layers``: one uploaded GeoTIFF each, kind 'terrain' (a DEM, with its height system) or
  'imagery' (an orthophoto); the job's state machine (queued → running → done/failed) as for scans.
  A terrain job builds the merged terrain of every usable DEM into ``terrain/v<id>/``; the public
  terrain is that of the newest done DEM (which merged every DEM added before it). An imagery job
  writes ``imagery/<id>/v1/``. ``retired`` takes a layer off the map without deleting it.
* ``basemaps``: each basemap build (``basemap/<version>/``) with its manifest; the newest one is used.

Revision ID: 0013
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE raster_layers (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('terrain', 'imagery')),
    label text,
    file_name text NOT NULL,
    file_key text NOT NULL,
    file_sha256 text NOT NULL,
    file_size bigint NOT NULL,
    crs_epsg integer,
    height_system text CHECK (height_system IN ('normal', 'ellipsoidal')),
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    progress real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    stage text,
    error text,
    attempts integer NOT NULL DEFAULT 0,
    -- the source as read (CRS, WGS 84 bounds, resolution) and what the build produced
    stats jsonb,
    -- published output version (terrain: the build's id; imagery: 1), set when done
    tiles_version integer,
    retired boolean NOT NULL DEFAULT false,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'terrain') = (height_system IS NOT NULL))
);
CREATE INDEX raster_layers_kind_idx ON raster_layers (kind, status);

CREATE TABLE basemaps (
    version text PRIMARY KEY,
    manifest jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
""")


def downgrade() -> None:
    op.execute("DROP TABLE basemaps; DROP TABLE raster_layers")
