"""The evaluation set (data/guide_eval.csv, written from the shipped records) against the real
index of the shipped data in PostGIS: the thresholds of the issue, figures printed (pytest -s)."""

from __future__ import annotations

import time

import psycopg

from mapserver.guide import answer, evaluation, queries
from mapserver.guide.index import GuideIndex
from mapserver.settings import PROJECT_ROOT

EVAL_SET = PROJECT_ROOT / "data" / "guide_eval.csv"


def test_evaluation_set_shape():
    questions = evaluation.load(EVAL_SET)
    forms = {f: sum(q.form == f for q in questions) for f in ("vi", "vi_plain", "en", "out")}
    assert len(questions) >= 150 and forms["out"] >= 40
    assert all(forms[f] >= 25 for f in ("vi", "vi_plain", "en")), forms
    assert all(q.text.isascii() for q in questions if q.form == "vi_plain")
    assert all(q.lang in ("vi", "en") for q in questions)


def test_evaluation_thresholds(guide_dsn, embedder):
    with psycopg.connect(guide_dsn) as conn:
        index = GuideIndex(conn.execute(queries.LOAD).fetchall())
        published = {
            (kind, record_id)
            for kind, record_id in conn.execute(
                "SELECT 'site', id FROM public_sites UNION ALL "
                "SELECT 'festival', id FROM public_festivals UNION ALL "
                "SELECT 'intangible', id FROM public_intangible_elements"
            )
        }
    questions = evaluation.load(EVAL_SET)
    started = time.perf_counter()
    answers = [answer.compose(index, q.text, embedder.query(q.text), q.lang) for q in questions]
    took = time.perf_counter() - started
    figures = evaluation.score(questions, answers)
    print(f"\nguide evaluation ({len(questions)} questions, {took:.1f} s, threshold {answer.MIN_COVERAGE}):")
    for line in figures.lines() + [f"  miss: {m}" for m in figures.misses]:
        print(line)
    assert figures.top3_rate >= 0.95, figures.lines()
    assert figures.refusal_rate >= 0.95, figures.lines()
    assert figures.uncited == 0
    for a in answers:
        for quote in a.quotes:
            assert (quote.kind, quote.record_id) in published and quote.text and quote.field
