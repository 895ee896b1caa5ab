"""SQL of raster layers (DEMs, orthophotos), their job states, and of the basemap builds."""

from __future__ import annotations

LAYER_JSON = """json_build_object(
    'id', r.id, 'kind', r.kind, 'label', r.label, 'file_name', r.file_name, 'file_size', r.file_size,
    'crs', 'EPSG:' || r.crs_epsg, 'heights', r.height_system, 'status', r.status,
    'progress', round(r.progress::numeric, 3), 'stage', r.stage, 'error', r.error, 'attempts', r.attempts,
    'stats', r.stats, 'tiles_version', r.tiles_version, 'retired', r.retired,
    'created_by', r.created_by, 'created_at', r.created_at, 'updated_at', r.updated_at)"""

INSERT = """
INSERT INTO raster_layers (kind, label, file_name, file_key, file_sha256, file_size, crs_epsg, height_system,
                           created_by)
VALUES (%s, %s, %s, '', %s, %s, %s, %s, %s) RETURNING id
"""
SET_FILE_KEY = "UPDATE raster_layers SET file_key = %s WHERE id = %s"
ALL = f"SELECT coalesce(json_agg({LAYER_JSON} ORDER BY r.id DESC), '[]')::text FROM raster_layers r"
ONE = f"SELECT {LAYER_JSON}::text FROM raster_layers r WHERE r.id = %s"
STATUS = (
    "SELECT kind, status, round(progress::numeric * 100), stage, error, tiles_version FROM raster_layers WHERE id = %s"
)
LISTING = "SELECT id, kind, status, coalesce(label, file_name), tiles_version FROM raster_layers ORDER BY id"
JOB_INPUT = "SELECT kind, file_key, file_name, crs_epsg, height_system, label FROM raster_layers WHERE id = %s"
# The DEMs a terrain build merges: every one not failed nor retired whose original is stored, up to
# and including the job's own (a DEM added later gets its own, newer build).
DEMS_FOR_BUILD = """
SELECT id, file_key, crs_epsg, height_system, coalesce(label, file_name)
FROM raster_layers
WHERE kind = 'terrain' AND NOT retired AND status <> 'failed' AND id <= %s AND file_key <> ''
ORDER BY id
"""

# -- transitions (as for scans) ------------------------------------------------------------------------------
RUNNING = (
    "UPDATE raster_layers SET status = 'running', progress = 0, stage = 'starting', error = NULL, "
    "attempts = %s, updated_at = now() WHERE id = %s"
)
PROGRESS = "UPDATE raster_layers SET progress = %s, stage = %s, updated_at = now() WHERE id = %s"
DONE = (
    "UPDATE raster_layers SET status = 'done', progress = 1, stage = 'published', stats = %s, "
    "tiles_version = %s, updated_at = now() WHERE id = %s"
)
FAILED = "UPDATE raster_layers SET status = 'failed', stage = 'failed', error = %s, updated_at = now() WHERE id = %s"
QUEUED_AGAIN = (
    "UPDATE raster_layers SET status = 'queued', stage = 'retrying after a worker stopped', "
    "updated_at = now() WHERE id = %s AND status = 'running'"
)
MAX_REASON_CHARS = 2000

# -- what the viewer is given ---------------------------------------------------------------------------------
# The current terrain: the newest done DEM build (it merged every DEM before it), and the one before
# (kept for caches and open viewers).
TERRAIN_VERSIONS = """
SELECT id, stats FROM raster_layers
WHERE kind = 'terrain' AND status = 'done' AND NOT retired AND tiles_version IS NOT NULL
ORDER BY id DESC LIMIT 2
"""
IMAGERY_LAYERS = """
SELECT id, coalesce(label, file_name), tiles_version, stats FROM raster_layers
WHERE kind = 'imagery' AND status = 'done' AND NOT retired AND tiles_version IS NOT NULL
ORDER BY (stats->'source'->>'resolution_m')::float DESC NULLS FIRST, id
"""
IMAGERY_PUBLIC = """
SELECT 1 FROM raster_layers
WHERE id = %s AND kind = 'imagery' AND status = 'done' AND NOT retired AND tiles_version = %s
"""
OLD_TERRAIN_BUILDS = """
SELECT id FROM raster_layers WHERE kind = 'terrain' AND tiles_version IS NOT NULL AND id < %s ORDER BY id
"""

# -- basemap -----------------------------------------------------------------------------------------------
BASEMAP_CURRENT = "SELECT version, manifest FROM basemaps ORDER BY created_at DESC, version DESC LIMIT 1"
BASEMAP_EXISTS = "SELECT 1 FROM basemaps WHERE version = %s"
BASEMAP_INSERT = "INSERT INTO basemaps (version, manifest) VALUES (%s, %s) ON CONFLICT (version) DO NOTHING"


def failed(layer_id: int, reason: str) -> tuple[str, tuple]:
    return FAILED, (reason[:MAX_REASON_CHARS], layer_id)
