"""Benchmark: the virtual guide's answer latency and narration speed.

* Answer latency over the evaluation set (data/guide_eval.csv): the hybrid answer (query embedding
  + BM25 + cosine + sentence ranking) against the baseline of BM25 alone (no embedding), both on the
  index of the shipped records; p50/p95 and the ratio. The goal is p95 < 300 ms.
* Narration: seconds of compute per 1,000 characters of text, full pipeline (normalise → espeak-ng
  → MP3) against the baseline of espeak-ng alone on the same text (WAV, no normalising/encoding).

    .venv/bin/python scripts/bench/guide.py [--dsn DSN_OF_AN_INDEXED_DATABASE] [--rounds 2]

Without --dsn a throw-away cluster is made, seeded with the shipped data and indexed (that
embedding takes a minute or two and is reported too).
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from _scratch import ROOT, percentile, scratch_database

from mapserver.guide import answer, evaluation, queries, service
from mapserver.guide.embed import Embedder
from mapserver.guide.index import GuideIndex
from mapserver.guide.narration.normalise import normalise
from mapserver.guide.narration.speak import VOICE, synthesise
from mapserver.guide.sources import narration_text
from mapserver.sites.kind import SITE


@contextlib.contextmanager
def indexed_database(dsn: str | None):
    if dsn:
        yield dsn
        return
    with scratch_database(seed=True) as (scratch, _):
        started = time.perf_counter()
        with psycopg.connect(scratch) as conn:
            result = service.refresh(conn, Embedder())
        seconds = time.perf_counter() - started
        print(f"indexed {result.indexed} records, {result.embedded} sentences embedded in {seconds:.1f} s")
        yield scratch


def answer_latency(index: GuideIndex, embedder: Embedder, questions, rounds: int) -> None:
    hybrid, lexical = [], []
    for _ in range(rounds):
        for q in questions:
            started = time.perf_counter()
            answer.compose(index, q.text, embedder.query(q.text), q.lang)
            hybrid.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            index.search(q.text, embedder_free_vector(index), semantic_weight=0.0)
            lexical.append(1000 * (time.perf_counter() - started))
    p50h, p95h = percentile(hybrid, 0.5), percentile(hybrid, 0.95)
    p50b, p95b = percentile(lexical, 0.5), percentile(lexical, 0.95)
    print(
        f"answers over {len(questions)} questions × {rounds}: hybrid p50 {p50h:.1f} ms, p95 {p95h:.1f} ms "
        f"(goal < 300 ms: {'met' if p95h < 300 else 'NOT met'})"
    )
    print(f"  baseline BM25 only: p50 {p50b:.2f} ms, p95 {p95b:.2f} ms; ratio hybrid/BM25 p95 {p95h / p95b:.0f}×")


def embedder_free_vector(index: GuideIndex):
    import numpy as np

    return np.zeros(index.vectors.shape[1], dtype=np.float32)


def narration_speed(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        rows = [r[0] for r in conn.execute("SELECT to_jsonb(s) FROM public_sites s WHERE narration_vi IS NOT NULL")]
    texts = [narration_text(SITE, row) for row in rows][:12]
    characters = sum(len(t) for t in texts)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        audio_seconds = sum(synthesise(t, Path(folder) / f"{n}.mp3").seconds for n, t in enumerate(texts))
        full = time.perf_counter() - started
        started = time.perf_counter()
        for n, text in enumerate(texts):
            subprocess.run(["espeak-ng", "-v", VOICE, "-w", str(Path(folder) / f"{n}.wav"), text], check=True)
        bare = time.perf_counter() - started
        started = time.perf_counter()
        for text in texts:
            normalise(text)
        normalising = time.perf_counter() - started
    per_k = 1000 * full / characters
    print(
        f"narration: {len(texts)} texts, {characters} characters, {audio_seconds:.0f} s of audio; "
        f"{per_k:.3f} s per 1,000 characters ({audio_seconds / full:.0f}× real time)"
    )
    print(
        f"  baseline espeak-ng alone: {1000 * bare / characters:.3f} s per 1,000 characters; "
        f"ratio full/baseline {full / bare:.2f}× (normalising: {1000 * normalising / characters:.3f} s per 1,000)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", help="an indexed database (default: a throw-away one)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    questions = evaluation.load(ROOT / "data" / "guide_eval.csv")
    with indexed_database(args.dsn) as dsn:
        with psycopg.connect(dsn) as conn:
            index = GuideIndex(conn.execute(queries.LOAD).fetchall())
        embedder = Embedder()
        started = time.perf_counter()
        embedder.query("khởi động")
        print(
            f"model load + first query: {1000 * (time.perf_counter() - started):.0f} ms; "
            f"index: {len(index)} records, {len(index.texts)} passages"
        )
        answer_latency(index, embedder, questions, args.rounds)
        narration_speed(dsn)


if __name__ == "__main__":
    main()
