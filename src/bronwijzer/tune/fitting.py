"""The one way Bronwijzer fits a model offline: a scikit-learn pipeline (standardise,
then logistic regression), fixed folds, out-of-fold predictions and a choice of ``C``.

The answerability model (``tune.answerability``), the confidence model
(``tune.confidence``), the citation-question detector (``tune.cite_detector``) and the
passage ranker (``tune.ranker``) all go through here. Folds are fixed: rows sorted by
id and dealt round-robin within each label, so the same data always gives the same folds. A fold of ``-1`` marks a
row that always trains and is never predicted (authored training questions).
The fitted pipelines are stored as plain numbers (``linear_parts``), never pickled.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

FOLDS = 5
DIGITS = 6  # significant digits: run-to-run float noise (~1e-8) stays out of the files


def folds_of(ids: Sequence, labels: Sequence, k: int = FOLDS) -> list[int]:
    """The fold of each row: sorted by id, dealt round-robin within each label.

    Args:
        ids: the rows' ids (sortable); labels: the rows' labels (stratification).
        k: the number of folds.

    Returns:
        One fold number in ``0..k-1`` per row.
    """
    fold = [0] * len(ids)
    for label in sorted(set(labels), key=repr):
        members = sorted((ids[i], i) for i in range(len(ids)) if labels[i] == label)
        for n, (_, i) in enumerate(members):
            fold[i] = n % k
    return fold


def feature_rows(evidence: list[dict | None], features: Sequence[str]) -> np.ndarray:
    """The rows of named evidence features (zeros where nothing was found)."""
    return np.array([[float((e or {}).get(f, 0.0)) for f in features] for e in evidence])


def pipeline(c: float, steps: Sequence = (), tol: float = 1e-10, class_weight=None):
    """A new unfitted pipeline: ``steps`` (feature transformers), standardise, logistic.

    Args:
        c: the inverse regularisation strength.
        steps: ``(name, transformer)`` pairs run before standardising.
        tol: the solver's tolerance (small: the stored numbers are reproducible).
        class_weight: the logistic regression's (``"balanced"``: the ranker's pairs).

    Returns:
        A scikit-learn ``Pipeline``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    return Pipeline([*steps, ("scale", StandardScaler()),
                     ("logistic", LogisticRegression(C=c, solver="lbfgs", max_iter=5000, tol=tol,
                                                     class_weight=class_weight))])


def fit(make: Callable[[float], object], x: np.ndarray, y: np.ndarray, c: float):
    """``make(c)`` fitted on all rows."""
    return make(c).fit(x, y)


def probabilities(model, x: np.ndarray, classes: Sequence) -> np.ndarray:
    """Class probabilities in the order of ``classes`` (0 for a class the model never saw)."""
    out = np.zeros((len(x), len(classes)))
    seen = list(model.classes_)
    probs = model.predict_proba(x)
    for column, label in enumerate(classes):
        if label in seen:
            out[:, column] = probs[:, seen.index(label)]
    return out


def out_of_fold(make: Callable[[float], object], x: np.ndarray, y: np.ndarray,
                folds: Sequence[int], c: float, classes: Sequence | None = None) -> np.ndarray:
    """Each row's class probabilities from a model fitted on the other folds.

    Args:
        make: builds an unfitted pipeline for a ``C``.
        x, y: the rows and their labels.
        folds: each row's fold; ``-1``: always trains, predicted as zeros.
        c: the ``C`` of every fit.
        classes: the columns of the result (default: the labels present, sorted).

    Returns:
        An array of one probability row per row of ``x``.
    """
    classes = list(classes if classes is not None else sorted(set(y.tolist())))
    folds = np.asarray(folds)
    probs = np.zeros((len(y), len(classes)))
    for f in sorted(set(folds.tolist()) - {-1}):
        held = folds == f
        probs[held] = probabilities(fit(make, x[~held], y[~held], c), x[held], classes)
    return probs


def choose_c(make: Callable[[float], object], x: np.ndarray, y: np.ndarray,
             folds: Sequence[int], grid: Sequence[float],
             score: Callable[[np.ndarray], tuple], classes: Sequence | None = None):
    """The ``C`` of ``grid`` whose out-of-fold probabilities score best.

    Args:
        make, x, y, folds, classes: as for ``out_of_fold``.
        grid: the candidate ``C`` values, in order (ties keep the earlier one).
        score: out-of-fold probabilities -> a sortable key, higher is better.

    Returns:
        ``(C, its out-of-fold probabilities, its key)``.
    """
    best = None
    for c in grid:
        probs = out_of_fold(make, x, y, folds, c, classes)
        key = score(probs)
        if best is None or key > best[2]:
            best = (c, probs, key)
    return best


def choose_features(x: np.ndarray, features: Sequence[str], candidates: Sequence[Sequence[str]],
                    evaluate: Callable[[np.ndarray], tuple]) -> tuple:
    """The candidate feature set whose columns ``evaluate`` scores best.

    Args:
        x: the rows, one column per name of ``features``.
        features: the names of the columns of ``x``.
        candidates: feature sets (names in ``features``), in order (ties keep the earlier).
        evaluate: the chosen columns -> ``(sortable key, higher is better; what else the
            choice made, such as C)``.

    Returns:
        ``(names, their columns of x, what evaluate made for them)``.
    """
    best = None
    for names in candidates:
        columns = x[:, [list(features).index(n) for n in names]]
        key, made = evaluate(columns)
        if best is None or key > best[0]:
            best = (key, tuple(names), columns, made)
    return best[1:]


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    """The mean log-loss of probabilities ``p`` of the positive class for 0/1 labels."""
    return float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))


def linear_parts(model) -> dict:
    """A fitted pipeline's standardisation and logistic coefficients, as plain arrays.

    Returns:
        ``{"mean", "scale", "coef", "intercept", "classes"}`` (``coef`` one row per
        class the model saw; a binary model has one row, for its second class).
    """
    scaler, logistic = model.named_steps["scale"], model.named_steps["logistic"]
    return {"mean": scaler.mean_, "scale": scaler.scale_, "coef": logistic.coef_,
            "intercept": logistic.intercept_, "classes": list(logistic.classes_)}


def rounded(value):
    """Floats (or arrays of them, nested) to ``DIGITS`` significant digits."""
    if isinstance(value, (np.ndarray, list, tuple)):
        return [rounded(v) for v in value]
    return float(f"{float(value):.{DIGITS}g}")
