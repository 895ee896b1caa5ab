"""Uploads streamed to a temporary file in 1 MiB blocks (never whole in memory), with a size limit
and an allow-list of file types, for every multipart endpoint; and the safe unpacking of uploaded
ZIP archives (scans, zipped Shapefiles), which a few kilobytes can turn into gigabytes.

An archive is judged twice: by what it declares (entries, unpacked total, compression ratio of each
member) before anything is unpacked, then by the bytes really written, since declarations can lie.
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

from ..errors import InvalidParameter, PayloadTooLarge
from .body_limit import size_text

BLOCK = 1 << 20
# Members smaller than this may compress as well as they like (a short MTL, a .prj): the ratio only
# matters where the unpacked bytes do.
RATIO_FLOOR = 1 << 20
# Per entry of the central directory: the fixed 46 bytes plus a generous name and extra fields.
DIRECTORY_BYTES_PER_ENTRY = 4096


async def spool_upload(upload: UploadFile, limit: int, suffixes: tuple[str, ...] | None = None) -> Path:
    suffix = Path(upload.filename or "").suffix.lower()
    if suffixes is not None and suffix not in suffixes:
        raise InvalidParameter(
            f"file type '{suffix[:10]}' is not accepted: use {', '.join(suffixes)}", parameter="file"
        )
    handle = tempfile.NamedTemporaryFile(prefix="upload-", suffix=suffix, delete=False)
    size = 0
    try:
        with handle:
            while block := await upload.read(BLOCK):
                size += len(block)
                if size > limit:
                    raise PayloadTooLarge(f"The file is larger than {size_text(limit)}.", parameter="file")
                handle.write(block)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return Path(handle.name)


class ArchiveRejected(ValueError):
    """The archive is refused; the message is safe to show."""


@dataclass(frozen=True)
class ArchiveLimits:
    members: int  # entries, folders included
    unpacked_bytes: int  # the whole archive once unpacked
    ratio: int  # unpacked : compressed, per member above RATIO_FLOOR


def open_archive(path: Path, limits: ArchiveLimits) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The open archive and its file members, once its declarations are within the limits."""
    _check_directory(path, limits)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError):
        raise ArchiveRejected("The ZIP archive is damaged.") from None
    try:
        entries = archive.infolist()
        if len(entries) > limits.members:
            raise ArchiveRejected(f"The ZIP archive holds more than {limits.members} entries.")
        members = [m for m in entries if not m.is_dir()]
        if sum(m.file_size for m in members) > limits.unpacked_bytes:
            raise ArchiveRejected(f"The ZIP archive is larger than {size_text(limits.unpacked_bytes)} once unpacked.")
        for member in members:
            if member.flag_bits & 0x1:
                raise ArchiveRejected("The ZIP archive is encrypted.")
            if member.file_size > RATIO_FLOOR and member.file_size > limits.ratio * max(member.compress_size, 1):
                raise ArchiveRejected(
                    f"The ZIP archive compresses {member.filename[:80]} more than {limits.ratio}:1; "
                    "archives that unpack to many times their size are refused."
                )
    except BaseException:
        archive.close()
        raise
    return archive, members


def _check_directory(path: Path, limits: ArchiveLimits) -> None:
    """zipfile reads the whole central directory into memory and builds an object per entry:
    refuse a directory of millions of entries or of gigabytes from its end record first."""
    end_record = getattr(zipfile, "_EndRecData", None)  # private, but the one reader of the record
    if end_record is None:
        return
    try:
        with open(path, "rb") as fh:
            end = end_record(fh)
    except (OSError, zipfile.BadZipFile, ValueError):
        end = None
    if end is None:
        raise ArchiveRejected("The ZIP archive is damaged.")
    if end[zipfile._ECD_ENTRIES_TOTAL] > limits.members:
        raise ArchiveRejected(f"The ZIP archive holds more than {limits.members} entries.")
    if end[zipfile._ECD_SIZE] > limits.members * DIRECTORY_BYTES_PER_ENTRY:
        raise ArchiveRejected("The ZIP archive's directory is too large.")


class Unpacker:
    """Writes members to disk against a budget of real bytes: a member may not give more than it
    declares, nor the archive more than its limit, whatever its headers say."""

    def __init__(self, archive: zipfile.ZipFile, limits: ArchiveLimits):
        self.archive = archive
        self.left = limits.unpacked_bytes
        self.limit = limits.unpacked_bytes

    def write(self, member: zipfile.ZipInfo, target: Path) -> None:
        allowed = min(member.file_size, self.left)
        written = 0
        try:
            with self.archive.open(member) as src, open(target, "wb") as dst:
                while block := src.read(BLOCK):
                    written += len(block)
                    if written > allowed:
                        # Checked before the write: the limit is never passed on disk.
                        raise ArchiveRejected(
                            f"The ZIP archive unpacks to more than it declares or than {size_text(self.limit)}."
                        )
                    dst.write(block)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise ArchiveRejected(f"The ZIP archive is damaged ({member.filename[:80]}).") from None
        except (NotImplementedError, RuntimeError):
            # zipfile's words for an unknown compression method and for a password-protected member.
            raise ArchiveRejected(f"{member.filename[:80]} in the ZIP archive cannot be unpacked.") from None
        self.left -= written
