"""Answerability: whether the retrieved text answers the question, as a fitted model.

``bronwijzer calibrate`` fits a small logistic regression over the evidence
features (:mod:`bronwijzer.answer.evidence`) on ``eval/tuning.jsonl`` and writes it as
JSON (``answerability.json`` beside this module): feature names, their mean and
scale, coefficients, intercept, the decision threshold, the embedding model it
was fitted with and the data it was fitted on. Evaluating it is plain numpy.

The score ``judge`` returns is the model's probability moved so that the fitted
threshold sits at 0.5: ``sigmoid(z - logit(threshold))``; ``settings.abstain_below``
(default 0.5) therefore means "the calibrated threshold". The confidence shown with an
answer is another model's: the probability that the answer is right (``answer.correctness``).

With another embedding model than the calibrated one, cosines mean something
else: a warning is logged once and a plain rule decides (``fallback``).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bronwijzer.phrases import phrase
from bronwijzer.settings import TUNING

log = logging.getLogger(__name__)
MODEL_FILE = Path(__file__).with_name("answerability.json")
# The plain rule: decline when a kind asked for or a name is missing, or too few
# of the question's words are found in the chosen sentences.
_WARNED: set[str] = set()

# The reason a feature's pull towards declining stands for.
FEATURE_REASON = {"kind_missing": "reason-kind", "lacks_amount": "reason-kind",
                  "lacks_asked": "reason-kind",
                  "names_missing": "reason-names",
                  "terms_chosen": "reason-terms", "terms_top": "reason-terms",
                  "terms_corpus": "reason-terms"}


@dataclass(frozen=True)
class Model:
    """A fitted answerability model (see the module docstring)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    embedder: str
    fingerprint: str

    def logit(self, evidence: dict[str, float]) -> float:
        """The model's log-odds that the question is answerable."""
        x = np.array([float(evidence.get(f, 0.0)) for f in self.features])
        return float(self.intercept + self.coef @ ((x - self.mean) / self.scale))

    def confidence(self, evidence: dict[str, float]) -> float:
        """The probability shifted so that the threshold sits at 0.5."""
        t = min(max(self.threshold, 1e-6), 1 - 1e-6)
        return _sigmoid(self.logit(evidence) - math.log(t / (1 - t)))

    def pulls(self, evidence: dict[str, float]) -> dict[str, float]:
        """Each feature's contribution to the log-odds (negative: towards declining)."""
        x = np.array([float(evidence.get(f, 0.0)) for f in self.features])
        parts = self.coef * (x - self.mean) / self.scale
        return dict(zip(self.features, parts.tolist()))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def model_from_dict(data: dict) -> Model:
    """A ``Model`` from its JSON form."""
    return Model(features=tuple(data["features"]), mean=np.array(data["mean"], dtype=float),
                 scale=np.array(data["scale"], dtype=float), coef=np.array(data["coef"], dtype=float),
                 intercept=float(data["intercept"]), threshold=float(data["threshold"]),
                 embedder=data["embedder"]["name"], fingerprint=data["embedder"]["fingerprint"])


def load_model(path: Path = MODEL_FILE) -> Model | None:
    """The fitted model in ``path``, or None when it is missing or unreadable."""
    try:
        return model_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("no usable answerability model in %s (%s); using the plain rule", path, error)
        return None


def model_for(embedder, path: Path = MODEL_FILE) -> Model | None:
    """The fitted model when it was calibrated with ``embedder``'s model, else None
    (after a warning, once per model): the plain rule decides then."""
    model = load_model(path)
    name, fingerprint = getattr(embedder, "name", "?"), getattr(embedder, "fingerprint", "?")
    if model is not None and (model.embedder, model.fingerprint) == (name, fingerprint):
        return model
    if model is not None and name not in _WARNED:
        _WARNED.add(name)
        log.warning("the answerability model was calibrated with %s, not %s; using the plain "
                    "rule (run `bronwijzer calibrate`)", model.embedder, name)
    return None


# What ``judge`` reads besides the model's own features: the plain rule and the reasons.
JUDGED = ("best_cosine", "kind_missing", "names_missing", "terms_chosen")


def wanted_features(model: Model | None) -> set[str]:
    """The evidence features ``judge`` reads with ``model`` (or the plain rule)."""
    return set(JUDGED) | set(model.features if model is not None else ())


def judge(evidence: dict[str, float] | None, model: Model | None, lang: str,
          details: dict | None = None) -> tuple[float, str | None]:
    """The confidence, and why the answer would be declined.

    Args:
        evidence: the question's features (None: nothing was found).
        model: the fitted model, or None for the plain rule.
        lang: ``nl`` or ``en``, for the reason.
        details: what the reason may name: ``kinds`` missing, ``names`` missing.

    Returns:
        ``(confidence, reason)``; the reason names the strongest pull towards declining.
    """
    details = details or {}
    if evidence is None:
        return 0.0, phrase("reason-weak", lang, cosine=0.0)
    if model is None:
        failing = [k for k in ("kind_missing", "names_missing") if evidence.get(k)]
        if evidence.get("terms_chosen", 0.0) < TUNING.fallback_terms:
            failing.append("terms_chosen")
        confidence = 0.25 if failing else 0.75
        return confidence, _explain(failing[0] if failing else None, evidence, lang, details)
    pulls = model.pulls(evidence)
    worst = min(pulls, key=pulls.get)
    return model.confidence(evidence), _explain(worst, evidence, lang, details)


def _explain(feature: str | None, evidence: dict, lang: str, details: dict) -> str:
    key = FEATURE_REASON.get(feature or "", "reason-weak")
    if key == "reason-kind" and details.get("kinds"):
        return phrase(key, lang, kind=phrase(f"kind-{details['kinds'][0]}", lang))
    if key == "reason-names" and details.get("names"):
        return phrase(key, lang, names=", ".join(details["names"]))
    if key == "reason-terms":
        return phrase(key, lang, share=evidence.get("terms_chosen", 0.0))
    return phrase("reason-weak", lang, cosine=evidence.get("best_cosine", 0.0))
