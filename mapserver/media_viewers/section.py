"""The media section of a record page (relic, artefact, festival, document …): what the record's
published media are, which viewer each needs, and the page's Content-Security-Policy.

* images: deep zoom in Mirador when there are two or more (side by side, with the record's IIIF
  manifest), OpenSeadragon on the image's info.json for one; a responsive thumbnail from the IIIF
  sizes either way, which is also what a browser without JavaScript shows (linked to the image);
* video and audio: the browser's own players (poster, WebVTT subtitles), no script needed;
* 3D models: model-viewer, its decoders set to our own copies; a download link without script;
* panoramas and tours: links to the tour viewer.
A page without scripted media allows only same-origin scripts (web.security.READER_CSP: the
offline service worker's registration).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool

from ..media import service as media
from ..tours.service import tours_for_record
from ..web.security import READER_CSP, media_csp
from .vendor import vendor_url

SCRIPT = "/static/media.js"
SCRIPTED = ("image", "model")  # the media types whose viewer needs JavaScript


@dataclass
class MediaSection:
    items: list[dict[str, Any]] = field(default_factory=list)
    tours: list[dict[str, Any]] = field(default_factory=list)
    manifest: str | None = None

    def of_type(self, media_type: str) -> list[dict[str, Any]]:
        return [i for i in self.items if i["media_type"] == media_type]

    @property
    def images(self) -> list[dict[str, Any]]:
        return self.of_type("image")

    @property
    def deep_zoom(self) -> str | None:
        """'mirador' (compare two or more images), 'openseadragon' (one) or None."""
        count = len(self.images)
        if count >= 2 and self.manifest:
            return "mirador"
        return "openseadragon" if count else None

    @property
    def scripted(self) -> bool:
        return any(i["media_type"] in SCRIPTED for i in self.items)

    @property
    def empty(self) -> bool:
        return not self.items and not self.tours

    @property
    def csp(self) -> str:
        if not self.scripted:
            return READER_CSP  # only the offline registration script (portal/offline.js) runs
        return media_csp(decoders=bool(self.of_type("model")))

    def libraries(self) -> dict[str, str | None]:
        """The URLs media.js loads from (data attributes of the section)."""
        return {
            "script": SCRIPT,
            "openseadragon": vendor_url("openseadragon", "openseadragon.min.js"),
            "openseadragon-images": vendor_url("openseadragon", "images/"),
            "mirador": vendor_url("mirador", "mirador.min.js"),
            "model-viewer": vendor_url("model-viewer", "model-viewer.min.js"),
            "draco": vendor_url("draco"),
            "basis": vendor_url("basis"),
        }


def srcset(item: dict[str, Any], limit: int = 1600) -> str:
    """The image's pre-rendered IIIF sizes up to ``limit`` px wide, as an HTML srcset."""
    base = item.get("iiif_base")
    sizes = [s for s in item.get("sizes") or [] if s[0] <= limit]
    if not base or not sizes:
        return ""
    return ", ".join(f"{base}/full/{w},{h}/0/default.jpg {w}w" for w, h in sizes)


async def media_section(pool: AsyncConnectionPool, record_type: str, record_id: str | int) -> MediaSection:
    """The published media of a public record, and the published tours that show it. Public pages
    are cached for everyone, so they never show a staff member's drafts."""
    items = await media.media_for_record(pool, record_type, record_id)
    tours = await tours_for_record(pool, record_type, str(record_id))
    manifest = None
    for item in items:
        if item["media_type"] == "image":
            item["srcset"] = srcset(item)
            manifest = item.get("manifest") or f"/iiif/manifests/{record_type}/{record_id}.json"
    return MediaSection(items=items, tours=tours, manifest=manifest)
