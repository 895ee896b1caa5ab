"""The published directory nginx serves: one symbolic link per public folder of the store, nothing
else. A withdrawn version is unreachable through the front because its link is gone, whatever the
request looks like; the rule of what is public stays in SQL (records.publication) and is asked here
as a whole list.

Each URL prefix nginx serves from the store is a `PublishedPrefix`: the prefix, the directory of
its links (published/<name>/) and the SQL that lists what the public may fetch under it as
(path below the prefix, store key of the folder or file it shows). `PublishedTree.reconcile`
makes the directory match that list; it is idempotent and safe to run from several processes
(a file lock around each pass).
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ..scans import queries as scan_queries
from ..store import StoreError, check_key
from ..terrain import queries as terrain_queries
from ..tiles.headers import IMMUTABLE

log = logging.getLogger("heritage.front")


@dataclass(frozen=True)
class PublishedPrefix:
    name: str  # the directory of its links: published/<name>/
    url_prefix: str  # what nginx serves from there, e.g. "/tiles/" (leading and trailing slash)
    query: str  # SQL → rows of (path below url_prefix, store key it shows), public ones only
    cache_control: str = IMMUTABLE
    to_app: str | None = None  # a regex of paths under the prefix that the app always answers
    signed_in_to_app: bool = False  # a signed-in request for an unlinked file goes to the app (drafts)
    missing_to_app: bool = False  # any request for an unlinked file goes to the app (it answers 404 itself)


# Media derivatives (media.delivery serves the same URLs from the app): every version up to the
# current one of an item of `public_media`. The IIIF prefix shows only the image tree of a version;
# its info.json stays on the app, which writes this server's address into it. Originals
# (media-originals/) are never linked.
PUBLIC_IIIF_FOLDERS = (
    "SELECT m.id || '/v' || v.n, 'media/' || m.id || '/v' || v.n || '/iiif' FROM public_media m "
    "CROSS JOIN LATERAL generate_series(1, m.version) v(n) WHERE m.media_type = 'image'"
)
PUBLIC_MEDIA_FOLDERS = (
    "SELECT m.id || '/v' || v.n, 'media/' || m.id || '/v' || v.n FROM public_media m "
    "CROSS JOIN LATERAL generate_series(1, m.version) v(n)"
)

# Terrain: the builds the app serves (terrain.queries.TERRAIN_VERSIONS: the current and the one
# before it); imagery: built orthophoto layers; basemap: every version made at set-up. A basemap tile
# not drawn (all sea or all land) is not a file: the app answers it from a coarser plain tile.
PUBLIC_TERRAIN_FOLDERS = f"SELECT 'v' || id, 'terrain/v' || id FROM ({terrain_queries.TERRAIN_VERSIONS}) t"
PUBLIC_IMAGERY_FOLDERS = (
    "SELECT id || '/v' || tiles_version, 'imagery/' || id || '/v' || tiles_version FROM raster_layers "
    "WHERE kind = 'imagery' AND status = 'done' AND NOT retired AND tiles_version IS NOT NULL"
)
PUBLIC_BASEMAP_FOLDERS = "SELECT version, 'basemap/' || version FROM basemaps"

TILES = PublishedPrefix("tiles", "/tiles/", scan_queries.PUBLIC_TILE_FOLDERS)
TERRAIN = PublishedPrefix("terrain", "/terrain/", PUBLIC_TERRAIN_FOLDERS)
IMAGERY = PublishedPrefix("imagery", "/imagery/", PUBLIC_IMAGERY_FOLDERS)
BASEMAP = PublishedPrefix("basemap", "/basemap/", PUBLIC_BASEMAP_FOLDERS, missing_to_app=True)
IIIF = PublishedPrefix(
    "iiif", "/iiif/3/", PUBLIC_IIIF_FOLDERS, to_app=r"^/iiif/3/[^/]+/(v[0-9]+/)?info\.json$", signed_in_to_app=True
)
MEDIA = PublishedPrefix("media", "/media/", PUBLIC_MEDIA_FOLDERS, signed_in_to_app=True)
# Every prefix the front serves from the store; a new one needs its SQL here and an announcement
# (records.publication.ANNOUNCE_PUBLIC_FILES) in the transactions that publish or withdraw.
PREFIXES: tuple[PublishedPrefix, ...] = (TILES, IIIF, MEDIA, TERRAIN, IMAGERY, BASEMAP)


@dataclass(frozen=True)
class Changes:
    linked: int
    unlinked: int


class PublishedTree:
    """The links under `root` to files of the local store at `store_root`."""

    def __init__(self, root: Path, store_root: Path, prefixes: Iterable[PublishedPrefix] = PREFIXES):
        self.root = root
        self.store_root = store_root.resolve()
        self.prefixes = tuple(prefixes)

    def reconcile(self, conn: psycopg.Connection) -> Changes:
        """Make the links match what the database says is public now."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            # Hold the lock across the question and the answer: a pass that read the database
            # before a withdrawal cannot put back a link that a later pass has removed.
            fcntl.flock(lock, fcntl.LOCK_EX)
            linked = unlinked = 0
            for prefix in self.prefixes:
                wanted = self._wanted(conn, prefix)
                done = self._apply(self.root / prefix.name, wanted)
                linked, unlinked = linked + done.linked, unlinked + done.unlinked
        if linked or unlinked:
            log.info("published links: %d added, %d removed", linked, unlinked)
        return Changes(linked, unlinked)

    def _wanted(self, conn: psycopg.Connection, prefix: PublishedPrefix) -> dict[str, str]:
        try:
            with conn.transaction():  # a failure must not spoil the connection for the next prefix
                rows = conn.execute(prefix.query).fetchall()
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
            # A schema older than this prefix (its migration not applied): nothing of it is public.
            log.warning("%s: not served by the front, the database has no table for it yet", prefix.name)
            rows = []
        wanted = {}
        for path, key in rows:
            try:
                check_key(path)
                check_key(key)
            except StoreError:
                log.warning("%s: not linking %r → %r (not a store key)", prefix.name, path, key)
                continue
            target = self.store_root / key
            if target.exists():  # a folder listed before its files arrive is linked on a later pass
                wanted[path] = str(target)
        return wanted

    def _apply(self, directory: Path, wanted: dict[str, str]) -> Changes:
        directory.mkdir(parents=True, exist_ok=True)
        current = dict(_links_below(directory, ""))
        unlinked = 0
        for path, target in current.items():
            if wanted.get(path) != target:
                (directory / path).unlink(missing_ok=True)
                _prune_empty(directory, (directory / path).parent)
                unlinked += 1
        linked = 0
        for path, target in wanted.items():
            if current.get(path) != target:
                _link(directory / path, target)
                linked += 1
        return Changes(linked, unlinked)


def _links_below(directory: Path, relative: str):
    """(relative path, target) of every link below `directory`; anything else found is removed."""
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return
    for entry in entries:
        path = f"{relative}/{entry.name}" if relative else entry.name
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            yield path, os.readlink(entry.path)
        elif entry.is_dir(follow_symlinks=False):
            yield from _links_below(Path(entry.path), path)
            try:
                os.rmdir(entry.path)  # only when nothing is left in it
            except OSError:
                pass
        else:  # only links belong here: a stray file could be served
            os.unlink(entry.path)


def _link(place: Path, target: str) -> None:
    """Point `place` at `target` in one step (a new link renamed over the old one)."""
    place.parent.mkdir(parents=True, exist_ok=True)
    staging = place.with_name(f".{place.name}.new")
    staging.unlink(missing_ok=True)
    os.symlink(target, staging)
    os.replace(staging, place)


def _prune_empty(top: Path, folder: Path) -> None:
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except OSError:  # not empty
            return
        folder = folder.parent
