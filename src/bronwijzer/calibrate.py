"""Calibrate: fit the answerability model on the tuning questions, with cross-validation.

``bronwijzer calibrate`` reads ``eval/tuning.jsonl`` (never the held-out dev
set), computes the evidence features of every question, chooses the
regularisation ``C`` by 5-fold cross-validation (folds are fixed: questions
sorted by id, dealt round-robin within answerable and unanswerable), sets the
threshold on the out-of-fold probabilities so that ``ANSWERED`` of the
answerable questions are answered, fits the final model on all questions and
writes it as JSON. Same data and model: byte-identical file.

``bronwijzer crossval`` answers each fold with a model refitted (by the same
procedure) on the other folds: the honest figures of the tuning set.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from bronwijzer.answer.answerability import MODEL_FILE, model_from_dict
from bronwijzer.errors import QuestionError
from bronwijzer.evaluate import read_jsonl
from bronwijzer.files import atomic_write

# The features the model uses: the few that helped in cross-validation (see
# ``explore`` and eval/NOTES.md); the others are measured but left out.
FEATURES = ("best_cosine", "kind_missing", "names_missing")
C_GRID = (0.03, 0.1, 0.3, 1.0)
FOLDS = 5
ANSWERED = 0.95  # default of settings.calibrate_answered
DIGITS = 6  # significant digits: run-to-run float noise (~1e-8) stays out of the file
CURVE = (1.0, 0.97, 0.95, 0.92, 0.9, 0.85, 0.8, 0.7, 0.6)


def folds_of(questions: list[dict], k: int = FOLDS) -> list[int]:
    """The fold of each question: sorted by id, dealt round-robin per label."""
    fold = [0] * len(questions)
    for label in (True, False):
        members = sorted((q["id"], i) for i, q in enumerate(questions)
                         if bool(q.get("answerable", True)) == label)
        for n, (_, i) in enumerate(members):
            fold[i] = n % k
    return fold


def matrix(evidence: list[dict | None], features=FEATURES) -> np.ndarray:
    """The feature rows (zeros where nothing was found)."""
    return np.array([[float((e or {}).get(f, 0.0)) for f in features] for e in evidence])


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    fitted = LogisticRegression(C=c, solver="lbfgs", max_iter=5000, tol=1e-10)
    fitted.fit((x - mean) / scale, y)
    return mean, scale, fitted.coef_[0], float(fitted.intercept_[0])


def _probabilities(x, mean, scale, coef, intercept) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(intercept + ((x - mean) / scale) @ coef)))


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: list[int], c: float) -> np.ndarray:
    """Each question's probability from a model fitted on the other folds."""
    folds = np.asarray(folds)
    probs = np.zeros(len(y))
    for f in sorted(set(folds.tolist())):
        train = folds != f
        probs[~train] = _probabilities(x[~train], *_fit(x[train], y[train], c))
    return probs


def pick_threshold(probs: np.ndarray, y: np.ndarray, answered: float = ANSWERED) -> float:
    """The highest threshold that still answers ``answered`` of the answerable questions
    (half-way to the next lower probability, so that it is not on a data point)."""
    positive = np.sort(probs[y == 1])[::-1]
    if not len(positive):
        return 0.5
    keep = min(max(math.ceil(answered * len(positive)), 1), len(positive))
    low = positive[keep] if keep < len(positive) else 0.0
    return float((positive[keep - 1] + low) / 2)


def declined_at(probs: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float]:
    """(share of unanswerable declined, share of answerable answered) at a threshold."""
    neg, pos = probs[y == 0], probs[y == 1]
    return (float((neg < threshold).mean()) if len(neg) else 0.0,
            float((pos >= threshold).mean()) if len(pos) else 0.0)


def choose(x: np.ndarray, y: np.ndarray, folds: list[int],
           answered: float = ANSWERED) -> tuple[float, float, dict]:
    """``C`` and threshold by cross-validation: the C whose out-of-fold probabilities
    decline most unanswerable questions at the threshold (log-loss breaks ties)."""
    best = None
    for c in C_GRID:
        probs = out_of_fold(x, y, folds, c)
        threshold = pick_threshold(probs, y, answered)
        declined, kept = declined_at(probs, y, threshold)
        loss = float(-np.mean(y * np.log(probs + 1e-12) + (1 - y) * np.log(1 - probs + 1e-12)))
        key = (round(declined, 6), -round(loss, 6))
        if best is None or key > best[0]:
            best = (key, c, threshold, {"declined": declined, "answered": kept,
                                        "log_loss": loss})
    return best[1], best[2], best[3]


def fit_model(x: np.ndarray, y: np.ndarray, folds: list[int], embedder: dict,
              features=FEATURES, answered: float = ANSWERED) -> tuple[dict, dict]:
    """Choose C and the threshold by cross-validation, then fit on everything.

    Args:
        x: the feature rows; y: 1 for answerable, 0 for not.
        folds: the fold of each row.
        embedder: the embedding model's ``name`` and ``fingerprint``.
        features: the names of the columns of ``x``.
        answered: the share of answerable questions the threshold keeps answering.

    Returns:
        ``(model dict, cross-validation figures)``.
    """
    c, threshold, figures = choose(x, y, folds, answered)
    figures["curve"] = trade_off(out_of_fold(x, y, folds, c), y)
    mean, scale, coef, intercept = _fit(x, y, c)
    return {
        "features": list(features), "mean": _round(mean), "scale": _round(scale),
        "coef": _round(coef), "intercept": _round(intercept), "C": c,
        "threshold": _round(threshold),
        "embedder": dict(embedder),
    }, figures


def _round(value):
    if isinstance(value, np.ndarray):
        return [_round(float(v)) for v in value]
    return float(f"{value:.{DIGITS}g}")


def read_questions(path: Path) -> list[dict]:
    """The labelled questions of a JSONL file (``QuestionError`` when unreadable or unfit)."""
    try:
        questions = read_jsonl(Path(path))
    except ValueError as error:
        raise QuestionError(str(error)) from None
    check_questions(questions)
    return questions


def check_questions(questions: list[dict]) -> None:
    """Raise ``QuestionError`` unless the questions can be fitted on: each has an
    ``id`` and a ``question``, and both answerable and unanswerable ones are there."""
    bad = [n for n, q in enumerate(questions, 1) if not isinstance(q, dict) or "id" not in q
           or not isinstance(q.get("question"), str) or not q["question"].strip()]
    if bad:
        raise QuestionError(f"question rows {bad[:5]} lack an id or a question")
    labels = [bool(q.get("answerable", True)) for q in questions]
    if min(labels.count(True), labels.count(False)) < FOLDS:
        raise QuestionError(f"calibration needs at least {FOLDS} answerable and {FOLDS} "
                            "unanswerable questions (field `answerable`)")


def calibrate(engine, questions_path: Path, output: Path = MODEL_FILE) -> dict:
    """Fit the answerability model on a tuning set and write it to ``output``.

    Args:
        engine: the open ``Engine`` (its embedder is the one calibrated).
        questions_path: the tuning questions (JSONL with ``answerable``).
        output: where the model JSON goes.

    Returns:
        The written model dict (with ``fitted_on`` and ``cv`` figures).
    """
    questions = read_questions(Path(questions_path))
    x = matrix(engine.evidence([q["question"] for q in questions]))
    y = np.array([int(bool(q.get("answerable", True))) for q in questions])
    model, figures = fit_model(x, y, folds_of(questions), engine.embedding_model(),
                               answered=engine.settings.calibrate_answered)
    model["fitted_on"] = {"file": Path(questions_path).name, "n": len(questions),
                          "answerable": int(y.sum()),
                          "sha256": hashlib.sha256(Path(questions_path).read_bytes()).hexdigest()}
    model["cv"] = {k: v if k == "curve" else _round(v) for k, v in figures.items()}
    text = json.dumps(model, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(Path(output), text)
    return model


def crossval_answers(engine, questions: list[dict]) -> list[dict]:
    """Answer every question with a model fitted on the other folds only.

    Args:
        engine: the open ``Engine``; its answerability model is restored afterwards.
        questions: the tuning questions.

    Returns:
        One answer dict per question (``ask --json`` form plus ``id``), in order.
    """
    check_questions(questions)
    texts = [q["question"] for q in questions]
    x = matrix(engine.evidence(texts))
    y = np.array([int(bool(q.get("answerable", True))) for q in questions])
    folds = folds_of(questions)
    answers: list = [None] * len(questions)
    saved = engine.use_answerability(None)
    try:
        for f in range(FOLDS):
            train = [i for i, g in enumerate(folds) if g != f]
            inner = folds_of([questions[i] for i in train])
            data, _ = fit_model(x[train], y[train], inner, engine.embedding_model(),
                                answered=engine.settings.calibrate_answered)
            engine.use_answerability(model_from_dict(data))
            held = [i for i, g in enumerate(folds) if g == f]
            for i, answer in zip(held, engine.answer_dicts([texts[i] for i in held])):
                answers[i] = {"id": questions[i]["id"], **answer}
    finally:
        engine.use_answerability(saved)
    return answers


def trade_off(probs: np.ndarray, y: np.ndarray, levels=CURVE) -> list[dict]:
    """The answered/declined trade-off: for each share of answerable questions kept
    answered, the threshold and the share of unanswerable ones declined."""
    rows = []
    for level in levels:
        threshold = pick_threshold(probs, y, level)
        declined, answered = declined_at(probs, y, threshold)
        rows.append({"threshold": _round(threshold), "declined": _round(declined),
                     "answered": _round(answered)})
    return rows
