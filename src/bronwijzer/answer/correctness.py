"""The confidence shown with an answer: the fitted probability that the answer is right.

"Right" means what the scorer counts: the question is answerable and the answer quotes
a gold span. ``bronwijzer calibrate`` fits a small logistic regression over the
evidence features (``tune/confidence.py``) on ``eval/tuning.jsonl`` and writes it as
JSON (``correctness.json`` beside this module), with its out-of-fold reliability
table and Brier score. Whether to decline stays the answerability model's decision
(``answer.answerability``); this model only says how far to trust what is shown.
Without a fitted model for the embedder in use, the answerability confidence is shown.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from bronwijzer.fitted import FittedFile, linear

MODEL_FILE = Path(__file__).with_name("correctness.json")
# the packaged model, or one set by ``use_model`` (crossval's per-fold refits)
FITTED = FittedFile(MODEL_FILE)


def load(path: Path = MODEL_FILE) -> dict | None:
    """The fitted model in ``path`` (cached), or None when it is missing or unreadable."""
    return FITTED.read(path)


def use_model(model: dict | None) -> dict | None:
    """Use ``model`` instead of the packaged file (None: the file again).

    Returns:
        The model set until now (None: the file), to restore it.
    """
    return FITTED.use(model)


def features() -> tuple[str, ...]:
    """The evidence features the current model reads (none without a model)."""
    model = FITTED.current()
    return tuple(model["features"]) if model else ()


def probability(evidence: dict | None, fingerprint: str | None, fallback: float) -> float:
    """The probability that the answer composed from this evidence is right.

    Args:
        evidence: the question's evidence features (None: nothing was found).
        fingerprint: the embedding model's fingerprint (the fitted one's, or the fallback).
        fallback: what to return without a model fitted for this embedder.

    Returns:
        A probability in 0..1.
    """
    model = FITTED.current()
    if model is None or model.get("embedder", {}).get("fingerprint") != fingerprint:
        return fallback
    if evidence is None:
        return 0.0
    x = np.array([[float(evidence.get(f, 0.0)) for f in model["features"]]])
    z = linear(model, x)[0]
    return 1.0 / (1.0 + math.exp(-max(min(float(z), 50.0), -50.0)))
