"""Terrain, orthophoto and basemap tiles for CesiumJS (pure Python, no web code).

* ``grid``: the geographic tiling scheme Cesium's CesiumTerrainProvider expects (EPSG:4326 TMS, two
  root tiles, y = 0 in the south) and the levels a raster's resolution calls for.
* ``raster``: a GeoTIFF/COG read through rasterio, sampled at WGS 84 lon/lat; every datum and height
  step goes through ``crs/`` (VN-2000 pinned to EPSG:6960, normal heights + EGM96 N).
* ``quantized``: one tile's mesh (pydelatin) and its quantized-mesh-1.0 bytes, with oct-encoded
  vertex normals and a water mask.
* ``build``: several DEMs → one terrain tileset (layer.json + gzipped .terrain tiles); the finest
  DEM wins, nodata falls back to the next coarser DEM, then to the ellipsoid.
* ``imagery``: an orthophoto → geographic TMS PNG tiles.
* ``gshhg`` / ``basemap``: GSHHG full-resolution shorelines (Debian gmt-gshhg-full) and the province
  outline rendered as light vector-style imagery tiles for the offline basemap.

Nothing here imports ``mapserver``; the map server's jobs call ``build_terrain``, ``build_imagery``
and ``build_basemap``.
"""
