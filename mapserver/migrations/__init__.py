"""Alembic migrations of the heritage schema (raw SQL: PostGIS types and functions are explicit)."""
