"""Laser scans: registering an upload (original kept in the store), queueing its tiling job, and
the job body that tiles, validates and publishes a new tileset version atomically."""
