"""Put an uploaded scan into the store: one file, or a ZIP (OBJ + MTL + textures) unpacked safely:
its declared sizes checked before unpacking, its real bytes counted while unpacking (web.uploads)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath

from ..store import Store, safe_name
from ..web.uploads import ArchiveLimits, ArchiveRejected, Unpacker, open_archive

SCAN_SUFFIXES = (
    ".las",
    ".laz",
    ".ply",
    ".xyz",
    ".csv",
    ".txt",
    ".pts",
    ".e57",
    ".obj",
    ".glb",
    ".gltf",
    ".stl",
    ".splat",
    ".spz",
    ".zip",
)
MAIN_SUFFIXES = (".obj", ".gltf", ".glb", ".ply", ".stl", ".las", ".laz", ".e57", ".xyz", ".pts", ".splat", ".spz")
# Meshes and point clouds compress a few times, textures not at all: a member that unpacks to a
# hundred times its packed size is a bomb, not a scan.
LIMITS = ArchiveLimits(members=2000, unpacked_bytes=8 * 1024**3, ratio=100)


class OriginalRejected(ValueError):
    pass


def store_original(store: Store, scan_id: int, source: Path, file_name: str) -> str:
    """Store the upload under scans/<id>/original/ and return the key of the file to tile."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in SCAN_SUFFIXES:
        raise OriginalRejected(f"File type '{suffix[:10]}' is not a scan format: {', '.join(SCAN_SUFFIXES)}.")
    prefix = f"scans/{scan_id}/original"
    if suffix != ".zip":
        key = f"{prefix}/{safe_name(file_name)}"
        store.put_file(key, source)
        return key
    return _unpack(store, prefix, source)


def _unpack(store: Store, prefix: str, source: Path) -> str:
    folder = Path(tempfile.mkdtemp(prefix="heritage-zip-"))
    try:
        main = _unpack_to(folder, source)
        store.put_tree(prefix, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return f"{prefix}/{main}"


def _unpack_to(folder: Path, source: Path) -> str:
    """Unpack into a local folder; returns the relative path of the one scan file."""
    try:
        archive, members = open_archive(source, LIMITS)
    except ArchiveRejected as exc:
        raise OriginalRejected(str(exc)) from None
    with archive:
        unpacker = Unpacker(archive, LIMITS)
        mains = []
        for member in members:
            parts = PurePosixPath(member.filename).parts
            if member.filename.startswith("/") or ".." in parts:
                raise OriginalRejected(f"Unsafe path in the ZIP archive: {member.filename[:80]}")
            # Keep relative folders (MTL files refer to textures by relative path).
            relative = "/".join(safe_name(p) for p in parts)
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                unpacker.write(member, target)
            except ArchiveRejected as exc:
                raise OriginalRejected(str(exc)) from None
            if target.suffix.lower() in MAIN_SUFFIXES:
                mains.append(relative)
    if len(mains) != 1:
        raise OriginalRejected(
            "The ZIP archive must hold exactly one scan file (OBJ, glTF, PLY, LAS …) "
            f"besides its textures; found {len(mains)}."
        )
    return mains[0]
