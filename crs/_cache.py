"""Per-thread pyproj Transformers, one per pipeline definition.

pyproj Transformer objects must not be shared between threads (the web app converts in a thread
pool), and building one costs about a millisecond, so each thread keeps its own.
"""

from __future__ import annotations

import threading

import numpy as np
from pyproj import Transformer

_local = threading.local()


def cached(definition: str) -> Transformer:
    """This thread's Transformer for a PROJ pipeline definition."""
    cache: dict[str, Transformer] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    transformer = cache.get(definition)
    if transformer is None:
        transformer = cache[definition] = Transformer.from_pipeline(definition)
    return transformer


def as_float(value: object) -> np.ndarray:
    # No copy when the caller already passes float64 arrays (the 1M-point case).
    return np.asarray(value, dtype=np.float64)


def run(definition: str | None, *coords: np.ndarray, inverse: bool = False) -> tuple[np.ndarray, ...]:
    """The pipeline applied to float64 arrays (new arrays; the identity when ``definition`` is None)."""
    if definition is None:
        return tuple(np.array(c, dtype=np.float64, copy=True) for c in coords)
    out = cached(definition).transform(*coords, direction="INVERSE" if inverse else "FORWARD")
    return tuple(np.asarray(c, dtype=np.float64) for c in out)
