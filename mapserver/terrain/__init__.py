"""Terrain, orthophoto imagery and the offline basemap: rasters the office adds (``heritage terrain
add`` / ``heritage imagery add`` / the admin API), their build jobs (tiling.terrain does the work),
``GET /api/terrain`` for the viewer and the tile routes (/terrain, /imagery, /basemap) served by the
3D tiles' file server."""
