"""Pass 1 of point tiling: every point of the source → ``crs`` (pinned datum + geoid) → site ENU
records (:data:`.content.REC`) in one flat work file, in source order.

The datum/geoid transform dominates, so it is spread over worker processes (threads gave no
speed-up in our measurements).  A source that can read any range of its points itself (LAS and
LAZ) is read by the workers too: each takes a range, transforms it and writes its records at
their place in the work file, and only small summaries travel between processes.  Other sources
are read here in order and their chunks sent to the workers; never more than workers + 1 chunks
are in flight.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import TilingError
from ..georef import Georef, SiteFrame, frame_for
from .content import REC, column_bounds
from .readers import PointChunk, PointSource

Progress = Callable[[float, str], None]
PARALLEL_MIN_POINTS = 2_500_000  # below this, starting worker processes costs more than it saves


@dataclass
class Summary:
    """What a pass (or a part of it) saw: counts, ENU and source bounds, which attributes exist."""

    n: int = 0
    lo: np.ndarray = field(default_factory=lambda: np.full(3, np.inf))
    hi: np.ndarray = field(default_factory=lambda: np.full(3, -np.inf))
    slo: np.ndarray = field(default_factory=lambda: np.full(3, np.inf))
    shi: np.ndarray = field(default_factory=lambda: np.full(3, -np.inf))
    has: dict[str, bool] = field(default_factory=lambda: {"rgb": False, "intensity": False, "classification": False})

    def add(self, other: Summary) -> None:
        self.n += other.n
        self.lo, self.hi = np.minimum(self.lo, other.lo), np.maximum(self.hi, other.hi)
        self.slo, self.shi = np.minimum(self.slo, other.slo), np.maximum(self.shi, other.shi)
        for k, v in other.has.items():
            self.has[k] = self.has[k] or v


def check_finite(ch: PointChunk, name: str) -> None:
    finite = np.all(np.isfinite(ch.xyz), axis=1)
    if not finite.all():
        raise TilingError(f"{name}: {int((~finite).sum())} point(s) have non-numeric or infinite coordinates.")


def to_records(ch: PointChunk, georef: Georef, frame: SiteFrame) -> tuple[np.ndarray, Summary]:
    """A chunk of source points → REC records in site ENU, with its summary."""
    enu = frame.to_enu(georef.to_ecef(ch.xyz))
    recs = np.empty(len(ch), REC)  # every field is set below: no zero-filling pass
    recs["x"], recs["y"], recs["z"] = enu[:, 0], enu[:, 1], enu[:, 2]
    s = Summary(len(ch), *column_bounds(enu[:, 0], enu[:, 1], enu[:, 2]))
    s.slo, s.shi = column_bounds(ch.xyz[:, 0], ch.xyz[:, 1], ch.xyz[:, 2])
    rgba = recs["rgba"]
    if ch.rgb is not None:
        rgba[:, :3] = ch.rgb
        s.has["rgb"] = True
    else:
        rgba[:, :3] = 0
    rgba[:, 3] = 255
    recs["i"] = 0 if ch.intensity is None else ch.intensity
    recs["c"] = 0 if ch.classification is None else ch.classification
    recs["pad"] = 0
    s.has["intensity"] = ch.intensity is not None
    s.has["classification"] = ch.classification is not None
    return recs, s


def _chunk_records(georef: Georef, frame: SiteFrame, ch: PointChunk) -> tuple[np.ndarray, Summary]:
    """Worker: a chunk sent by the reading process (module level so that it pickles)."""
    return to_records(ch, georef, frame)


def _range_records(source: PointSource, georef: Georef, frame: SiteFrame, start: int, count: int, raw: Path) -> Summary:
    """Worker: read points [start, start + count) itself and write their records in place."""
    ch = source.read_range(start, count)
    check_finite(ch, source.path.name)
    recs, s = to_records(ch, georef, frame)
    fd = os.open(raw, os.O_WRONLY)
    try:
        os.pwrite(fd, recs.view(np.uint8), start * REC.itemsize)  # the array's own buffer, no copy
    finally:
        os.close(fd)
    return s


def ingest(
    src: PointSource, georef: Georef, raw: Path, chunk: int, progress: Progress, pool: Executor | None, workers: int
) -> tuple[Summary, SiteFrame]:
    """Write ``raw``; returns the summary and the site frame (at the centre-bottom of the data)."""
    if src.bounds is not None:  # LAS header: fail before reading anything
        georef.check(*src.bounds, what=f"scan {src.path.name}")
    est = src.count or max(1, os.path.getsize(src.path) // 32)
    ranged = pool is not None and src.bounds is not None and src.count and hasattr(src, "read_range")
    if ranged:
        frame = frame_for(georef, np.array(src.bounds))
        total = _ranged(src, georef, frame, raw, chunk, progress, pool, workers)
    else:
        total, frame = _streamed(src, georef, raw, chunk, progress, pool, workers, est)
    if total.n == 0 or frame is None:
        raise TilingError(f"{src.path.name} contains no points.")
    georef.check(total.slo, total.shi, what=f"scan {src.path.name}")  # whole extent, not just the first chunk
    return total, frame


def _ranged(src, georef, frame, raw: Path, chunk: int, progress: Progress, pool: Executor, workers: int) -> Summary:
    n = int(src.count)
    with open(raw, "wb") as fh:
        fh.truncate(n * REC.itemsize)
    total = Summary()
    pending: deque[Future] = deque()
    for start in range(0, n, chunk):
        pending.append(pool.submit(_range_records, src, georef, frame, start, min(chunk, n - start), raw))
        while len(pending) > workers:
            total.add(pending.popleft().result())
            progress(min(0.99, total.n / n), "reading points")
    while pending:
        total.add(pending.popleft().result())
        progress(min(0.99, total.n / n), "reading points")
    return total


def _streamed(
    src: PointSource, georef: Georef, raw: Path, chunk: int, progress: Progress, pool, workers: int, est: int
) -> tuple[Summary, SiteFrame | None]:
    total = Summary()
    frame: SiteFrame | None = None
    pending: deque[Future] = deque()

    def store(recs: np.ndarray, s: Summary, fh) -> None:
        recs.tofile(fh)
        total.add(s)
        progress(min(0.99, total.n / est), "reading points")

    with open(raw, "wb") as fh:
        for ch in _nonempty(src.chunks(chunk)):
            check_finite(ch, src.path.name)
            if frame is None:
                georef.check(ch.xyz.min(axis=0), ch.xyz.max(axis=0), what=f"scan {src.path.name}")
                frame = frame_for(georef, np.array(src.bounds) if src.bounds is not None else ch.xyz)
            if pool is None:
                store(*to_records(ch, georef, frame), fh)
                continue
            pending.append(pool.submit(_chunk_records, georef, frame, ch))
            if len(pending) > workers:
                store(*pending.popleft().result(), fh)
        while pending:
            store(*pending.popleft().result(), fh)
    return total, frame


def _nonempty(chunks: Iterator[PointChunk]) -> Iterator[PointChunk]:
    return (ch for ch in chunks if len(ch))
