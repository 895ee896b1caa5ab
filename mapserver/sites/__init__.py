"""Relics (di tích): search and detail queries, the public rule, editing with history and audit,
the JSON API, the relic pages and positions in VN-2000."""
