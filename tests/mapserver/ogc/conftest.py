"""The seeded relics and zones of the OGC tests (tests.mapserver.seeded)."""

from tests.mapserver.seeded import api, surveyor_token  # noqa: F401
