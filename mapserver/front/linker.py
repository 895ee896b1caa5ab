"""Keeps the published directory current while `heritage serve` runs: a thread that listens on
the public-files channel (records.publication) and relinks as soon as a publishing transaction
commits, and relinks anyway every `resync_seconds` for the changes nobody announces (a relic
withdrawn or made sensitive hides its scans). It waits out a database restart and reconnects."""

from __future__ import annotations

import logging
import threading
import time

import psycopg
from psycopg import sql

from ..jobs.backoff import Backoff
from ..records.publication import PUBLIC_FILES_CHANNEL
from .published import PublishedTree

log = logging.getLogger("heritage.front")
RESYNC_SECONDS = 1.0
STOP_CHECK_SECONDS = 0.25


class Linker:
    def __init__(self, dsn: str, tree: PublishedTree, *, resync_seconds: float = RESYNC_SECONDS):
        self.dsn = dsn
        self.tree = tree
        self.resync_seconds = resync_seconds
        self.passes = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="published links", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        backoff = Backoff(first=0.5, cap=10)
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(PUBLIC_FILES_CHANNEL)))
                    self._follow(conn)
            except psycopg.Error as exc:
                delay = backoff.delay()
                log.warning("published links: database unreachable (%s); retrying in %.1f s", type(exc).__name__, delay)
                self._stopping.wait(delay)

    def _follow(self, conn: psycopg.Connection) -> None:
        while not self._stopping.is_set():
            self.tree.reconcile(conn)
            self.passes += 1
            self._wait(conn)

    def _wait(self, conn: psycopg.Connection) -> None:
        """Until the first announcement or the resync interval, whichever comes first (announcements
        that arrive together are served by one pass); in short slices, so that stop() is heard."""
        deadline = time.monotonic() + self.resync_seconds
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or any(True for _ in conn.notifies(timeout=min(left, STOP_CHECK_SECONDS), stop_after=1)):
                return
