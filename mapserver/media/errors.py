"""The domain errors of media, raised by code that knows nothing of HTTP (mapped in mapserver.errors)."""

from __future__ import annotations


class MediaRejected(ValueError):
    """The content cannot be used (corrupt, truncated, undecodable, wrong shape); the message is
    safe to show to the uploader."""


class UnsupportedMedia(MediaRejected):
    """The bytes are not one of the media formats the product takes (a 415)."""


class MediaTooLarge(MediaRejected):
    """The upload is larger than the media size limit (a 413)."""
