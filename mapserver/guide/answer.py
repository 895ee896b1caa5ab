"""Answers made of the records' own sentences: retrieval → the question's subject must be in the
records (else a refusal) → the best sentences of the top records, verbatim, each with its citation.

The refusal rule is one number, ``MIN_COVERAGE``, against ``support``: how much of the question's
subject (its words once question words and particles are removed, and its pairs of neighbouring
subject words, weighted by rarity, BM25's idf) the best of the top records holds, plus
``COSINE_WEIGHT`` × (e5 cosine of the best passage − ``COSINE_PIVOT``). A question about something
the records do not know names words or names no record has ("Chùa Một Cột", "vé máy bay", "Huế"),
and those weigh the most.

Calibrated on data/guide_eval.csv by ``heritage guide calibrate``: the threshold comes from the even
rows (just under the answerable questions: trust first) and is checked on the odd rows. The cosine
weight (3) was chosen among 0–5 by the same figures; see the CLI for them. e5 cosine alone does not
separate in-scope from out-of-scope questions (shared/notes/ai-guide-offline.md), so it only adds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..text import fold
from .index import GuideIndex, Hit
from .text import content_pairs, content_words, has_diacritics, words

MIN_COVERAGE = 0.578
COSINE_WEIGHT = 3.0
COSINE_PIVOT = 0.85
TOP_RECORDS = 3
SECOND_SENTENCE_MARGIN = 0.04
LEXICAL_WEIGHT = 0.3
CUE_BONUS = 0.1
SEE_ALSO = 3

# What kind of answer a question wants, by its (folded) question words, and what a sentence that
# gives it looks like (folded too).
_CUES = (
    (r"\bbao nhieu\b|\bmay\b|\bhow (many|much|long|high|tall|big|old)\b", "number"),
    (r"\b(nam|khi|luc|ngay|thang) nao\b|\bbao gio\b|\bwhen\b|\bwhat (year|date)\b|\bwhich year\b", "time"),
    (r"\bai\b|\bwho(m|se)?\b", "person"),
    (r"\bo dau\b|\bnoi nao\b|\bcho nao\b|\bwhere\b", "place"),
    (r"\b(vi|tai) sao\b|\bwhy\b", "reason"),
)
_PLACE = re.compile(r"\b(tai|nam o|o|dia chi|duong|phuong|xa|huyen|cach|in|at|on|located|street|road)\b")
_REASON = re.compile(r"\b(vi|do|nho|boi|because|since|so|as)\b")
_YEAR = re.compile(
    r"\b(1[0-9]{3}|20[0-9]{2})\b|\bthang\s+\d|\b(january|february|march|april|may|june|july|"
    r"august|september|october|november|december)\b"
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-ZÀ-ỸĐ][\wÀ-ỹđ]*")

NOTE_VI_ONLY = "This record has no English text yet; the answer is quoted in Vietnamese."
REASON_NO_SUBJECT = "no_subject"
REASON_NOT_IN_RECORDS = "not_in_records"
REASON_EMPTY_INDEX = "no_records"


@dataclass(frozen=True)
class Quote:
    kind: str
    record_id: str
    field: str
    lang: str
    text: str
    title: str
    url: str | None


@dataclass
class Answer:
    quotes: list[Quote] = field(default_factory=list)
    see_also: list[Quote] = field(default_factory=list)
    refused: bool = False
    reason: str | None = None
    note: str | None = None
    coverage: float = 0.0
    records: list[tuple[str, str]] = field(default_factory=list)  # the top records, best first

    @property
    def top(self) -> tuple[str, str] | None:
        return self.records[0] if self.records else None


def cues(question: str) -> set[str]:
    folded = fold(question)
    return {name for pattern, name in _CUES if re.search(pattern, folded)}


def coverage(index: GuideIndex, subject: list[str], vocabulary, exact: bool = False) -> float:
    """Share of the subject terms (by idf weight) found in ``vocabulary``."""
    terms = set(subject)
    total = sum(index.word_weight(w, exact) for w in terms)
    if total <= 0:
        return 0.0
    return sum(index.word_weight(w, exact) for w in terms if w in vocabulary) / total


def _fits(cue: str, text: str, question: str) -> bool:
    folded = fold(text)
    if cue == "number":
        asked = set(_NUMBER.findall(question))
        return any(n not in asked for n in _NUMBER.findall(text))
    if cue == "time":
        return bool(_YEAR.search(folded))
    if cue == "person":
        asked = set(fold(question).split())
        return any(fold(n) not in asked for n in _NAME.findall(text)[1:])
    if cue == "place":
        return bool(_PLACE.search(folded))
    return bool(_REASON.search(folded))


def _fits_all(wanted: set[str], text: str, question: str) -> bool:
    return all(_fits(cue, text, question) for cue in wanted)


def _record_quote(index: GuideIndex, row: int) -> Quote:
    record = index.records[index.passage_record[row]]
    title = record.title_en if index.langs[row] == "en" and record.title_en else record.title_vi
    return Quote(
        record.kind, record.record_id, index.fields[row], index.langs[row], index.texts[row], title, record.url
    )


def _candidates(index: GuideIndex, hits: list[Hit], lang: str) -> tuple[list[int], str | None]:
    """The passages answers may come from: the top records' passages in the asked language (a
    record without text in that language offers its other language, with a note)."""
    rows: list[int] = []
    note = None
    for hit in hits:
        record = index.records[hit.record]
        own = [r for r in range(record.first, record.last) if index.langs[r] == lang]
        if not own:
            own = list(range(record.first, record.last))
            if lang == "en" and hit is hits[0]:
                note = NOTE_VI_ONLY
        rows.extend(own)
    return rows, note


def semantic_weight(question: str, lang: str) -> float:
    """How much the e5 ranking counts. Vietnamese typed without diacritics is not the language
    e5 was trained on: it ranks such questions close to randomly (shared/notes/ai-guide-offline.md:
    12/15 top-1 against 15/15 for folded BM25), so there BM25 alone ranks the records."""
    return 0.0 if lang == "vi" and question.isascii() else 1.0


def support(index: GuideIndex, hits: list[Hit], question: str) -> float:
    """How much of the question's subject one passage of the top records (with its record's
    title) holds: the mean of the coverage of its subject words and of its pairs of neighbouring
    subject words (the two syllables of a name stand together: "Một Cột"). Words are compared with
    their diacritics when the question has them ("Huế" is not "Huê"), folded otherwise; and the
    e5 cosine of the best passage adds or takes away a little (``COSINE_WEIGHT``)."""
    exact = has_diacritics(question)
    subject, pairs = content_words(question), content_pairs(question)
    best_words = best_pairs = 0.0
    for hit in hits:
        vocabulary = index.record_vocabulary(hit.record, exact)
        best_words = max(best_words, coverage(index, subject, vocabulary, exact))
        if pairs:
            best_pairs = max(best_pairs, coverage(index, pairs, vocabulary, exact))
    lexical = (best_words + best_pairs) / 2 if pairs else best_words
    cosine = max(h.cosine for h in hits)
    return lexical + COSINE_WEIGHT * semantic_weight(question, "en" if exact else "vi") * (cosine - COSINE_PIVOT)


def compose(index: GuideIndex, question: str, query_vector: np.ndarray, lang: str) -> Answer:
    if not len(index):
        return Answer(refused=True, reason=REASON_EMPTY_INDEX)
    subject = content_words(question)
    hits, passage_scores = index.search(
        question, query_vector, limit=TOP_RECORDS, semantic_weight=semantic_weight(question, lang)
    )
    records = [(index.records[h.record].kind, index.records[h.record].record_id) for h in hits]
    if not subject:
        return Answer(refused=True, reason=REASON_NO_SUBJECT, records=records)
    best = support(index, hits, question)
    if best < MIN_COVERAGE:
        return Answer(refused=True, reason=REASON_NOT_IN_RECORDS, coverage=best, records=records)
    rows, note = _candidates(index, hits, lang)
    wanted = cues(question)
    rank_of = {h.record: n for n, h in enumerate(hits)}
    scored = []
    for row in rows:
        number = index.passage_record[row]
        record = index.records[number]
        vocabulary = set(words(index.texts[row])) | set(words(f"{record.title_vi} {record.title_en or ''}"))
        score = float(passage_scores[row]) + LEXICAL_WEIGHT * coverage(index, subject, vocabulary)
        score += 0.02 * (TOP_RECORDS - rank_of[number])
        score += CUE_BONUS * sum(_fits(cue, index.texts[row], question) for cue in wanted)
        scored.append((score, row))
    scored.sort(key=lambda item: -item[0])
    first_score, first = scored[0]
    chosen = [first]
    for score, row in scored[1:3]:
        same_record = index.passage_record[row] == index.passage_record[first]
        if same_record and score >= first_score - SECOND_SENTENCE_MARGIN and index.texts[row] != index.texts[first]:
            chosen.append(row)
            break
    if wanted and len(chosen) == 1 and not _fits_all(wanted, index.texts[first], question):
        # A "when"/"how many"/"who" question whose best passage names the subject without the
        # asked thing: the record's best passage that has it goes with it.
        fitting = next(
            (
                row
                for _, row in scored[1:]
                if index.passage_record[row] == index.passage_record[first]
                and _fits_all(wanted, index.texts[row], question)
            ),
            None,
        )
        if fitting is not None:
            chosen.append(fitting)
    quotes = [_record_quote(index, r) for r in chosen]
    seen = {q.text for q in quotes}
    see_also = []
    for _, row in scored[len(chosen) :]:
        if index.texts[row] not in seen and len(see_also) < SEE_ALSO:
            seen.add(index.texts[row])
            see_also.append(_record_quote(index, row))
    return Answer(quotes=quotes, see_also=see_also, note=note, coverage=best, records=records)
