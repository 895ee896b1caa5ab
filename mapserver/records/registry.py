"""Every kind of record the shared machinery serves (workflow, versions, links, search)."""

from __future__ import annotations

from functools import cache

from .kinds import Kind


@cache
def all_kinds() -> tuple[Kind, ...]:
    # Imported here: each package's kind module imports records.kinds, not this registry.
    from ..artefacts.kind import ARTEFACT
    from ..artisans.kind import ARTISAN
    from ..craft_villages.kind import CRAFT_VILLAGE
    from ..documents.kind import DOCUMENT
    from ..festivals.kind import FESTIVAL
    from ..intangible.kind import ELEMENT
    from ..lessons.kind import LESSON
    from ..sites.kind import SITE
    from ..tours.kind import TOUR

    return (SITE, ARTEFACT, ELEMENT, FESTIVAL, ARTISAN, CRAFT_VILLAGE, DOCUMENT, TOUR, LESSON)


def kind_named(name: str) -> Kind | None:
    return next((k for k in all_kinds() if k.name == name), None)
