"""The file store for uploaded originals and published tilesets, addressed by keys like
'surveys/12/points.csv' or 'tiles/3/v2/tileset.json'.

Two back ends behind one interface: a local directory (default, var/store) and any S3-compatible
bucket (`HERITAGE_STORE_URL=s3://bucket/prefix`, endpoint from `HERITAGE_S3_ENDPOINT_URL` for
MinIO and the like; credentials the usual AWS way). Keys are checked so none can leave the store.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Commas too: IIIF Image API paths name regions and sizes with them (0,0,512,512/512,512/…).
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._,-]*(/[A-Za-z0-9][A-Za-z0-9._,-]*)*$")


class StoreError(ValueError):
    pass


def check_key(key: str) -> str:
    if not KEY.match(key) or ".." in key.split("/"):
        raise StoreError(f"invalid store key '{key[:80]}'")
    return key


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size of a file, read in 1 MiB blocks."""
    import hashlib

    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def safe_name(name: str) -> str:
    """A file name reduced to characters safe in a key (uploads name their files freely)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "file"
    return stem[:100]


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    version_tag: str  # changes whenever the object's bytes change (for ETags)


class Store(Protocol):
    def put_file(self, key: str, source: Path) -> None: ...
    def put_tree(self, prefix: str, source_dir: Path, *, move: bool = False) -> None: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def stat(self, key: str) -> ObjectInfo | None: ...
    def read(self, key: str, start: int, length: int) -> Iterator[bytes]: ...
    def local_tree(self, prefix: str) -> Iterator[Path]: ...


class LocalStore:
    def __init__(self, root: Path):
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

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

    def put_tree(self, prefix: str, source_dir: Path, *, move: bool = False) -> None:
        """Publish a directory under a new prefix: copied aside, then renamed in one step.
        ``move``: the caller gives the directory up, so on the same file system it is renamed in
        place of the copy (thousands of IIIF tiles need not be copied)."""
        target = self.path(prefix)
        if target.exists():
            raise StoreError(f"'{prefix}' is already published")
        target.parent.mkdir(parents=True, exist_ok=True)
        if move:
            try:
                os.chmod(source_dir, 0o755)
                os.rename(source_dir, target)
                return
            except OSError:
                pass  # another file system (EXDEV): copy as usual
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".incoming-"))
        try:
            shutil.copytree(source_dir, staging, dirs_exist_ok=True)
            os.chmod(staging, 0o755)
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            info = self.path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not self.path(key).is_file():
            return None
        return ObjectInfo(size=info.st_size, version_tag=f"{info.st_size}:{info.st_mtime_ns}")

    def read(self, key: str, start: int, length: int) -> Iterator[bytes]:
        with open(self.path(key), "rb") as fh:
            fh.seek(start)
            while length > 0:
                block = fh.read(min(length, 1 << 20))
                if not block:
                    return
                length -= len(block)
                yield block

    @contextmanager
    def local_tree(self, prefix: str) -> Iterator[Path]:
        yield self.path(prefix)


class S3Store:
    """Objects in an S3-compatible bucket under a key prefix."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client=None):
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_file(self, key: str, source: Path) -> None:
        # S3 makes an object visible only once its upload completes: no partial reads.
        self.client.upload_file(str(source), self.bucket, self._key(key))

    def put_tree(self, prefix: str, source_dir: Path, *, move: bool = False) -> None:
        # Readers find a tileset through the database, which switches to the new version only
        # after every object below is uploaded.
        for path in sorted(p for p in source_dir.rglob("*") if p.is_file()):
            self.put_file(f"{prefix}/{path.relative_to(source_dir).as_posix()}", path)

    def _keys(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix) + "/"):
            for item in page.get("Contents", []):
                yield item["Key"]

    def delete_prefix(self, prefix: str) -> None:
        keys = list(self._keys(prefix))
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})

    def stat(self, key: str) -> ObjectInfo | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError:
            return None
        return ObjectInfo(size=head["ContentLength"], version_tag=head["ETag"].strip('"'))

    def read(self, key: str, start: int, length: int) -> Iterator[bytes]:
        if length <= 0:
            return
        body = self.client.get_object(
            Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{start + length - 1}"
        )["Body"]
        yield from body.iter_chunks(1 << 20)

    @contextmanager
    def local_tree(self, prefix: str) -> Iterator[Path]:
        """Download everything under the prefix (a scan and its textures) for a worker to read."""
        folder = Path(tempfile.mkdtemp(prefix="heritage-s3-"))
        try:
            base = self._key(prefix) + "/"
            for key in self._keys(prefix):
                target = folder / key[len(base) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                self.client.download_file(self.bucket, key, str(target))
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def make_store(settings) -> LocalStore | S3Store:
    url = settings.store_url
    if not url:
        return LocalStore(settings.store_dir)
    if url.startswith("s3://"):
        bucket, _, prefix = url[5:].partition("/")
        return S3Store(bucket, prefix, endpoint_url=settings.s3_endpoint_url)
    if url.startswith("file://"):
        return LocalStore(Path(url[7:]))
    raise StoreError("HERITAGE_STORE_URL must be s3://bucket/prefix or file:///path")
