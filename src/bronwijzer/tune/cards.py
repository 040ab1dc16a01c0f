"""Fitting when a question goes to the reference cards: ``fit(questions, engine)``.

The one fitted parameter is ``max_residual``: how many words a bibliography question may
hold that are neither frame, filter nor a name some card explains. Each candidate (and
"never") is scored on the questions answered through the engine; the one with the best
total of answer hit, footnote recall and right declines wins, the largest on a tie (the
widest routing that costs nothing). The other parameters stay as ``DEFAULT_ROUTE`` sets them.
Only the questions the cards could take (``may_route``) are answered: the others get the
same answer at every candidate. ``tune.crossval`` refits per fold by calling ``fit`` on
the fold's training questions with the fold's models; ``bronwijzer calibrate`` fits on
the whole tuning set and writes ``cite/card_route.json`` (``calibrate_cards``).
"""

from __future__ import annotations

import json
from pathlib import Path

from bronwijzer.cite.card_answer import DEFAULT_ROUTE, ROUTE_FILE, load_route, using_route
from bronwijzer.cite.card_query import parse

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


def may_route(question: str) -> bool:
    """Whether the cards could answer a question at some candidate (a bibliography
    question with a filter or a name, naming no footnote): ``answer_from_cards``'s
    first tests, before the detector and the cards are asked."""
    q = parse(question)
    return q.bibliographic and not q.footnotes and bool(q.structural or q.name_words or q.name)


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

    The questions the cards could take (``may_route``) are answered twice, never routed
    and routed at the widest candidate; a question answered from the cards there is
    answered so at a candidate exactly when its ``residual`` (in the answer's extra) is
    within it, so every candidate is scored from the two runs. (The other questions
    earn the same at every candidate and are left out of the totals.)

    Args:
        questions: gold questions (``question``, ``gold``, ``footnotes``, ``answerable``).
        engine: the ``Engine`` (used through ``answer_dicts`` only).

    Returns:
        The parameters, with ``totals``: the total value of each candidate (-1: never)
        on the questions the cards could take, and ``n_scored``: how many those are.
    """
    scored = [q for q in questions if may_route(q["question"])]
    plain, wide = answer_runs([q["question"] for q in scored], engine)
    return {**choose(scored, plain, wide), "n_scored": len(scored)}


def write(params: dict, path: Path = ROUTE_FILE) -> None:
    """Store fitted parameters (read by ``load_route``)."""
    path.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    load_route.cache_clear()


def calibrate_cards(engine, questions: list[dict], name: str, path: Path = ROUTE_FILE) -> dict:
    """Fit the routing on a question set and write it to ``card_route.json``.

    Args:
        engine: the open ``Engine`` with the models it answers with.
        questions: the tuning questions; name: their file's name (``fitted_on``).
        path: where the parameters go.

    Returns:
        The written parameters.
    """
    params = {**fit(questions, engine), "fitted_on": name}
    write(params, path)
    return params
