"""Planner tools: the impact of a project footprint on relics and protection zones (JSON, CSV,
GeoPackage, printable HTML with an SVG map)."""
