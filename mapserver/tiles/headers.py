"""What a published file answers with, stated once for the app's /tiles route and for the nginx
front (mapserver.front renders its `types` and `add_header` lines from these)."""

from __future__ import annotations

MEDIA_TYPES = {
    ".json": "application/json",
    ".glb": "model/gltf-binary",
    ".gltf": "model/gltf+json",
    ".pnts": "application/octet-stream",
    ".b3dm": "application/octet-stream",
    ".i3dm": "application/octet-stream",
    ".cmpt": "application/octet-stream",
    ".subtree": "application/octet-stream",
    ".bin": "application/octet-stream",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ktx2": "image/ktx2",
    # media derivatives (media.delivery) served by the same code and the same nginx front
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt",
    # Cesium quantized-mesh terrain tiles, stored gzipped (terrain.routes and the front add the encoding)
    ".terrain": "application/vnd.quantized-mesh",
}
# Files stored compressed: sent as they are with this Content-Encoding.
PRECOMPRESSED = {".terrain": "gzip"}
DEFAULT_MEDIA_TYPE = "application/octet-stream"
# Types worth compressing on the way out (binary tiles are compressed already or gain little).
COMPRESSIBLE = ("application/json", "model/gltf+json")

# Content under a version never changes (a re-tiled scan gets a new version): cache it for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
# CesiumJS on another origin may fetch tiles and read these headers.
CORS_ORIGIN = "*"
CORS_EXPOSE = "ETag, Content-Length, Content-Range"


def media_type(path: str) -> str:
    dot = path.rfind(".")
    return MEDIA_TYPES.get(path[dot:].lower(), DEFAULT_MEDIA_TYPE) if dot >= 0 else DEFAULT_MEDIA_TYPE
