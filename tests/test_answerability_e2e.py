"""The fitted answerability model with the real model on the real article.

The questions are made up for these tests: none is in eval/tuning.jsonl or eval/dev.jsonl.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from bronwijzer.answer.answerability import MODEL_FILE
from bronwijzer.tune.answerability import calibrate

pytestmark = pytest.mark.e2e
PROJECT = Path(__file__).resolve().parents[1]
TUNING = PROJECT / "eval" / "tuning.jsonl"

DECLINED = [  # (question, the reason given)
    ("Hoeveel hectare bedrijventerrein hebben de herontwikkelingsmaatschappijen in Utrecht en "
     "Overijssel al opgeknapt?", "de vraag vraagt een oppervlakte; de gevonden zinnen geven dat niet"),
    ("How many hectares of business parks does the province of Overijssel redevelop each year?",
     "asks for an area; the matching sentences give none"),
    ("In what year did Invest-NL and Invest International first start working together?",
     "asks for a year; the matching sentences give none"),
    ("Wat zegt het artikel over de haven van Antwerpen?", "de tekst noemt Antwerpen nergens"),
]
ANSWERED = [  # (question, words the answer must quote)
    ("Hoeveel geld stelt het ministerie in 2026 beschikbaar voor de startup- en scale-upagenda?",
     "6,7 miljoen euro"),
    ("What amount does the Pakket voor Groene Groei take from the Klimaatfonds?", "643 miljoen"),
    ("Which funding instruments for small firms does the ministry want to improve?", "Qredits"),
    ("Wat gaat er gebeuren met Invest-NL en Invest International?", "samen te voegen"),
]


def test_questions_the_text_cannot_answer_are_declined_with_the_reason(real_engine):
    answers = real_engine.answer_dicts([q for q, _ in DECLINED])
    for (question, reason), answer in zip(DECLINED, answers):
        assert answer["abstained"], question
        assert answer["reason"] == reason and answer["confidence"] < 0.5


def test_questions_the_text_answers_are_answered_from_the_right_sentence(real_engine):
    answers = real_engine.answer_dicts([q for q, _ in ANSWERED])
    for (question, quoted), answer in zip(ANSWERED, answers):
        assert not answer["abstained"], question
        assert quoted in answer["answer"] and "reason" not in answer


def test_calibration_is_reproducible_and_fitted_on_the_tuning_set(real_engine, tmp_path):
    with real_engine.remembering():  # the same retrieval twice: the fits must agree byte for byte
        first = calibrate(real_engine, TUNING, tmp_path / "a.json")
        calibrate(real_engine, TUNING, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert first["fitted_on"]["sha256"] == hashlib.sha256(TUNING.read_bytes()).hexdigest()
    assert first["fitted_on"]["n"] == 176 and first["embedder"] == real_engine.embedding_model()
    packaged = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert packaged["fitted_on"] == first["fitted_on"]
    assert packaged["features"] == first["features"]
    assert packaged["threshold"] == pytest.approx(first["threshold"], abs=0.01)
