"""Media types are told from the bytes, whatever the file is called; everything else is refused."""

from __future__ import annotations

import struct
import zipfile

import pytest

from mapserver.media.errors import MediaRejected, UnsupportedMedia
from mapserver.media.sniff import sniff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
CASES = {
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50, "image", "image/jpeg"),
    "png": (PNG, "image", "image/png"),
    "tiff": (b"II*\x00\x08\x00\x00\x00" + b"\x00" * 40, "image", "image/tiff"),
    "bigtiff": (b"MM\x00+\x00\x08\x00\x00" + b"\x00" * 40, "image", "image/tiff"),
    "mp4": (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 40, "video", "video/mp4"),
    "mov": (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00" * 40, "video", "video/quicktime"),
    "m4a": (b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isom" + b"\x00" * 40, "audio", "audio/mp4"),
    "webm": (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 40, "video", "video/webm"),
    "mkv": (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska" + b"\x00" * 40, "video", "video/x-matroska"),
    "wav": (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, "audio", "audio/wav"),
    "ogg": (b"OggS\x00\x02" + b"\x00" * 22 + b"\x01vorbis" + b"\x00" * 40, "audio", "audio/ogg"),
    "flac": (b"fLaC\x00\x00\x00\x22" + b"\x00" * 40, "audio", "audio/flac"),
    "mp3": (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 40, "audio", "audio/mpeg"),
    "glb": (b"glTF" + struct.pack("<II", 2, 60) + b"\x00" * 48, "model", "model/gltf-binary"),
    "ply": (b"ply\nformat ascii 1.0\nelement vertex 3\nend_header\n0 0 0\n", "model", "application/x-ply"),
    "stl": (b"solid cube\n  facet normal 0 0 1\n    outer loop\n", "model", "model/stl"),
    "obj": (b"# a triangle\nmtllib t.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1 2 3\n", "model", "model/obj"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_known_formats_are_told_from_their_bytes(tmp_path, name):
    data, media_type, mime = CASES[name]
    path = tmp_path / "upload.bin"  # the name says nothing
    path.write_bytes(data)
    found = sniff(path)
    assert (found.format, found.media_type, found.mime) == (name, media_type, mime)


def test_mp3_without_tags_and_binary_stl(tmp_path):
    frame = tmp_path / "a"
    frame.write_bytes(b"\xff\xfb\x90\x64" + b"\x00" * 413)  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    assert sniff(frame).format == "mp3"
    stl = tmp_path / "b"
    stl.write_bytes(b"solid but binary".ljust(80, b" ") + struct.pack("<I", 2) + b"\x00" * 100)
    assert sniff(stl).format == "stl"


def test_zipped_obj_and_3d_tiles(tmp_path):
    obj = tmp_path / "obj.zip"
    with zipfile.ZipFile(obj, "w") as zf:
        zf.writestr("model/scan.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
        zf.writestr("model/scan.mtl", "newmtl a\n")
        zf.writestr("__MACOSX/._scan.obj", "junk")
    assert sniff(obj).format == "obj-zip"
    tiles = tmp_path / "tiles.zip"
    with zipfile.ZipFile(tiles, "w") as zf:
        zf.writestr("tileset.json", "{}")
        zf.writestr("0/0.glb", b"glTF")
    assert sniff(tiles).format == "3dtiles-zip"
    other = tmp_path / "docs.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("report.docx", "x")
    with pytest.raises(UnsupportedMedia):
        sniff(other)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + b"\x00" * 40,  # a document
        b"MZ\x90\x00" + b"\x00" * 60,  # a Windows program named photo.jpg
        b"<html><script>alert(1)</script></html>",
        b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40,  # WebP is not taken
        b"GIF89a" + b"\x00" * 40,
        b"hello world, just some text\n",
        b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40,
    ],
)
def test_other_files_are_refused_with_415(tmp_path, data):
    path = tmp_path / "photo.jpg"  # the name lies
    path.write_bytes(data)
    with pytest.raises(UnsupportedMedia) as caught:
        sniff(path)
    assert "Accepted" in str(caught.value) or "HEIC" in str(caught.value)


def test_empty_and_damaged_zip(tmp_path):
    empty = tmp_path / "e"
    empty.write_bytes(b"")
    with pytest.raises(MediaRejected, match="empty"):
        sniff(empty)
    broken = tmp_path / "z"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(MediaRejected, match="damaged"):
        sniff(broken)
