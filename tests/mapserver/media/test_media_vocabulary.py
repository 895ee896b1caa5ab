"""The media migration agrees with the vocabulary and the registry of kinds (it freezes both)."""

from __future__ import annotations

from importlib import import_module

from mapserver.records.registry import kind_named
from mapserver.vocabulary import LICENCE_URLS, LICENCES, MEDIA_STATES, MEDIA_TYPES, PUBLICATION_STATUSES, as_json

MIGRATION = import_module("mapserver.migrations.versions.0010_media")


def test_migration_codes_are_the_vocabulary():
    assert MIGRATION.LICENCES == LICENCES and set(LICENCE_URLS) == set(LICENCES)
    assert MIGRATION.MEDIA_TYPES == MEDIA_TYPES
    assert MIGRATION.STATES == MEDIA_STATES
    assert MIGRATION.STATUSES == PUBLICATION_STATUSES
    assert [t["code"] for t in as_json()["licence"]] == list(LICENCES)


def test_every_kind_the_public_rule_knows_is_registered_with_that_view():
    for name, (view, numeric) in MIGRATION.KIND_VIEWS.items():
        kind = kind_named(name)
        assert kind is not None, name
        assert kind.public_view == view and (kind.id_type == "int") == numeric, name
