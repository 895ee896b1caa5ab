"""Importers of tabular data (CSV, GeoJSON, XLSX) into the registry: read, validate, then write
atomically. Readers are shared by every importer; each importer owns its own column rules."""
