"""The guide's index in memory: every published passage with its tokens and vector, BM25 over
records (folded syllables + syllable pairs), cosine over passages (a record scores as its best
passage), and the two rankings fused by reciprocal rank.

It is built from the ``guide_sentences`` table (``load``) and kept per app server until the index
generation in the database changes (guide.service); building it costs no embedding, only arrays.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from .embed import from_bytes
from .text import exact_tokens
from .text import tokens as text_tokens

K1, B = 1.5, 0.75
RRF_K = 60
TITLE_WEIGHT = 2  # a record's title counts twice: a question naming the relic should find it


@dataclass
class IndexedRecord:
    kind: str
    record_id: str
    title_vi: str
    title_en: str | None
    url: str | None
    first: int  # its passages are rows first..last-1 of the index
    last: int
    words: frozenset[str] = field(default_factory=frozenset)  # folded syllables of title and text
    title_terms: frozenset[str] = field(default_factory=frozenset)  # syllables and pairs of its titles
    title_exact: frozenset[str] = field(default_factory=frozenset)  # the same with diacritics


@dataclass(frozen=True)
class Hit:
    record: int  # position in GuideIndex.records
    fused: float
    bm25: float
    cosine: float


class GuideIndex:
    def __init__(self, rows: list[tuple], generation: int = 0):
        """rows: (kind, record_id, field, lang, text, tokens, vector, title_vi, title_en, url), ordered
        by record then position (queries.LOAD)."""
        self.generation = generation
        self.records: list[IndexedRecord] = []
        self.fields: list[str] = []
        self.langs: list[str] = []
        self.texts: list[str] = []
        self.passage_record: list[int] = []
        self.passage_terms: list[frozenset[str]] = []
        self.passage_exact: list[frozenset[str]] = []
        blobs: list[bytes] = []
        record_tokens: list[Counter] = []
        for kind, record_id, field_name, lang, text, tokens, vector, title_vi, title_en, url in rows:
            if not self.records or (self.records[-1].kind, self.records[-1].record_id) != (kind, record_id):
                self.records.append(IndexedRecord(kind, record_id, title_vi, title_en, url, len(self.texts), 0))
                title_terms = text_tokens(f"{title_vi} {title_en or ''}")
                self.records[-1].title_terms = frozenset(title_terms)
                self.records[-1].title_exact = frozenset(exact_tokens(f"{title_vi} {title_en or ''}"))
                record_tokens.append(Counter({t: TITLE_WEIGHT * n for t, n in Counter(title_terms).items()}))
            self.records[-1].last = len(self.texts) + 1
            self.fields.append(field_name)
            self.langs.append(lang)
            self.texts.append(text)
            self.passage_record.append(len(self.records) - 1)
            self.passage_terms.append(frozenset(tokens))
            self.passage_exact.append(frozenset(exact_tokens(text)))
            blobs.append(bytes(vector))
            record_tokens[-1].update(tokens)
        self.vectors = from_bytes(blobs)
        self.passage_record_array = np.asarray(self.passage_record, dtype=np.int64)
        for record, counts in zip(self.records, record_tokens):
            record.words = frozenset(t for t in counts if "_" not in t)
        self._build_bm25(record_tokens)
        self._exact_vocabulary: dict[int, frozenset[str]] = {}
        self._folded_vocabulary: dict[int, frozenset[str]] = {}
        self.exact_idf = self._idf(
            [
                set().union(record.title_exact, *self.passage_exact[record.first : record.last])
                for record in self.records
            ]
        )

    def record_vocabulary(self, number: int, exact: bool) -> frozenset[str]:
        """Every syllable and pair of a record (titles included), folded or with diacritics."""
        cache = self._exact_vocabulary if exact else self._folded_vocabulary
        if number not in cache:
            record = self.records[number]
            passages = (self.passage_exact if exact else self.passage_terms)[record.first : record.last]
            cache[number] = frozenset().union(record.title_exact if exact else record.title_terms, *passages)
        return cache[number]

    def _idf(self, documents: list[set[str]]) -> dict[str, float]:
        frequency: Counter = Counter()
        for terms in documents:
            frequency.update(terms)
        total = len(documents)
        return {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in frequency.items()}

    def _build_bm25(self, docs: list[Counter]) -> None:
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for number, counts in enumerate(docs):
            for term, count in counts.items():
                self.postings[term].append((number, count))
        lengths = np.asarray([sum(c.values()) for c in docs], dtype=np.float64)
        self.norm = K1 * (1 - B + B * lengths / (lengths.mean() if len(docs) else 1.0))
        total = len(docs)
        self.idf = self._idf([set(counts) for counts in docs])
        # a word no record has is as telling as the rarest word there is
        self.unknown_idf = math.log(1 + (total + 0.5) / 0.5)

    def __len__(self) -> int:
        return len(self.records)

    def bm25(self, query_tokens: list[str]) -> np.ndarray:
        scores = np.zeros(len(self.records))
        for term in set(query_tokens):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for number, count in self.postings[term]:
                scores[number] += idf * count * (K1 + 1) / (count + self.norm[number])
        return scores

    def passage_cosines(self, query_vector: np.ndarray) -> np.ndarray:
        return self.vectors @ query_vector if len(self.texts) else np.zeros(0)

    def record_cosines(self, passage_scores: np.ndarray) -> np.ndarray:
        if not len(self.records):
            return np.zeros(0)
        starts = np.asarray([r.first for r in self.records])
        return np.maximum.reduceat(passage_scores, starts)

    def search(
        self, question: str, query_vector: np.ndarray, limit: int = 3, *, semantic_weight: float = 1.0
    ) -> tuple[list[Hit], np.ndarray]:
        """The best records by reciprocal-rank fusion of BM25 and cosine (the latter weighted by
        ``semantic_weight``), and every passage's cosine."""
        if not self.records:
            return [], np.zeros(0)
        lexical = self.bm25(text_tokens(question))
        passage_scores = self.passage_cosines(query_vector)
        semantic = self.record_cosines(passage_scores)
        fused = np.zeros(len(self.records))
        matched = np.flatnonzero(lexical > 0)
        for rank, number in enumerate(matched[np.argsort(-lexical[matched], kind="stable")]):
            fused[number] += 1.0 / (RRF_K + rank + 1)
        for rank, number in enumerate(np.argsort(-semantic, kind="stable")):
            fused[number] += semantic_weight / (RRF_K + rank + 1)
        order = np.argsort(-fused, kind="stable")[:limit]
        hits = [Hit(int(n), float(fused[n]), float(lexical[n]), float(semantic[n])) for n in order]
        return hits, passage_scores

    def word_weight(self, word: str, exact: bool = False) -> float:
        return (self.exact_idf if exact else self.idf).get(word, self.unknown_idf)
