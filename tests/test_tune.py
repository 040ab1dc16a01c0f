"""Offline fitting (tune/): the confidence model and its reliability table, the words a
confidence is shown in, choosing constants, and cross-validation that refits every
fitted or chosen part on the other folds only."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bronwijzer.answer import correctness
from bronwijzer.phrases import confidence_words
from bronwijzer.settings import TUNING
from bronwijzer.tune import crossval
from bronwijzer.tune.confidence import CANDIDATES, fit_confidence
from bronwijzer.tune.confidence import FEATURES as CONFIDENCE_FEATURES
from bronwijzer.tune.reliability import brier, reliability
from bronwijzer.tune.constants import tuned
from bronwijzer.tune.fitting import folds_of
from bronwijzer.tune.ranker import data_sha256

EVAL = Path(__file__).resolve().parents[1] / "eval"
EMBEDDER = {"name": "fake", "fingerprint": "fake-1"}


@pytest.fixture
def engine(article_home, fake_embedder):
    from bronwijzer.engine import Engine
    from bronwijzer.index.build import build_index
    from bronwijzer.index.store import load_index
    from bronwijzer.settings import load_settings
    settings = load_settings()
    build_index(settings, fake_embedder)
    return Engine(settings, fake_embedder, load_index(settings.index))


def test_reliability_bins_and_brier():
    p = np.array([0.1, 0.1, 0.2, 0.2, 0.5, 0.5, 0.8, 0.8, 0.9, 0.9])
    y = np.array([0, 0, 0, 1, 1, 0, 1, 1, 1, 1])
    rows = reliability(p, y, bins=5)
    assert [r["n"] for r in rows] == [2] * 5
    assert [r["confidence"] for r in rows] == [0.1, 0.2, 0.5, 0.8, 0.9]
    assert [r["right"] for r in rows] == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert brier(p, y) == pytest.approx(np.mean((p - y) ** 2))
    assert brier(np.array([1.0, 0.0]), np.array([1, 0])) == 0.0


def test_a_fitted_confidence_is_calibrated_out_of_fold():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, len(CONFIDENCE_FEATURES)))
    y = (rng.random(200) < 1 / (1 + np.exp(-2 * x[:, 0]))).astype(int)
    model = fit_confidence(x, y, folds_of(list(range(200)), y.tolist()), EMBEDDER)
    assert model["coef"][0] > 3 * max(abs(c) for c in model["coef"][1:])  # signal, not noise
    assert model["cv"]["brier"] < brier(np.full(200, y.mean()), y)  # beats the base rate
    assert all(abs(r["right"] - r["confidence"]) <= 0.2 for r in model["cv"]["reliability"])


def test_the_confidence_features_are_chosen_by_the_fit():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, len(CONFIDENCE_FEATURES)))
    score = CONFIDENCE_FEATURES.index("best_score")
    y = (rng.random(300) < 1 / (1 + np.exp(-3 * x[:, score]))).astype(int)
    folds = folds_of(list(range(300)), y.tolist())
    model = fit_confidence(x, y, folds, EMBEDDER)
    assert "best_score" in model["features"] and model["features"] in map(list, CANDIDATES)
    assert fit_confidence(x, y, folds, EMBEDDER, candidates=CANDIDATES[:1])["features"] == list(
        CANDIDATES[0])


def test_confidence_words_follow_the_bands_and_the_language():
    assert [confidence_words(p, "nl") for p in (0.9, 0.75, 0.6, 0.5, 0.2)] == [
        "zeker", "zeker", "waarschijnlijk", "waarschijnlijk", "onzeker"]
    assert confidence_words(0.1, "en") == "uncertain" and confidence_words(0.8, "en") == "certain"


def test_the_shown_confidence_uses_the_model_of_this_embedder_only():
    model = {"features": ["best_cosine"], "mean": [0.8], "scale": [0.1], "coef": [2.0],
             "intercept": 0.0, "embedder": EMBEDDER}
    saved = correctness.use_model(model)
    try:
        assert correctness.probability({"best_cosine": 0.8}, "fake-1", 0.3) == 0.5
        assert correctness.probability({"best_cosine": 0.9}, "fake-1", 0.3) > 0.85
        assert correctness.probability({"best_cosine": 0.9}, "other", 0.3) == 0.3
        assert correctness.probability(None, "fake-1", 0.3) == 0.0
    finally:
        correctness.use_model(saved)


def test_tuned_changes_constants_for_a_while_only():
    before = TUNING.claim_min_score
    with tuned(claim_min_score=0.5):
        assert TUNING.claim_min_score == 0.5
    assert TUNING.claim_min_score == before
    with pytest.raises(KeyError):
        with tuned(no_such_constant=1):
            pass


def _questions(n_each: int = 10) -> list[dict]:
    rows = [json.loads(line) for line in (EVAL / "tuning.jsonl").read_text().splitlines()]
    answerable = [q for q in rows if q.get("answerable", True)][:n_each]
    return answerable + [q for q in rows if not q.get("answerable", True)][:n_each]


def test_crossval_refits_everything_on_the_other_folds_only(engine, monkeypatch):
    questions = _questions()
    seen = {"detector": [], "confidence": [], "chosen": []}
    real_detector = crossval.use_detector
    monkeypatch.setattr(crossval, "use_detector",
                        lambda d: seen["detector"].append(d) or real_detector(d))
    real_model = correctness.use_model
    monkeypatch.setattr(correctness, "use_model",
                        lambda m: seen["confidence"].append(m) or real_model(m))
    monkeypatch.setattr(crossval, "choose_constants", lambda e, qs: seen["chosen"].append(
        [q["id"] for q in qs]) or {"claim_min_score": 0.5})
    seen["ranker"], seen["cards"] = [], []
    real_use_ranker, real_cards = crossval.ranker.use_ranker, crossval.cards.fit
    monkeypatch.setattr(crossval.ranker, "use_ranker",
                        lambda e, p, t=None: seen["ranker"].append(p) or real_use_ranker(e, p, t))
    monkeypatch.setattr(crossval.cards, "fit", lambda qs, e: seen["cards"].append(
        [q["id"] for q in qs]) or real_cards(qs, e))
    shipped_ranker = engine._live.retriever.ranker
    answers = crossval.crossval_answers(engine, questions, EVAL)
    assert [a["id"] for a in answers] == [q["id"] for q in questions]
    folds = folds_of([q["id"] for q in questions],
                     [bool(q.get("answerable", True)) for q in questions])
    detectors = [d for d in seen["detector"] if d is not None]
    confidences = [m for m in seen["confidence"] if m is not None]
    assert len(detectors) == len(confidences) == len(seen["chosen"]) == 5
    for f, (detector, chosen) in enumerate(zip(detectors, seen["chosen"])):
        held = {q["id"] for q, g in zip(questions, folds) if g == f}
        assert detector["data"]["tuning"] == len(questions) - len(held)
        assert held.isdisjoint(chosen) and len(chosen) >= len(questions) - len(held)
    assert len(seen["ranker"]) == len(seen["cards"]) == 5
    for f, (params, routed) in enumerate(zip(seen["ranker"], seen["cards"])):
        train = [q for q, g in zip(questions, folds) if g != f]
        assert params["data_sha256"] == data_sha256(train)  # the ranker saw no held-out question
        assert params["n_questions"] == sum(q.get("answerable", True) for q in train)
        assert routed == [q["id"] for q in train]
    assert engine._live.retriever.ranker is shipped_ranker  # restored
    assert TUNING.claim_min_score != 0.5  # restored
    assert seen["detector"][-1] is None and seen["confidence"][-1] is None  # files again


def test_a_tie_keeps_the_current_constant_and_a_better_value_wins(monkeypatch):
    """``choose_constants``: when the questions score two values alike the current one
    stays (whichever it is); a value that scores higher is chosen."""
    from bronwijzer.tune import constants
    monkeypatch.setattr(constants, "affected", lambda engine, questions: {})
    monkeypatch.setattr(constants, "total_score", lambda engine, questions: 1.0)
    choices = {"gather_whole": (False, True)}
    for current in (False, True):
        with constants.tuned(gather_whole=current):
            assert constants.choose_constants(None, [{}], choices) == {"gather_whole": current}
    monkeypatch.setattr(constants, "total_score",
                        lambda engine, questions: 2.0 if TUNING.gather_whole else 1.0)
    with constants.tuned(gather_whole=False):
        assert constants.choose_constants(None, [{}], choices) == {"gather_whole": True}
