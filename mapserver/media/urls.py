"""The public URLs of a media item's derivatives, written once (API answers, pages, manifests).

Everything under a version is immutable: /iiif/3/{id}/v{n}/… (IIIF image service) and
/media/{id}/v{n}/{file} (clips, sound, models, panoramas, posters). Store keys mirror them under
media/{id}/v{n}/ (the IIIF tree in its iiif/ folder); originals live under media-originals/, which
nothing serves.
"""

from __future__ import annotations

from typing import Any

from ..store import safe_name
from .iiif_image import size_path

THUMBNAIL_MIN_WIDTH = 200
FILES = {
    "video": {"video": "video.mp4", "poster": "poster.jpg", "subtitles": "subtitles.vtt"},
    "audio": {"audio": "audio.m4a"},
    "model": {"model": "model.glb", "poster": "poster.jpg"},
    "panorama": {"panorama": "panorama.jpg", "thumbnail": "thumb.jpg"},
}


def original_key(media_id: int, file_name: str) -> str:
    return f"media-originals/{media_id}/{safe_name(file_name)}"


def originals_prefix(media_id: int) -> str:
    return f"media-originals/{media_id}"


def version_prefix(media_id: int, version: int) -> str:
    return f"media/{media_id}/v{version}"


def iiif_base(media_id: int, version: int) -> str:
    """The IIIF image service id, relative to the site root."""
    return f"/iiif/3/{media_id}/v{version}"


def file_url(media_id: int, version: int, name: str) -> str:
    return f"/media/{media_id}/v{version}/{name}"


def thumbnail_size(sizes: list[list[int]]) -> tuple[int, int] | None:
    """The smallest pre-rendered size at least 200 px wide (else the largest one)."""
    if not sizes:
        return None
    wide = [tuple(s) for s in sizes if s[0] >= THUMBNAIL_MIN_WIDTH]
    return min(wide) if wide else tuple(max(sizes))


def item_urls(item: dict[str, Any], base: str = "") -> dict[str, str | None]:
    """The URLs a viewer needs for one item (none before its first version is published)."""
    media_id, version, facts = item["id"], item["version"], item.get("facts") or {}
    if not version:
        return {"thumbnail": None}
    if item["media_type"] == "image":
        service = base + iiif_base(media_id, version)
        sizes = facts.get("sizes") or []
        thumb = thumbnail_size(sizes)
        largest = tuple(max(sizes)) if sizes else None
        return {
            "iiif_base": service,
            "sizes": [list(s) for s in sorted(sizes)],
            "info_json": f"{service}/info.json",
            "thumbnail": f"{service}/{size_path(*thumb)}" if thumb else None,
            "full": f"{service}/{size_path(*largest)}" if largest else None,
        }
    written = set(facts.get("files") or ())
    out: dict[str, str | None] = {"thumbnail": None}
    for role, name in FILES[item["media_type"]].items():
        out[role] = base + file_url(media_id, version, name) if name in written else None
    if out.get("poster") and not out.get("thumbnail"):
        out["thumbnail"] = out["poster"]
    return out
