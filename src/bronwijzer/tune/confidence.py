"""Fit the confidence model: the probability that an answer is right.

The label of a tuning question is 1 when it is answerable and the answer the engine
gives (declines included) quotes a gold span: what the scorer counts as
``answer_hit``. The features are evidence features (``FEATURES``, the columns of the
rows; each fit uses one set of ``CANDIDATES``); the model is a logistic regression
through ``tune.fitting`` with the feature set and ``C`` chosen together by out-of-fold
log-loss, so that crossval's folds choose them again. Its out-of-fold probabilities give
the reliability table (``tune.reliability``: bins of equal size, mean confidence vs share
right) and the Brier score written beside the model (``answer/correctness.json``).
"""

from __future__ import annotations

import numpy as np

from bronwijzer.tune import fitting
from bronwijzer.tune.evaluate import score_question
from bronwijzer.tune.reliability import brier, reliability

# The columns of the rows; the answer path computes those the fitted model names
# (``answer.correctness.features``). ``cited_claim``: the answer is a cited claim (the
# citation path found a footnoted sentence making it), not the plain answer.
FEATURES = ("best_cosine", "kind_missing", "names_missing", "terms_chosen", "cited_claim",
            "best_score", "score_margin")
# The feature sets a fit chooses from: what the answerability reasons read, then the
# answer's path, then the sentence ranker's score of the quoted sentence and its lead.
CANDIDATES = (FEATURES[:4], FEATURES[:5], FEATURES)
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)


def right_labels(questions: list[dict], answers: list[dict]) -> np.ndarray:
    """1 where the answer is right (answerable, quoting a gold span), else 0."""
    return np.array([int(bool(score_question(q, a).get("answer_hit"))) for q, a in
                     zip(questions, answers)])


def fit_confidence(x: np.ndarray, y: np.ndarray, folds: list[int], embedder: dict,
                   candidates=CANDIDATES) -> dict:
    """Choose the feature set and C by out-of-fold log-loss, fit on everything, and
    report the out-of-fold reliability table and Brier score.

    Args:
        x: the ``FEATURES`` rows; y: 1 where the answer is right.
        folds: the fold of each row.
        embedder: the embedding model's ``name`` and ``fingerprint``.
        candidates: the feature sets to choose from (ties keep the earlier, smaller one).

    Returns:
        The JSON-ready model (``answer.correctness`` reads it) with its ``cv`` figures.
    """
    if min(int(y.sum()), int(len(y) - y.sum())) < fitting.FOLDS:
        return _constant(x, y, embedder)

    def key(probs):
        return -round(fitting.log_loss(probs[:, 1], y), 6)

    def evaluate(columns):
        c, probs, score = fitting.choose_c(fitting.pipeline, columns, y, folds, C_GRID, key,
                                           classes=(0, 1))
        return score, (c, probs)

    names, columns, (c, probs) = fitting.choose_features(x, FEATURES, candidates, evaluate)
    parts = fitting.linear_parts(fitting.fit(fitting.pipeline, columns, y, c))
    r = fitting.rounded
    oof = probs[:, 1]
    return {"features": list(names), "mean": r(parts["mean"]), "scale": r(parts["scale"]),
            "coef": r(parts["coef"][0]), "intercept": r(parts["intercept"][0]), "C": c,
            "embedder": dict(embedder),
            "cv": {"brier": r(brier(oof, y)), "reliability": reliability(oof, y),
                   "log_loss": r(fitting.log_loss(oof, y)), "right": r(float(y.mean()))}}


def _constant(x: np.ndarray, y: np.ndarray, embedder: dict) -> dict:
    """Too few right (or wrong) answers to fit on: the share right, for every answer."""
    share = min(max(float(y.mean()) if len(y) else 0.0, 1e-3), 1 - 1e-3)
    p = np.full(len(y), share)
    r = fitting.rounded
    names = CANDIDATES[0]
    return {"features": list(names), "mean": [0.0] * len(names),
            "scale": [1.0] * len(names), "coef": [0.0] * len(names),
            "intercept": r(np.log(share / (1 - share))), "C": None, "embedder": dict(embedder),
            "cv": {"brier": r(brier(p, y)), "reliability": reliability(p, y),
                   "log_loss": r(fitting.log_loss(p, y)), "right": r(share)}}


def confidence_rows(engine, questions: list[dict], evidence: list[dict | None]):
    """The ``FEATURES`` rows and the right/wrong labels of the engine's answers."""
    answers = engine.answer_dicts([q["question"] for q in questions])
    claimed = [cited_claim(a) for a in answers]
    rows = [None if e is None else {**e, "cited_claim": c} for e, c in zip(evidence, claimed)]
    return fitting.feature_rows(rows, FEATURES), right_labels(questions, answers)


def cited_claim(answer: dict) -> float:
    """1.0 when an answer (``ask --json`` form) is a cited claim, else 0.0."""
    return float(answer.get("kind") == "cite-claim" and not answer.get("abstained"))
