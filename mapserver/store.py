"""The file store for uploaded originals and tilesets: keys like 'surveys/12/points.csv'.

Local directory by default (var/store). Keys are checked so a key can never leave the store.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class StoreError(ValueError):
    pass


def safe_name(name: str) -> str:
    """A file name reduced to characters safe in a key (uploads name their files freely)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "file"
    return stem[:100]


class LocalStore:
    def __init__(self, root: Path):
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        if not KEY.match(key) or ".." in key.split("/"):
            raise StoreError(f"invalid store key '{key[:80]}'")
        return self.root / key

    def put_file(self, key: str, source: Path) -> None:
        """Copy a file in atomically: readers never see a half-written object."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)
