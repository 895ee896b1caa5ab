"""``heritage guide …``: rebuild the index and narrations, ask a question, calibrate the refusal
threshold on the evaluation set."""

from __future__ import annotations

import time

import psycopg
import typer
from rich.console import Console

from ..runtime import database_up
from ..settings import PROJECT_ROOT, Settings
from . import answer as answering
from . import evaluation, queries
from .embed import Embedder
from .index import GuideIndex
from .jobs import refresh_now

guide_app = typer.Typer(help="The virtual guide: index, narration, evaluation.", no_args_is_help=True)
console = Console(stderr=True)
EVAL_SET = PROJECT_ROOT / "data" / "guide_eval.csv"


@guide_app.command("reindex")
def reindex(
    full: bool = typer.Option(False, help="Forget the index and embed every record again."),
    narration: bool = typer.Option(True, help="Also render missing or outdated narrations."),
) -> None:
    """Bring the guide's index (and narrations) up to date with the published records."""
    settings = Settings()
    started = time.perf_counter()
    with database_up(settings):

        def progress(done: int, total: int) -> None:
            console.print(f"  {done}/{total} records", highlight=False)

        result = refresh_now(settings, narrate=narration, full=full, progress=progress)
    console.print(
        f"indexed {result.indexed}, removed {result.removed}, unchanged {result.unchanged}, "
        f"sentences embedded {result.embedded}, narrations made {result.narrated} "
        f"in {time.perf_counter() - started:.1f} s"
    )


def load_index(dsn: str) -> GuideIndex:
    with psycopg.connect(dsn) as conn:
        generation = conn.execute(queries.GENERATION).fetchone()[0]
        return GuideIndex(conn.execute(queries.LOAD).fetchall(), generation)


@guide_app.command("ask")
def ask_command(question: str, lang: str = typer.Option("vi", help="vi or en")) -> None:
    """Answer one question from the index (what the API would answer, without the log)."""
    with database_up(Settings()) as dsn:
        index = load_index(dsn)
    result = answering.compose(index, question, Embedder().query(question), lang)
    if result.refused:
        console.print(f"refused ({result.reason}, support {result.coverage:.3f})")
        return
    for quote in result.quotes:
        console.print(f"{quote.text}\n  — {quote.title} [{quote.kind}:{quote.record_id} {quote.field}] {quote.url}")


@guide_app.command("calibrate")
def calibrate_command() -> None:
    """Fit the refusal threshold on the even rows of data/guide_eval.csv, check it on the odd rows."""
    with database_up(Settings()) as dsn:
        index = load_index(dsn)
    questions = evaluation.load(EVAL_SET)
    embedder = Embedder()
    kept = answering.MIN_COVERAGE
    answering.MIN_COVERAGE = float("-inf")  # score every question, refuse none
    try:
        answers = [answering.compose(index, q.text, embedder.query(q.text), q.lang) for q in questions]
    finally:
        answering.MIN_COVERAGE = kept
    retrieved = [any(f"{k}:{i}" in q.expect for k, i in a.records) for q, a in zip(questions, answers)]
    result = evaluation.calibrate(questions, [a.coverage for a in answers], retrieved)
    console.print(f"threshold {result.threshold} (in use: {kept})")
    console.print(
        f"fitting half: answerable kept {result.fit_figures[0]:.1%}, out of scope refused {result.fit_figures[1]:.1%}"
    )
    console.print(
        f"held-out half: answerable kept {result.check_figures[0]:.1%}, "
        f"out of scope refused {result.check_figures[1]:.1%}"
    )
