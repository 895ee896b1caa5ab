"""Uploads streamed to a temporary file in 1 MiB blocks (never whole in memory), with a size limit
and an allow-list of file types, for every multipart endpoint."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import UploadFile

from ..errors import InvalidParameter, PayloadTooLarge


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
            while block := await upload.read(1 << 20):
                size += len(block)
                if size > limit:
                    raise PayloadTooLarge(f"The file is larger than {limit // 2**20} MiB.", parameter="file")
                handle.write(block)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return Path(handle.name)
