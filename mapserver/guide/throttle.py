"""A token bucket per client address for the guide's questions, in memory per app server.

Questions cost CPU (an embedding each), not accounts, so a per-server bucket is enough: with N
servers behind a balancer a client gets at most N × the rate, still bounded. Addresses are kept in
memory only, for the life of a bucket, and never written anywhere (the question log holds none).
"""

from __future__ import annotations

import math
import time

RATE_PER_MINUTE = 20.0
BURST = 10.0
MAX_CLIENTS = 10_000  # beyond this the fullest (idle) buckets are forgotten


def take(buckets: dict[str, tuple[float, float]], client: str, *, now: float | None = None) -> int | None:
    """Spend one token of ``client``'s bucket: None when allowed, else seconds to wait."""
    now = time.monotonic() if now is None else now
    tokens, last = buckets.get(client, (BURST, now))
    tokens = min(BURST, tokens + (now - last) * RATE_PER_MINUTE / 60.0)
    if tokens < 1.0:
        buckets[client] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) * 60.0 / RATE_PER_MINUTE))
    buckets[client] = (tokens - 1.0, now)
    if len(buckets) > MAX_CLIENTS:
        for key in [k for k, (t, _) in buckets.items() if t >= BURST - 1.0][: len(buckets) - MAX_CLIENTS]:
            buckets.pop(key, None)
    return None
