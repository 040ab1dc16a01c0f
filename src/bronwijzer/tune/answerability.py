"""Fit the answerability model (when to say the text has no answer) on tuning questions.

``bronwijzer calibrate`` reads ``eval/tuning.jsonl`` (never the held-out dev set),
computes the evidence features of every question, chooses the feature set
(``CANDIDATES``) and the regularisation ``C`` by 5-fold cross-validation (``tune.fitting``), sets the threshold on the out-of-fold
probabilities so that ``ANSWERED`` of the answerable questions are answered, fits the
final model on all questions and writes it as JSON; then fits the confidence model
(``tune.confidence``) on the answers it lets through. Same data and model:
byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from bronwijzer.answer.answerability import MODEL_FILE, model_from_dict
from bronwijzer.answer.correctness import MODEL_FILE as CONFIDENCE_FILE
from bronwijzer.errors import QuestionError
from bronwijzer.files import atomic_write
from bronwijzer.tune import fitting
from bronwijzer.tune.confidence import confidence_rows, fit_confidence
from bronwijzer.tune.evaluate import read_jsonl

# The columns of the rows: the evidence features whose pull a reader can follow (a closer
# best passage, the asked kind given, names the corpus knows, an amount given), each
# towards answering in the direction its meaning says (eval/NOTES.md lists those measured
# and left out, and why). Every fit, crossval's folds included, chooses one of the
# ``CANDIDATES`` with its C by the out-of-fold declines (log-loss breaks ties; a tie
# keeps the smaller set). ``lacks_amount``: answer.lacks, an amount asked and no new
# number in the top sentences; ``lacks_asked``: a date, a name, a person in a role, a
# place or a comparison asked and none in the top sentences. (``asked_rank``, how far down
# the first sentence giving the asked kind stands, was tried and left out: eval/NOTES.md.)
FEATURES = ("best_cosine", "kind_missing", "names_missing", "lacks_amount", "lacks_asked")
CANDIDATES = (FEATURES[:3], FEATURES[:4], FEATURES)
C_GRID = (0.03, 0.1, 0.3, 1.0)
FOLDS = fitting.FOLDS
ANSWERED = 0.95  # default of settings.calibrate_answered
CURVE = (1.0, 0.97, 0.95, 0.92, 0.9, 0.85, 0.8, 0.7, 0.6)


def folds_of(questions: list[dict], k: int = FOLDS) -> list[int]:
    """The fold of each question: sorted by id, dealt round-robin per label."""
    return fitting.folds_of([q["id"] for q in questions], labels_of(questions), k)


def labels_of(questions: list[dict]) -> np.ndarray:
    """1 for an answerable question, 0 for one the text does not answer."""
    return np.array([int(bool(q.get("answerable", True))) for q in questions])


def matrix(evidence: list[dict | None], features=FEATURES) -> np.ndarray:
    """The feature rows (zeros where nothing was found)."""
    return fitting.feature_rows(evidence, features)


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: list[int], c: float) -> np.ndarray:
    """Each question's probability of being answerable, from the other folds' model."""
    return fitting.out_of_fold(fitting.pipeline, x, y, folds, c, classes=(0, 1))[:, 1]


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


def choose_features(x: np.ndarray, y: np.ndarray, folds: list[int], features=FEATURES,
                    candidates=CANDIDATES, answered: float = ANSWERED):
    """The feature set, C and threshold by cross-validation: the set whose out-of-fold
    probabilities decline most unanswerable questions (log-loss breaks ties; a tie keeps
    the earlier set).

    Args:
        x: the rows, one column per name in ``features``; y: 1 for answerable.
        folds: the fold of each row.
        features: the names of the columns of ``x``.
        candidates: the feature sets to choose from (each a tuple of names in ``features``).
        answered: the share of answerable questions the threshold keeps answering.

    Returns:
        ``(names, their columns of x, C, threshold, cross-validation figures)``.
    """
    def evaluate(columns):
        c, threshold, figures = choose(columns, y, folds, answered)
        return ((round(figures["declined"], 6), -round(figures["log_loss"], 6)),
                (c, threshold, figures))

    names, columns, (c, threshold, figures) = fitting.choose_features(x, features, candidates,
                                                                      evaluate)
    return names, columns, c, threshold, figures


def choose(x: np.ndarray, y: np.ndarray, folds: list[int],
           answered: float = ANSWERED) -> tuple[float, float, dict]:
    """``C`` and threshold by cross-validation: the C whose out-of-fold probabilities
    decline most unanswerable questions at the threshold (log-loss breaks ties)."""
    def key(probs):
        p = probs[:, 1]
        declined, _ = declined_at(p, y, pick_threshold(p, y, answered))
        return round(declined, 6), -round(fitting.log_loss(p, y), 6)

    c, probs, _ = fitting.choose_c(fitting.pipeline, x, y, folds, C_GRID, key, classes=(0, 1))
    p = probs[:, 1]
    threshold = pick_threshold(p, y, answered)
    declined, kept = declined_at(p, y, threshold)
    return c, threshold, {"declined": declined, "answered": kept,
                          "log_loss": fitting.log_loss(p, y), "curve": trade_off(p, y)}


def fit_model(x: np.ndarray, y: np.ndarray, folds: list[int], embedder: dict,
              features=FEATURES, answered: float = ANSWERED,
              candidates=None) -> tuple[dict, dict]:
    """Choose the feature set, C and the threshold by cross-validation, then fit on
    everything.

    Args:
        x: the feature rows; y: 1 for answerable, 0 for not.
        folds: the fold of each row.
        embedder: the embedding model's ``name`` and ``fingerprint``.
        features: the names of the columns of ``x``.
        answered: the share of answerable questions the threshold keeps answering.
        candidates: the feature sets to choose from (default: ``CANDIDATES`` for the
            default columns, else all of ``features``).

    Returns:
        ``(model dict, cross-validation figures)``.
    """
    if candidates is None:
        candidates = CANDIDATES if tuple(features) == FEATURES else (tuple(features),)
    names, x, c, threshold, figures = choose_features(x, y, folds, features, candidates,
                                                       answered)
    parts = fitting.linear_parts(fitting.fit(fitting.pipeline, x, y, c))
    r = fitting.rounded
    return {
        "features": list(names), "mean": r(parts["mean"]), "scale": r(parts["scale"]),
        "coef": r(parts["coef"][0]), "intercept": r(parts["intercept"][0]), "C": c,
        "threshold": r(threshold), "embedder": dict(embedder),
    }, figures


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


def fitted_on(path: Path, questions: list[dict]) -> dict:
    """What a model was fitted on: the file's name, size, answerable count and digest."""
    return {"file": Path(path).name, "n": len(questions),
            "answerable": int(labels_of(questions).sum()),
            "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}


def calibrate(engine, questions_path: Path, output: Path = MODEL_FILE,
              confidence_output: Path | None = None) -> dict:
    """Fit the answerability model on a tuning set and write it to ``output``; then the
    confidence model (``tune.confidence``) on the answers it lets through.

    Args:
        engine: the open ``Engine`` (its embedder is the one calibrated).
        questions_path: the tuning questions (JSONL with ``answerable``).
        output: where the model JSON goes.
        confidence_output: where the confidence model goes (default: ``_beside``).

    Returns:
        The written model dict (with ``fitted_on`` and ``cv`` figures), with the
        confidence model under ``confidence``.
    """
    questions = read_questions(Path(questions_path))
    with engine.remembering():  # the confidence rows ask the questions again
        return _calibrate(engine, questions_path, questions, output, confidence_output)


def _calibrate(engine, questions_path: Path, questions: list[dict], output: Path,
               confidence_output: Path | None) -> dict:
    evidence = engine.evidence([q["question"] for q in questions])
    x = matrix(evidence)
    y = labels_of(questions)
    model, figures = fit_model(x, y, folds_of(questions), engine.embedding_model(),
                               answered=engine.settings.calibrate_answered)
    model["fitted_on"] = fitted_on(questions_path, questions)
    model["cv"] = {k: v if k == "curve" else fitting.rounded(v) for k, v in figures.items()}
    write_json(output, model)
    saved = engine.use_answerability(model_from_dict(model))
    try:  # the confidence model learns from the answers this model lets through
        x_right, right = confidence_rows(engine, questions, evidence)
    finally:
        engine.use_answerability(saved)
    confidence = fit_confidence(x_right, right, folds_of(questions), engine.embedding_model())
    confidence["fitted_on"] = model["fitted_on"]
    write_json(confidence_output or _beside(Path(output)), confidence)
    model["confidence"] = confidence
    return model


def _beside(output: Path) -> Path:
    """Where the confidence model goes: the packaged file beside the packaged
    answerability model, else ``NAME.correctness.json`` beside ``output``."""
    if output.resolve() == MODEL_FILE.resolve():
        return CONFIDENCE_FILE
    return output.with_name(output.stem + ".correctness.json")


def write_json(path: Path, data: dict) -> None:
    """Write a fitted model as sorted, indented UTF-8 JSON (atomically)."""
    atomic_write(Path(path), json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def trade_off(probs: np.ndarray, y: np.ndarray, levels=CURVE) -> list[dict]:
    """The answered/declined trade-off: for each share of answerable questions kept
    answered, the threshold and the share of unanswerable ones declined."""
    rows = []
    for level in levels:
        threshold = pick_threshold(probs, y, level)
        declined, answered = declined_at(probs, y, threshold)
        rows.append({"threshold": fitting.rounded(threshold),
                     "declined": fitting.rounded(declined),
                     "answered": fitting.rounded(answered)})
    return rows
