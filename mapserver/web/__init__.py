"""The shared web layer: dependencies from app state, one Jinja environment and security headers,
content negotiation, uploads, body limits and compression. No SQL and no record-specific rules."""
