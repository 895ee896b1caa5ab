"""What the public may see, stated once.

* Relics: the `public_sites` view (migration 0007): published only, sensitive positions generalised
  to a ~1 km grid with their accuracy said to be ≥ 1000 m, no true position, no footprint.
* 3D scans: finished ones of public relics whose location is not sensitive (a scan would show where
  a sensitive relic really is).
Staff reads (editors, surveyors) use the tables themselves.
"""

from __future__ import annotations

PUBLIC_SITES = "public_sites"
PUBLISHED = "published"


def scans_public(site_alias: str) -> str:
    """SQL condition on a public_sites row under ``site_alias``: may its scans be shown?"""
    return f"NOT {site_alias}.sensitive"
