"""Fitting the citation-question detector: reproducible, cross-validated, model-aware."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bronwijzer.cite.detect import KINDS, classify, features
from bronwijzer.tune.cite_detector import (
    calibrate_citation_detector,
    cross_validate,
    fit_citation_detector,
    load_training,
)
from bronwijzer.settings import Settings

EVAL = Path(__file__).resolve().parents[1] / "eval"


@pytest.fixture(scope="module")
def rows():
    return load_training(EVAL / "tuning.jsonl", EVAL / "cite_labels.json",
                         EVAL / "cite_extra.jsonl")


def test_training_rows(rows):
    kinds = {r["kind"] for r in rows}
    assert kinds == set(KINDS)  # every kind has examples
    assert sum(r["tuning"] for r in rows) == 176


def test_every_citation_question_of_the_tuning_set_is_labelled():
    """An unlabelled citation question trains the detector as "none" (the 14 citation
    questions added with the 176 were, and claim wordings went to plain answers)."""
    labels = json.loads((EVAL / "cite_labels.json").read_text(encoding="utf-8"))["labels"]
    rows = [json.loads(line) for line in (EVAL / "tuning.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    assert set(labels) <= {q["id"] for q in rows}
    assert [q["id"] for q in rows if q["kind"] == "citation" and q["id"] not in labels] == []


def test_calibration_is_reproducible(tmp_path, fake_embedder):
    args = (Settings(home=tmp_path), EVAL / "tuning.jsonl", EVAL / "cite_labels.json",
            EVAL / "cite_extra.jsonl")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    calibrate_citation_detector(*args, first, embedder=fake_embedder)
    calibrate_citation_detector(*args, second, embedder=fake_embedder)
    assert first.read_bytes() == second.read_bytes()
    detector = json.loads(first.read_text(encoding="utf-8"))
    assert detector["model"] == fake_embedder.name
    assert detector["fingerprint"] == fake_embedder.fingerprint
    assert len(detector["centroids"]) == len(KINDS)
    assert detector["data"]["tuning"] == 176


def test_cross_validation_tests_only_tuning_rows(rows, fake_embedder):
    vectors = fake_embedder.embed_batch([r["question"] for r in rows], kind="query")
    report = cross_validate(rows, np.asarray(vectors, dtype=np.float64), 1.0, use_vectors=False)
    assert 0.5 < report["kind_accuracy"] <= 1.0
    tuning = {r["question"] for r in rows if r["tuning"]}
    assert all(q in tuning for q, _, _ in report["errors"])


def test_another_model_uses_the_cue_words_alone(rows, fake_embedder):
    vectors = np.asarray(fake_embedder.embed_batch([r["question"] for r in rows], kind="query"),
                         dtype=np.float64)
    detector = fit_citation_detector(rows, vectors, "fake", "fake-1")
    question = "Welke bron onderbouwt de uitspraak dat steden groeien?"
    vector = vectors[0]
    assert classify(question, vector, "other-model", detector) == classify(question, None, None,
                                                                          detector)
    assert len(features(question, vector, np.asarray(detector["centroids"]))) == \
        len(detector["full"]["mean"])
    assert classify(question, vector, "fake-1", detector)[0] == "claim"


def test_bad_labels_are_refused(tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"labels": {"tune-fact-01": "quote"}}), encoding="utf-8")
    with pytest.raises(ValueError, match="quote"):
        load_training(EVAL / "tuning.jsonl", labels, None)
