"""Fitting the citation-question detector (see ``cite.detect``).

Training data: the tuning questions (``eval/tuning.jsonl``) with their citation
kind (``eval/cite_labels.json``; unlisted ids are ``none``), plus authored
questions of the kinds the tuning set lacks (``eval/cite_extra.jsonl``, checked
against dev by ``tests/test_eval_sets.py``). The dev set is never read.
``cross_validate`` reports k-fold figures on the tuning questions (the authored ones
always train); ``fit_citation_detector`` fits on all of them and returns the
JSON-ready parameters. The class centroids are part of the fitted pipeline
(``CentroidCosines``), so each fold computes its own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from bronwijzer.cite.detect import CUES, KINDS, features
from bronwijzer.tune import fitting

C_VALUES = (0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = fitting.FOLDS
CLASSES = tuple(range(len(KINDS)))


class CentroidCosines(BaseEstimator, TransformerMixin):
    """Rows ``[cue features | query vector]`` -> ``[cue features | centred cosines to the
    class centroids]``; the centroids are the normalised mean vectors of each class
    seen in fitting (zeros for a class not seen)."""

    def __init__(self, cues: int = len(CUES)):
        self.cues = cues

    def fit(self, x: np.ndarray, y: np.ndarray):
        vectors = x[:, self.cues:]
        rows = []
        for k in CLASSES:
            c = vectors[y == k].mean(axis=0) if (y == k).any() else np.zeros(vectors.shape[1])
            norm = np.linalg.norm(c)
            rows.append(c / norm if norm else c)
        self.centroids_ = np.array(rows)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        cosines = x[:, self.cues:] @ self.centroids_.T
        return np.hstack([x[:, :self.cues], cosines - cosines.mean(axis=1, keepdims=True)])


def _make(use_vectors: bool):
    steps = (("centroids", CentroidCosines()),) if use_vectors else ()
    return lambda c: fitting.pipeline(c, steps, tol=1e-4)


def load_training(tuning: Path, labels: Path, extra: Path | None) -> list[dict]:
    """Training questions as ``{"id", "question", "kind", "tuning": bool}``.

    Args:
        tuning: the tuning set (jsonl with ``id`` and ``question``).
        labels: ``{"labels": {id: kind}}``; unlisted ids are ``none``.
        extra: authored questions (jsonl with ``question`` and ``cite``), or None.

    Returns:
        the rows, tuning questions first, in file order.
    """
    from bronwijzer.tune.evaluate import read_jsonl
    return training_rows(read_jsonl(tuning), read_labels(labels),
                         read_jsonl(extra) if extra is not None else [])


def read_labels(path: Path) -> dict[str, str]:
    """The citation kind of each labelled tuning question id (``cite_labels.json``)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["labels"]


def training_rows(questions: list[dict], kinds: dict[str, str], extra: list[dict]) -> list[dict]:
    """``load_training`` over rows already read: tuning questions, then authored ones."""
    rows = [{"id": q["id"], "question": q["question"], "kind": kinds.get(q["id"], "none"),
             "tuning": True} for q in questions]
    rows += [{"id": f"extra-{n:03d}", "question": q["question"], "kind": q["cite"],
              "tuning": False} for n, q in enumerate(extra, 1)]
    bad = {r["kind"] for r in rows} - set(KINDS)
    if bad:
        raise ValueError(f"unknown citation kinds in the training data: {sorted(bad)}")
    return rows


def _inputs(rows: list[dict], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[cue features | query vector]`` rows and the kind of each row."""
    cues = np.array([features(r["question"], None, None) for r in rows])
    y = np.array([KINDS.index(r["kind"]) for r in rows])
    return np.hstack([cues, np.asarray(vectors, dtype=np.float64)]), y


def _x(x: np.ndarray, use_vectors: bool) -> np.ndarray:
    return x if use_vectors else x[:, :len(CUES)]


def fold_of(rows: list[dict], folds: int = FOLDS) -> list[int]:
    """Each row's fold: the tuning rows dealt round-robin in file order, -1 for the
    authored rows (they always train)."""
    tuning = [i for i, r in enumerate(rows) if r["tuning"]]
    fold = [-1] * len(rows)
    for n, i in enumerate(tuning):
        fold[i] = n % folds
    return fold


def _report(rows: list[dict], y: np.ndarray, predicted: np.ndarray) -> dict:
    tuning = [i for i, r in enumerate(rows) if r["tuning"]]
    truth, guess = y[tuning], predicted[tuning]
    both = int(((truth != 0) & (guess != 0)).sum())
    return {"detect_accuracy": round(float(np.mean((truth != 0) == (guess != 0))), 4),
            "precision": round(both / int((guess != 0).sum()), 4) if (guess != 0).any() else None,
            "recall": round(both / int((truth != 0).sum()), 4) if (truth != 0).any() else None,
            "kind_accuracy": round(float(np.mean(truth == guess)), 4),
            "errors": [[rows[i]["question"], KINDS[y[i]], KINDS[predicted[i]]]
                       for i in tuning if y[i] != predicted[i]]}


def cross_validate(rows: list[dict], vectors: np.ndarray, C: float, use_vectors: bool,
                   folds: int = FOLDS) -> dict:
    """k-fold figures on the tuning rows (authored rows always train).

    Returns:
        ``{"detect_accuracy", "precision", "recall", "kind_accuracy", "errors"}``:
        citation vs not, and the exact kind, over the held-out tuning questions.
    """
    x, y = _inputs(rows, vectors)
    probs = fitting.out_of_fold(_make(use_vectors), _x(x, use_vectors), y,
                                fold_of(rows, folds), C, CLASSES)
    return _report(rows, y, probs.argmax(axis=1))


def _choose_C(rows, x, y, use_vectors: bool) -> tuple[float, dict]:
    """The C with the best cross-validated kind accuracy (ties: the smaller C)."""
    tuning = np.array([r["tuning"] for r in rows])

    def key(probs):
        return round(float(np.mean(probs.argmax(axis=1)[tuning] == y[tuning])), 6)

    c, probs, _ = fitting.choose_c(_make(use_vectors), _x(x, use_vectors), y, fold_of(rows),
                                   C_VALUES, key, CLASSES)
    return c, _report(rows, y, probs.argmax(axis=1))


def _stored(model, use_vectors: bool) -> dict:
    """A fitted pipeline as the plain lists ``cite.detect.softmax_predict`` reads."""
    parts = fitting.linear_parts(model)
    width = len(parts["mean"])
    coef = np.zeros((len(KINDS), width))
    bias = np.full(len(KINDS), -30.0)  # a class never seen is never predicted
    if len(parts["classes"]) == 2:  # binary: sklearn keeps one row
        low, high = parts["classes"]
        coef[high], bias[high] = parts["coef"][0], parts["intercept"][0]
        coef[low], bias[low] = 0.0, 0.0
    else:
        for row, k in enumerate(parts["classes"]):
            coef[k], bias[k] = parts["coef"][row], parts["intercept"][row]
    r = fitting.rounded
    stored = {"mean": r(parts["mean"]), "scale": r(parts["scale"]),
              "coef": [r(c) for c in coef], "bias": r(bias)}
    if use_vectors:
        stored["centroids"] = [r(c) for c in model.named_steps["centroids"].centroids_]
    return stored


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
    x, y = _inputs(rows, vectors)
    out = {"kinds": list(KINDS), "cues": list(CUES), "model": model, "fingerprint": fingerprint}
    for name, use_vectors in (("full", True), ("cues_only", False)):
        C, report = _choose_C(rows, x, y, use_vectors)
        stored = _stored(fitting.fit(_make(use_vectors), _x(x, use_vectors), y, C), use_vectors)
        if use_vectors:
            out["centroids"] = stored.pop("centroids")
        out[name] = {**stored, "C": C, "cv": {k: v for k, v in report.items() if k != "errors"}}
    digest = hashlib.sha256("\n".join(f"{r['kind']}\t{r['question']}" for r in rows).encode())
    out["data"] = {"questions": len(rows), "tuning": sum(r["tuning"] for r in rows),
                   "sha256": digest.hexdigest(), "folds": FOLDS}
    return out


def embed_rows(rows: list[dict], embedder) -> np.ndarray:
    """The training questions' query vectors."""
    return np.asarray(embedder.embed_batch([r["question"] for r in rows], kind="query"),
                      dtype=np.float64)


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
    from bronwijzer.cite.detect import FITTED
    from bronwijzer.model.embed import load_embedder
    rows = load_training(tuning, labels, extra)
    embedder = embedder or load_embedder(settings)
    detector = fit_citation_detector(rows, embed_rows(rows, embedder), embedder.name,
                                     embedder.fingerprint)
    FITTED.save(detector, output, compact=True)
    return detector
