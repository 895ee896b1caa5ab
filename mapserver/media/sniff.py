"""What an uploaded file is, from its bytes (magic numbers and structure), never from its name.

A file name or a browser's Content-Type is whatever the uploader says; the bytes decide which
converter may open the file. Anything not recognised here is refused (UnsupportedMedia, a 415)
before it reaches libvips, ffmpeg or a mesh reader.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..web.uploads import ArchiveLimits, ArchiveRejected, open_archive
from .errors import MediaRejected, UnsupportedMedia

HEAD_BYTES = 64 * 1024
# A zipped OBJ with its textures, or a small 3D Tiles set: generous, but never a ZIP bomb.
ZIP_LIMITS = ArchiveLimits(members=20_000, unpacked_bytes=4 * 1024**3, ratio=200)
OBJ_KEYWORDS = {
    b"v", b"vt", b"vn", b"vp", b"f", b"l", b"p", b"o", b"g", b"s", b"usemtl", b"mtllib", b"#", b"cstype", b"deg",
    b"curv", b"surf", b"parm", b"end", b"mg",
}  # fmt: skip
ACCEPTED = (
    "JPEG, PNG, TIFF/BigTIFF images; MP4, MOV, WebM, MKV video; MP3, WAV, OGG, FLAC, M4A sound; "
    "GLB, PLY, STL, OBJ 3D models; a ZIP of an OBJ with its MTL and textures, or of a 3D Tiles set"
)


@dataclass(frozen=True)
class Sniffed:
    media_type: str  # image, video, audio, model (a panorama is an image the uploader calls one)
    # jpeg, png, tiff, bigtiff; mp4, mov, webm, mkv; mp3, wav, ogg, flac, m4a; glb, ply, stl, obj, obj-zip, 3dtiles-zip
    format: str
    mime: str


def sniff(path: Path) -> Sniffed:
    """The kind of media in ``path``; raises UnsupportedMedia for anything else."""
    size = path.stat().st_size
    if size == 0:
        raise MediaRejected("The file is empty.")
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    found = _by_magic(head) or _stl_binary(head, size) or _by_text(head)
    if found is None and head.startswith(b"PK\x03\x04"):
        found = _zip(path)
    if found is None:
        raise UnsupportedMedia(f"The file is not a media type the registry takes. Accepted: {ACCEPTED}.")
    return found


def _by_magic(head: bytes) -> Sniffed | None:
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "jpeg", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "png", "image/png")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("image", "tiff", "image/tiff")
    if head[:4] in (b"II+\x00", b"MM\x00+"):
        return Sniffed("image", "bigtiff", "image/tiff")
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip") and _box_size_ok(head):
        return Sniffed("video", "mov", "video/quicktime")  # old QuickTime files have no ftyp box
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _matroska(head)
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return Sniffed("audio", "wav", "audio/wav")
    if head.startswith(b"OggS"):
        video = b"\x80theora" in head[:4096]
        return Sniffed("video" if video else "audio", "ogg", "video/ogg" if video else "audio/ogg")
    if head.startswith(b"fLaC"):
        return Sniffed("audio", "flac", "audio/flac")
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return Sniffed("audio", "mp3", "audio/mpeg")
    if head.startswith(b"glTF") and len(head) >= 12 and struct.unpack_from("<I", head, 4)[0] == 2:
        return Sniffed("model", "glb", "model/gltf-binary")
    if head.startswith((b"ply\n", b"ply\r\n")):
        return Sniffed("model", "ply", "application/x-ply")
    return None


AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ", b"F4A ")


def _iso_media(head: bytes) -> Sniffed:
    brand = head[8:12]
    if brand in AUDIO_BRANDS:
        return Sniffed("audio", "m4a", "audio/mp4")
    if brand == b"qt  ":
        return Sniffed("video", "mov", "video/quicktime")
    if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"crx "):
        raise UnsupportedMedia("HEIC/AVIF/raw camera images are not taken: export the photo as JPEG or TIFF.")
    return Sniffed("video", "mp4", "video/mp4")


def _box_size_ok(head: bytes) -> bool:
    size = struct.unpack_from(">I", head, 0)[0]
    return size in (0, 1) or size >= 8


def _matroska(head: bytes) -> Sniffed:
    # The EBML header names its DocType near the start: "webm" or "matroska".
    if b"webm" in head[:64]:
        return Sniffed("video", "webm", "video/webm")
    return Sniffed("video", "mkv", "video/x-matroska")


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG-1/2 layer III frame header at the start (an MP3 without ID3 tags)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 0xF) and rate != 0b11


def _stl_binary(head: bytes, size: int) -> Sniffed | None:
    # 80 header bytes, a triangle count, 50 bytes per triangle: the size must agree exactly.
    if size < 84 or len(head) < 84:
        return None
    triangles = struct.unpack_from("<I", head, 80)[0]
    if triangles > 0 and size == 84 + 50 * triangles:
        return Sniffed("model", "stl", "model/stl")
    return None


def _text_lines(head: bytes) -> list[bytes] | None:
    if b"\x00" in head:
        return None
    # The last line may be cut by the read; judge the complete ones.
    lines = head.split(b"\n")
    lines = lines[:-1] if len(head) == HEAD_BYTES else lines
    return [line.strip() for line in lines if line.strip()]


def _by_text(head: bytes) -> Sniffed | None:
    lines = _text_lines(head)
    if not lines:
        return None
    if lines[0].lower().startswith(b"solid") and any(line.startswith(b"facet normal") for line in lines[:20]):
        return Sniffed("model", "stl", "model/stl")
    if _looks_like_obj(lines):
        return Sniffed("model", "obj", "model/obj")
    return None


def _looks_like_obj(lines: list[bytes]) -> bool:
    vertices = 0
    for line in lines:
        keyword = line.split(None, 1)[0]
        if keyword.startswith(b"#"):
            continue
        if keyword not in OBJ_KEYWORDS:
            return False
        vertices += keyword == b"v"
    return vertices >= 3


def _zip(path: Path) -> Sniffed | None:
    try:
        archive, members = open_archive(path, ZIP_LIMITS)
    except ArchiveRejected as exc:
        raise MediaRejected(str(exc)) from None
    with archive:
        names = [PurePosixPath(m.filename) for m in members if not _hidden(m)]
    suffixes = {n.suffix.lower() for n in names}
    if any(n.name == "tileset.json" for n in names):
        return Sniffed("model", "3dtiles-zip", "application/zip")
    if ".obj" in suffixes:
        return Sniffed("model", "obj-zip", "application/zip")
    return None


def _hidden(member: zipfile.ZipInfo) -> bool:
    # macOS adds __MACOSX/ and ._ files to every archive it makes.
    parts = PurePosixPath(member.filename).parts
    return any(p == "__MACOSX" or p.startswith("._") for p in parts)
