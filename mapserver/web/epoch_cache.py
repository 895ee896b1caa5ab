"""Computed public pages kept per app server until the public data changes.

A relic search page costs the database ~25 ms of JSON building for 1,000 features, yet the public
relics change only when staff edit or publish. Every write to the tables a page is read from stamps
``public_epoch`` (migration 0017, a trigger per statement), so a kept page is served only while the
mark it was computed under is still the current one: after a withdrawal or an edit the very next
request is computed afresh, on every server, with no time-to-live to wait out.

Read the mark *before* computing a page: the page then shows data at least as new as its mark,
so a later reader who sees the same mark never gets older data than the database holds.

A mark is set by one committed transaction only, so once it has moved on no kept page can be
good again: they are all dropped at once. Bounded by bytes besides (least recently used first
out); every app has its own, nothing is shared between processes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import psycopg

MARK_SQL = "SELECT mark FROM public_epoch"


async def current_mark(conn: psycopg.AsyncConnection) -> int:
    return (await (await conn.execute(MARK_SQL, prepare=True)).fetchone())[0]


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0


class EpochCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._entries: OrderedDict[Hashable, tuple[int, Any, int]] = OrderedDict()
        self._bytes = 0
        self._mark: int | None = None

    def get(self, key: Hashable, mark: int) -> Any | None:
        if mark != self._mark:
            self._entries.clear()
            self._bytes = 0
            self._mark = mark
        entry = self._entries.get(key)
        if entry is None or entry[0] != mark:
            self.stats.misses += 1
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return entry[1]

    def put(self, key: Hashable, mark: int, value: Any, size: int) -> None:
        if mark != self._mark or size > self.max_bytes // 4:  # stale already, or would push out the rest
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[2]
        self._entries[key] = (mark, value, size)
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, (_, _, dropped) = self._entries.popitem(last=False)
            self._bytes -= dropped

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
