"""What the public may see, stated once.

* Relics: the `public_sites` view (migration 0007): published only, sensitive positions generalised
  to a ~1 km grid with their accuracy said to be ≥ 1000 m, no true position, no footprint.
* 3D scans: finished ones, approved by an editor, of public relics whose location is not sensitive
  (a scan would show where a sensitive relic really is).
* Protection zones: those of public relics that are not sensitive (a zone is drawn around the true
  position, so it would undo the generalisation).
* Every other kind of record: its `public_<table>` view (migration 0008): published only, and for
  artisans only with recorded consent.
Staff reads (editors, surveyors) use the tables themselves.
"""

from __future__ import annotations

PUBLIC_SITES = "public_sites"
PUBLISHED = "published"


def scans_public(site_alias: str) -> str:
    """SQL condition on a public_sites row under ``site_alias``: may its scans be shown?"""
    return f"NOT {site_alias}.sensitive"


def scan_public(scan_alias: str, site_alias: str) -> str:
    """SQL condition on a scan and its public_sites row: may the public see this scan?"""
    return (
        f"{scan_alias}.status = 'done' AND {scan_alias}.review_status = 'published' "
        f"AND {site_alias}.id IS NOT NULL AND {scans_public(site_alias)}"
    )


# The protection zones the public may see, as a FROM clause (z: the zone, s: its public relic).
PUBLIC_ZONES = f"protection_zones z JOIN {PUBLIC_SITES} s ON s.id = z.site_id AND NOT s.sensitive"

# Every change of which stored files the public may fetch (a scan approved or withdrawn, a new tileset
# version, a media derivative published or withdrawn) is announced on this channel in the transaction
# that makes it; the payload names the kind ('tiles', …). The nginx front (mapserver.front) listens
# and relinks its published directory at once; changes of a relic's own publication or sensitivity
# reach it through its periodic resync (about a second).
PUBLIC_FILES_CHANNEL = "heritage_public_files"
ANNOUNCE_PUBLIC_FILES = f"SELECT pg_notify('{PUBLIC_FILES_CHANNEL}', %s)"
