"""Geometry in and out: CRS parameters (OGC URIs, EPSG codes) and geometry conversion through crs/,
and features written as CSV or GeoPackage files. No HTTP and no SQL."""
