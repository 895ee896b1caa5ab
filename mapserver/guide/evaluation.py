"""The guide's evaluation set (data/guide_eval.csv) and its figures: correct record among the top 3
(and answered), refusals of out-of-scope questions, answers without a citation; and the calibration
of the refusal threshold on half of the set, checked on the other half."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .answer import Answer

REFUSE = "refuse"
CALIBRATION_MARGIN = 0.02
ALLOWED_FALSE_REFUSALS = 0.03


@dataclass(frozen=True)
class Question:
    number: int
    text: str
    lang: str
    expect: tuple[str, ...]  # accepted "kind:id" records, or ("refuse",)
    form: str  # vi (with diacritics), vi_plain (without), en, out (out of scope)

    @property
    def in_scope(self) -> bool:
        return self.expect != (REFUSE,)


def load(path: Path) -> list[Question]:
    with open(path, encoding="utf-8") as fh:
        return [
            Question(n, r["question"], r["lang"], tuple(r["expect"].split("|")), r["form"])
            for n, r in enumerate(csv.DictReader(fh))
        ]


@dataclass
class Figures:
    in_scope: int = 0
    top3: int = 0
    top1: int = 0
    out_of_scope: int = 0
    refused_out: int = 0
    wrongly_refused: int = 0
    uncited: int = 0
    by_form: dict[str, list[int]] = field(default_factory=dict)  # form → [right, asked]
    misses: list[str] = field(default_factory=list)

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.in_scope if self.in_scope else 0.0

    @property
    def refusal_rate(self) -> float:
        return self.refused_out / self.out_of_scope if self.out_of_scope else 0.0

    def lines(self) -> list[str]:
        out = [
            f"in scope: {self.in_scope}, correct record in top 3 and answered: {self.top3} "
            f"({100 * self.top3_rate:.1f} %), top 1: {self.top1} ({100 * self.top1 / max(self.in_scope, 1):.1f} %), "
            f"wrongly refused: {self.wrongly_refused}",
            f"out of scope: {self.out_of_scope}, refused: {self.refused_out} ({100 * self.refusal_rate:.1f} %)",
            f"answers without a citation: {self.uncited}",
        ]
        out += [f"  {form}: {right}/{asked}" for form, (right, asked) in sorted(self.by_form.items())]
        return out


def _record_keys(answer: Answer) -> list[str]:
    return [f"{kind}:{record_id}" for kind, record_id in answer.records]


def score(questions: list[Question], answers: list[Answer]) -> Figures:
    figures = Figures()
    for question, answer in zip(questions, answers):
        tally = figures.by_form.setdefault(question.form, [0, 0])
        tally[1] += 1
        if not answer.refused and not answer.quotes:
            figures.uncited += 1
        if question.in_scope:
            figures.in_scope += 1
            keys = _record_keys(answer)
            hit = not answer.refused and any(k in question.expect for k in keys[:3])
            figures.top3 += hit
            figures.top1 += not answer.refused and bool(keys) and keys[0] in question.expect
            figures.wrongly_refused += answer.refused
            tally[0] += hit
            if not hit:
                figures.misses.append(f"{question.text} → {'refused' if answer.refused else keys[:3]}")
        else:
            figures.out_of_scope += 1
            figures.refused_out += answer.refused
            tally[0] += answer.refused
            if not answer.refused:
                figures.misses.append(
                    f"{question.text} → answered from {keys[:1] if (keys := _record_keys(answer)) else '?'}"
                )
    return figures


@dataclass(frozen=True)
class Calibration:
    threshold: float
    fit_figures: tuple[float, float]  # (in-scope answered, out-of-scope refused) on the fitting half
    check_figures: tuple[float, float]  # the same on the held-out half


def calibrate(
    questions: list[Question], coverages: list[float], retrieved: list[bool], margin: float = CALIBRATION_MARGIN
) -> Calibration:
    """The refusal threshold from the fitting half (even rows), checked on the other half (odd rows).

    Trust comes first (a wrong answer is worse than "I do not know"), so the threshold is not the
    middle of the gap between the two groups but sits just under the answerable questions: the
    lowest score of an answerable question of the fitting half, less ``margin``; when the groups
    overlap, the lowest in-scope score above which at most 3 % of them fall. ``retrieved``: whether
    the right record is in the top 3 (no threshold can rescue the others, so they do not count)."""

    def rates(rows: list[int], threshold: float) -> tuple[float, float]:
        inside = [r for r in rows if questions[r].in_scope and retrieved[r]]
        outside = [r for r in rows if not questions[r].in_scope]
        kept = sum(coverages[r] >= threshold for r in inside) / max(len(inside), 1)
        refused = sum(coverages[r] < threshold for r in outside) / max(len(outside), 1)
        return kept, refused

    fit = [r for r in range(len(questions)) if r % 2 == 0]
    check = [r for r in range(len(questions)) if r % 2 == 1]
    answerable = sorted(coverages[r] for r in fit if questions[r].in_scope and retrieved[r])
    lowest = answerable[int(len(answerable) * ALLOWED_FALSE_REFUSALS)] if answerable else 0.0
    threshold = round(lowest - margin, 3)
    return Calibration(threshold, rates(fit, threshold), rates(check, threshold))


def run(questions: list[Question], ask: Callable[[Question], Answer]) -> list[Answer]:
    return [ask(q) for q in questions]
