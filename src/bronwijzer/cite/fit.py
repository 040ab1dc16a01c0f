"""Fitting the citation-question detector (see ``cite.detect``).

Training data: the tuning questions (``eval/tuning.jsonl``) with their citation
kind (``eval/cite_labels.json``; unlisted ids are ``none``), plus authored
questions of the kinds the tuning set lacks (``eval/cite_extra.jsonl``). The
dev set is never read. ``cross_validate`` reports k-fold figures on the tuning
questions (the authored ones always train); ``fit_citation_detector`` fits on
all of them and returns the JSON-ready parameters.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from bronwijzer.cite.detect import CUES, KINDS, features, softmax_predict

C_VALUES = (0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5


def load_training(tuning: Path, labels: Path, extra: Path | None) -> list[dict]:
    """Training questions as ``{"question", "kind", "tuning": bool}``.

    Args:
        tuning: the tuning set (jsonl with ``id`` and ``question``).
        labels: ``{"labels": {id: kind}}``; unlisted ids are ``none``.
        extra: authored questions (jsonl with ``question`` and ``cite``), or None.

    Returns:
        the rows, tuning questions first, in file order.
    """
    kinds = json.loads(labels.read_text(encoding="utf-8"))["labels"]
    rows = []
    for line in tuning.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            rows.append({"question": q["question"], "kind": kinds.get(q["id"], "none"),
                         "tuning": True})
    if extra is not None:
        for line in extra.read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                rows.append({"question": q["question"], "kind": q["cite"], "tuning": False})
    bad = {r["kind"] for r in rows} - set(KINDS)
    if bad:
        raise ValueError(f"unknown citation kinds in the training data: {sorted(bad)}")
    return rows


def _centroids(vectors: np.ndarray, y: np.ndarray) -> np.ndarray:
    rows = []
    for k in range(len(KINDS)):
        c = vectors[y == k].mean(axis=0) if (y == k).any() else np.zeros(vectors.shape[1])
        norm = np.linalg.norm(c)
        rows.append(c / norm if norm else c)
    return np.array(rows)


def _fit_logistic(X: np.ndarray, y: np.ndarray, C: float) -> dict:
    """A multinomial logistic regression on standardised features, as plain lists."""
    from sklearn.linear_model import LogisticRegression
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit((X - mean) / scale, y)
    coef = np.zeros((len(KINDS), X.shape[1]))
    bias = np.full(len(KINDS), -30.0)  # a class never seen is never predicted
    if len(model.classes_) == 2:  # binary: sklearn keeps one row
        coef[model.classes_[1]], bias[model.classes_[1]] = model.coef_[0], model.intercept_[0]
        coef[model.classes_[0]], bias[model.classes_[0]] = 0.0, 0.0
    else:
        for row, k in enumerate(model.classes_):
            coef[k], bias[k] = model.coef_[row], model.intercept_[row]
    r = lambda a: [round(float(v), 6) for v in np.ravel(a)]  # noqa: E731
    return {"mean": r(mean), "scale": r(scale), "coef": [r(c) for c in coef], "bias": r(bias)}


def _matrix(cues: np.ndarray, vectors: np.ndarray, cents: np.ndarray | None) -> np.ndarray:
    """``features`` for many rows at once (cue features computed once per row)."""
    if cents is None:
        return cues
    cosines = vectors @ cents.T
    return np.hstack([cues, cosines - cosines.mean(axis=1, keepdims=True)])


def _fit(cues, vectors, y, C: float, use_vectors: bool) -> tuple[dict, np.ndarray | None]:
    cents = _centroids(vectors, y) if use_vectors else None
    return _fit_logistic(_matrix(cues, vectors, cents), y, C), cents


def cross_validate(rows: list[dict], vectors: np.ndarray, C: float, use_vectors: bool,
                   folds: int = FOLDS) -> dict:
    """k-fold figures on the tuning rows (authored rows always train).

    Returns:
        ``{"detect_accuracy", "precision", "recall", "kind_accuracy", "errors"}``:
        citation vs not, and the exact kind, over the held-out tuning questions.
    """
    y = np.array([KINDS.index(r["kind"]) for r in rows])
    cues = np.array([features(r["question"], None, None) for r in rows])
    tuning = [i for i, r in enumerate(rows) if r["tuning"]]
    predicted: dict[int, int] = {}
    for fold in range(folds):
        test = tuning[fold::folds]
        train = [i for i in range(len(rows)) if i not in set(test)]
        params, cents = _fit(cues[train], vectors[train], y[train], C, use_vectors)
        X = _matrix(cues[test], vectors[test], cents)
        for i, x in zip(test, X):
            predicted[i] = int(np.argmax(softmax_predict(params, x)))
    truth = {i: int(y[i]) for i in tuning}
    pos_true = {i for i in tuning if truth[i] != 0}
    pos_pred = {i for i in tuning if predicted[i] != 0}
    both = len(pos_true & pos_pred)
    return {"detect_accuracy": round(float(np.mean([(truth[i] != 0) == (predicted[i] != 0)
                                                    for i in tuning])), 4),
            "precision": round(both / len(pos_pred), 4) if pos_pred else None,
            "recall": round(both / len(pos_true), 4) if pos_true else None,
            "kind_accuracy": round(float(np.mean([truth[i] == predicted[i] for i in tuning])), 4),
            "errors": [[rows[i]["question"], KINDS[truth[i]], KINDS[predicted[i]]]
                       for i in tuning if truth[i] != predicted[i]]}


def _choose_C(rows, vectors, use_vectors: bool) -> tuple[float, dict]:
    """The C with the best cross-validated kind accuracy (ties: the smaller C)."""
    best = None
    for C in C_VALUES:
        report = cross_validate(rows, vectors, C, use_vectors)
        if best is None or report["kind_accuracy"] > best[1]["kind_accuracy"]:
            best = (C, report)
    return best


def fit_citation_detector(rows: list[dict], vectors: np.ndarray, model: str,
                          fingerprint: str) -> dict:
    """Fit the full and the cue-only detector, each with its C chosen by k-fold CV.

    Args:
        rows: from ``load_training``.
        vectors: the rows' query vectors from the embedding model.
        model: the embedding model's name; fingerprint: its fingerprint.

    Returns:
        the JSON-ready detector (parameters, centroids, CV figures, data digest).
    """
    y = np.array([KINDS.index(r["kind"]) for r in rows])
    cues = np.array([features(r["question"], None, None) for r in rows])
    out = {"kinds": list(KINDS), "cues": list(CUES), "model": model, "fingerprint": fingerprint}
    for name, use_vectors in (("full", True), ("cues_only", False)):
        C, report = _choose_C(rows, vectors, use_vectors)
        params, cents = _fit(cues, vectors, y, C, use_vectors)
        out[name] = {**params, "C": C, "cv": {k: v for k, v in report.items() if k != "errors"}}
        if use_vectors:
            out["centroids"] = [[round(float(v), 6) for v in c] for c in cents]
    digest = hashlib.sha256("\n".join(f"{r['kind']}\t{r['question']}" for r in rows).encode())
    out["data"] = {"questions": len(rows), "tuning": sum(r["tuning"] for r in rows),
                   "sha256": digest.hexdigest(), "folds": FOLDS}
    return out


def calibrate_citation_detector(settings, tuning: Path, labels: Path, extra: Path | None,
                                output: Path, embedder=None) -> dict:
    """Embed the training questions, fit the detector and write it as JSON.

    Args:
        settings: the settings (for the embedding model).
        tuning, labels, extra: the training files (see ``load_training``).
        output: where to write the detector (e.g. ``cite.detect.DETECTOR_FILE``).
        embedder: an embedder to use instead of loading ``settings.model``.

    Returns:
        the written detector.
    """
    from bronwijzer.cite.detect import load_detector
    from bronwijzer.files import atomic_write
    from bronwijzer.model.embed import load_embedder
    rows = load_training(tuning, labels, extra)
    embedder = embedder or load_embedder(settings)
    vectors = np.asarray(embedder.embed_batch([r["question"] for r in rows], kind="query"),
                         dtype=np.float64)
    detector = fit_citation_detector(rows, vectors, embedder.name, embedder.fingerprint)
    text = json.dumps(detector, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    atomic_write(output, text + "\n")
    load_detector.cache_clear()
    return detector
