"""Digitization progress against the plan's targets: /api/stats and the /progress page."""
