"""Service endpoints that belong to no kind of record: /healthz and /api/vocabulary."""
