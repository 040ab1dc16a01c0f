"""Fitting when a question goes to the reference cards: ``fit(questions, engine)``.

The one fitted parameter is ``max_residual``: how many words a bibliography question may
hold that are neither frame, filter nor a name some card explains. Each candidate (and
"never") is scored on the questions answered through the engine; the one with the best
total of answer hit, footnote recall and right declines wins, the largest on a tie (the
widest routing that costs nothing). The other parameters stay as ``DEFAULT_ROUTE`` sets them.
A cross-validation refits per fold by calling ``fit`` on the fold's training questions
(``crossval`` does so from two runs of the engine).

    python -m bronwijzer.cite.card_fit eval/tuning.jsonl   # writes cite/card_route.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bronwijzer.cite.card_answer import DEFAULT_ROUTE, ROUTE_FILE, load_route, using_route

CANDIDATES = tuple(range(0, 7))


def value(question: dict, answer: dict) -> float:
    """What an answer earns on a gold question: answer hit + footnote recall + the
    reciprocal rank of the first passage holding the gold for an answerable one, a
    decline for an unanswerable one (the scorer's definitions)."""
    from bronwijzer.tune.evaluate import score_question
    row = score_question(question, answer)
    earned = float(bool(row.get("answer_hit"))) + float(row.get("footnote_recall") or 0.0)
    earned += 1.0 / row["rank"] if row.get("rank") else 0.0
    if not row["answerable"]:
        earned += float(row["abstained"])
    return earned


def answer_runs(texts: list[str], engine) -> tuple[list[dict], list[dict]]:
    """The questions answered never routed to the cards, and routed at the widest candidate."""
    runs = []
    for candidate in (-1, CANDIDATES[-1]):
        with using_route({**DEFAULT_ROUTE, "max_residual": candidate}):
            runs.append(engine.answer_dicts(texts))
    return runs[0], runs[1]


def routed_at(candidate: int, plain: dict, wide: dict) -> dict:
    """The answer at ``candidate``: the cards' (from the wide run) when its residual is
    within the candidate, else the plain one."""
    if wide.get("kind") == "cite-cards" and wide.get("residual", candidate + 1) <= candidate:
        return wide
    return plain


def choose(questions: list[dict], plain: list[dict], wide: list[dict]) -> dict:
    """The parameters whose answers earn most on ``questions`` (largest on a tie).

    Returns:
        The parameters, with ``totals``: the total value of each candidate (-1: never).
    """
    totals = {c: round(sum(value(q, routed_at(c, p, w))
                           for q, p, w in zip(questions, plain, wide)), 4)
              for c in (-1, *CANDIDATES)}
    best = max(totals, key=lambda c: (totals[c], c))
    return {**DEFAULT_ROUTE, "max_residual": best, "totals": totals}


def fit(questions: list[dict], engine) -> dict:
    """The routing parameters that do best on ``questions``.

    The questions are answered twice, never routed and routed at the widest candidate;
    a question answered from the cards there is answered so at a candidate exactly when
    its ``residual`` (in the answer's extra) is within it, so every candidate is scored
    from the two runs.

    Args:
        questions: gold questions (``question``, ``gold``, ``footnotes``, ``answerable``).
        engine: the ``Engine`` (used through ``answer_dicts`` only).

    Returns:
        The parameters, with ``totals``: the total value of each candidate (-1: never).
    """
    plain, wide = answer_runs([q["question"] for q in questions], engine)
    return choose(questions, plain, wide)


def crossval(questions: list[dict], engine, folds: list[int]) -> tuple[list[dict], list[int]]:
    """Out-of-fold answers: each fold answered with the parameters fitted on the others.

    Args:
        questions: gold questions; engine: the ``Engine``; folds: the fold of each question.

    Returns:
        ``(answers in question order, max_residual chosen for each fold)``.
    """
    plain, wide = answer_runs([q["question"] for q in questions], engine)
    answers: list[dict] = [{} for _ in questions]
    chosen = []
    for fold in sorted(set(folds)):
        train = [i for i, f in enumerate(folds) if f != fold]
        params = choose([questions[i] for i in train], [plain[i] for i in train],
                        [wide[i] for i in train])
        chosen.append(params["max_residual"])
        for i, f in enumerate(folds):
            if f == fold:
                answers[i] = routed_at(params["max_residual"], plain[i], wide[i])
    return answers, chosen


def write(params: dict, path: Path = ROUTE_FILE) -> None:
    """Store fitted parameters (read by ``load_route``)."""
    path.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    load_route.cache_clear()


def main(argv: list[str] | None = None) -> int:
    """Fit on a questions file and write ``card_route.json``."""
    from bronwijzer.engine import Engine
    from bronwijzer.tune.evaluate import read_jsonl
    from bronwijzer.settings import load_settings
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m bronwijzer.cite.card_fit QUESTIONS.jsonl", file=sys.stderr)
        return 2
    params = fit(read_jsonl(Path(args[0])), Engine.open(load_settings(), build=False))
    write({**params, "fitted_on": Path(args[0]).name})
    print(json.dumps(params))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
