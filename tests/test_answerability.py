"""The answerability model: features, the fitted file, reasons, the fallback, calibration.

Every question here is made up for the test; none is in eval/tuning.jsonl or eval/dev.jsonl.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from bronwijzer.answer import answerability as ab
from bronwijzer.answer.names import corpus_vocabulary, missing_names
from bronwijzer.answer.evidence import asked_kinds, missing_kinds
from bronwijzer.tune.answerability import (declined_at, fit_model, folds_of, matrix, out_of_fold,
                                  pick_threshold)

VOCAB = corpus_vocabulary(["In Nederland en de provincie Utrecht zijn bedrijventerreinen schaars.",
                           "De Europese Commissie en de Rli (2023) adviseren."])


EMBEDDER = {"name": "fake-model", "fingerprint": "fp-1"}


class Embedder:
    name, fingerprint = "fake-model", "fp-1"


def _model(threshold=0.5, **changes) -> ab.Model:
    data = {"features": ["best_cosine", "kind_missing"], "mean": [0.8, 0.2], "scale": [0.05, 0.4],
            "coef": [2.0, -1.5], "intercept": 0.3, "threshold": threshold,
            "embedder": {"name": "fake-model", "fingerprint": "fp-1"}}
    data.update(changes)
    return ab.model_from_dict(data)


def test_asked_kinds_and_whether_the_sentences_give_them():
    assert asked_kinds("Hoeveel hectare grond kocht de gemeente Zwolle?") == ["area"]
    assert asked_kinds("How many euros did the windpark cost?") == ["money"]
    assert asked_kinds("In which year did the port open its new terminal?") == ["year"]
    assert asked_kinds("Hoeveel fietsenstallingen telt het station?") == ["number"]
    assert asked_kinds("Waarom pleiten de schrijvers voor meer geld voor scholen?") == []
    assert missing_kinds("Hoeveel hectare grond kocht de gemeente?",
                         ["De gemeente kocht 12 miljoen euro aan grond [4]."]) == ["area"]
    assert missing_kinds("Wat kost de brug?", ["De brug kost 40 miljoen euro."]) == []
    assert missing_kinds("Hoeveel bruggen zijn er?", ["Er is een brug [3]."]) == ["number"]
    assert missing_kinds("Hoeveel bruggen zijn er?", ["Er zijn drie bruggen."]) == []


def test_amounts_are_read_as_a_reader_would():
    # a sentence about Europe gives no money; a word holding "percentage" gives no share
    assert missing_kinds("How much money does the port get?",
                         ["De Europese Commissie steunt de haven."]) == ["money"]
    assert missing_kinds("What minimum percentage of homes must be affordable?",
                         ["Er komen minimumpercentages voor betaalbare woningen."]) == ["percent"]
    assert missing_kinds("What minimum percentage of homes must be affordable?",
                         ["Minstens dertig procent moet betaalbaar zijn."]) == []
    assert missing_kinds("Welk percentage is betaalbaar?", ["Het gaat om 30% van de woningen."]) == []
    # more wordings ask an amount
    assert asked_kinds("What is the maximum loan the fund offers?") == ["money"]
    assert asked_kinds("By how much was the budget raised?") == ["money"]
    assert asked_kinds("Welk tarief geldt voor de heffing?") == ["money"]


def test_names_absent_from_the_corpus_are_found_but_cognates_pass():
    assert missing_names("Hoe groot is de haven van Tilburg?", VOCAB) == ["Tilburg"]
    assert missing_names("Why are the Netherlands short of space?", VOCAB) == []


def test_the_confidence_is_half_at_the_threshold_and_grows_with_the_evidence():
    model = _model(threshold=0.7)
    at = {"best_cosine": 0.8, "kind_missing": 0.0}
    z = model.logit(at)
    model = _model(threshold=1 / (1 + np.exp(-z)))
    assert model.confidence(at) == pytest.approx(0.5)
    low, high = (model.confidence({"best_cosine": c, "kind_missing": 0.0}) for c in (0.7, 0.9))
    assert low < 0.5 < high
    assert model.confidence({"best_cosine": 0.8, "kind_missing": 1.0}) < 0.5


def test_the_reason_names_the_strongest_pull_towards_declining():
    model = _model()
    confidence, reason = ab.judge({"best_cosine": 0.82, "kind_missing": 1.0}, model, "en",
                                  {"kinds": ["area"], "names": []})
    assert reason == "asks for an area; the matching sentences give none"
    _, reason = ab.judge({"best_cosine": 0.62, "kind_missing": 0.0}, model, "nl", {})
    assert reason == "de best passende zin is maar zwak verwant (0.62)"


def test_another_embedding_model_warns_once_and_uses_the_plain_rule(tmp_path, caplog):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"features": ["best_cosine"], "mean": [0.8], "scale": [0.1],
                                "coef": [1.0], "intercept": 0.0, "threshold": 0.5,
                                "embedder": {"name": "other-model", "fingerprint": "x"}}))
    ab._WARNED.clear()
    with caplog.at_level(logging.WARNING):
        assert ab.model_for(Embedder(), path) is None
        assert ab.model_for(Embedder(), path) is None
    assert sum("calibrated with other-model" in r.message for r in caplog.records) == 1
    assert ab.model_for(type("E", (), {"name": "other-model", "fingerprint": "x"})(), path)
    declined = ab.judge({"terms_chosen": 0.5, "names_missing": 1.0}, None, "en",
                        {"names": ["Zwolle"]})
    answered = ab.judge({"terms_chosen": 0.5}, None, "en", {})
    assert declined == (0.25, "the text never mentions Zwolle") and answered[0] == 0.75


def _synthetic(n=60, seed=3):
    rng = np.random.default_rng(seed)
    y = np.array([1] * (n // 2) + [0] * (n // 2))
    x = np.column_stack([0.8 + 0.05 * y + rng.normal(0, 0.03, n), rng.random(n)])
    questions = [{"id": f"q{i:03d}", "answerable": bool(v)} for i, v in enumerate(y)]
    return x, y, questions


def test_folds_are_stratified_and_fixed():
    _, y, questions = _synthetic()
    folds = folds_of(questions)
    assert folds == folds_of(list(questions))
    for f in range(5):
        members = [y[i] for i, g in enumerate(folds) if g == f]
        assert sum(members) == 6 and len(members) == 12


def test_fitting_is_deterministic_and_learns_the_signal():
    x, y, questions = _synthetic()
    first, cv = fit_model(x, y, folds_of(questions), EMBEDDER, features=("a", "noise"))
    again, _ = fit_model(x, y, folds_of(questions), EMBEDDER, features=("a", "noise"))
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert first["coef"][0] > abs(first["coef"][1])
    probs = out_of_fold(x, y, folds_of(questions), first["C"])
    threshold = pick_threshold(probs, y, 0.9)
    declined, answered = declined_at(probs, y, threshold)
    assert answered >= 0.9 and declined > 0.5 and cv["answered"] >= 0.9


def test_each_fit_chooses_the_feature_set_that_declines_most_and_a_tie_keeps_the_smaller():
    from bronwijzer.tune.answerability import CANDIDATES, FEATURES
    x, y, questions = _synthetic()
    noise = np.random.default_rng(5).random(len(y))
    last_carries = np.column_stack([noise, noise[::-1], noise * 0, noise * 0, x[:, 0]])
    model, _ = fit_model(last_carries, y, folds_of(questions), EMBEDDER)
    assert tuple(model["features"]) == FEATURES == CANDIDATES[-1]
    last_empty = np.column_stack([x[:, 0], noise, noise[::-1], np.zeros(len(y)),
                                  np.zeros(len(y))])
    model, _ = fit_model(last_empty, y, folds_of(questions), EMBEDDER)
    assert tuple(model["features"]) == CANDIDATES[0] == FEATURES[:3]


def test_matrix_fills_missing_evidence_with_zeros():
    assert matrix([None, {"a": 2.0}], ("a", "b")).tolist() == [[0.0, 0.0], [2.0, 0.0]]


def test_a_passage_whose_one_sentence_matches_best_rises_in_the_fusion():
    from bronwijzer.search.fusion import fuse
    from bronwijzer.settings import Settings
    cosines = np.array([0.90, 0.89, 0.88, 0.50], dtype=np.float32)
    lexical = np.zeros(4, dtype=np.float32)
    sentences = np.array([0.70, 0.95, 0.80, 0.60], dtype=np.float32)
    plain = fuse(cosines, lexical, Settings())
    fused = fuse(cosines, lexical, Settings(), sentences)
    assert plain.argmax() == 0 and fused.argmax() == 1 and fused[3] == fused.min()
    assert np.array_equal(fuse(cosines, lexical, Settings(sentence_weight=0.0), sentences), plain)


def test_question_types_and_the_sentences_that_answer_them():
    from bronwijzer.answer.qtype import asks_amount, asks_proposal, has_number, is_prescriptive
    assert asks_proposal("Wat stelt de schrijver voor tegen leegstand?")
    assert asks_proposal("What do the authors recommend for harbour towns?")
    assert not asks_proposal("Hoeveel scholen telt de gemeente?")
    assert asks_amount("Hoeveel scholen telt de gemeente?")
    assert is_prescriptive("Een regionaal fonds zou uitkomst kunnen bieden [7].")
    assert not is_prescriptive("De haven moet groeien, zo staat in het plan.")
    assert has_number("Het fonds krijgt 3,5 miljoen euro.") and not has_number("Fondsen [20].")


def test_calibrating_on_unfit_questions_says_why(tmp_path, capsys):
    from bronwijzer.cli import main
    only_answerable = tmp_path / "a.jsonl"
    only_answerable.write_text("\n".join(json.dumps({"id": f"q{i}", "question": "Wat?",
                                                     "answerable": True}) for i in range(12)))
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"id": "q1", "question": "Wat?"}\n{not json\n')
    for path, message in ((only_answerable, "needs at least 5 answerable and 5 unanswerable"),
                          (broken, "b.jsonl:2: not JSON")):
        assert main(["calibrate", str(path)]) == 1
        assert message in capsys.readouterr().err
