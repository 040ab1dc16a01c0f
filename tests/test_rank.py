"""The learned passage ranker: features, token vectors, parameters, re-ordering, fitting
(fake embedder, real article)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bronwijzer.engine import Engine
from bronwijzer.index.build import build_index
from bronwijzer.index.store import load_index
from bronwijzer.search.rank import (
    FEATURES,
    LearnedRanker,
    asked_kinds,
    kind_found,
    load_params,
    positions,
    ranker_for,
    save_params,
)
from bronwijzer.tune.ranker import Sample, fit, fit_samples, holds_gold, single_feature
from bronwijzer.search.tokens import maxsim, maxsim_many, token_vectors
from bronwijzer.settings import load_settings


@pytest.fixture
def engine(article_home, fake_embedder):
    settings = load_settings(ranker="rrf")
    build_index(settings, fake_embedder)
    return Engine(settings, fake_embedder, load_index(settings.index))


def _retriever(engine):
    return engine._live.retriever


def _fused(engine, question: str, depth: int = 12):
    retriever = _retriever(engine)
    index = retriever.index
    hits = retriever.search(question, depth)
    rows = np.array([index.rows[h.passage.id] for h in hits])
    return rows, index.lexical.scores(question)


def test_features_of_the_fused_candidates(engine, fake_embedder):
    question = "Hoeveel geld is er voor bedrijventerreinen in 2026?"
    rows, lexical = _fused(engine, question)
    retriever = _retriever(engine)
    ranker = LearnedRanker(single_feature("rrf", depth=12), retriever.index, fake_embedder)
    vector = retriever.embed_queries([question])[0]
    matrix = ranker.candidate_features(question, vector, rows, lexical)
    col = {name: matrix[:, i] for i, name in enumerate(FEATURES)}
    assert matrix.shape == (len(rows), len(FEATURES)) and np.isfinite(matrix).all()
    np.testing.assert_allclose(col["rrf"], 1.0 / np.arange(1, len(rows) + 1))
    np.testing.assert_allclose(col["dense"], retriever.index.vectors[rows] @ vector, rtol=1e-5)
    for gap in ("dense_gap", "sentence_gap", "maxsim_gap"):
        assert col[gap].max() == pytest.approx(0.0) and (col[gap] <= 1e-6).all()
    assert col["bm25"].max() == pytest.approx(1.0) and (col["bm25"] >= 0).all()
    assert (col["sentence"] >= col["dense"] - 0.5).all()
    texts = [retriever.index.passages[r].text for r in rows]
    assert list(col["kind"]) == [kind_found(asked_kinds(question), t) for t in texts]
    assert ((col["position"] >= 0) & (col["position"] <= 1)).all()


def test_asked_kinds_and_what_a_passage_holds():
    assert asked_kinds("Hoeveel euro gaat er naar het mkb?") == {"amount"}
    assert asked_kinds("When will the agenda start?") == {"year"}
    assert asked_kinds("Wie betaalt de regionale organisaties?") == {"name"}
    assert asked_kinds("In which province is it tried?") == {"place"}
    assert asked_kinds("Wat vindt de tekst van innovatie?") == frozenset()
    assert kind_found(frozenset({"year"}), "Dit loopt tot en met 2027.") == 1.0
    assert kind_found(frozenset({"year"}), "Dit loopt nog lang door.") == 0.0
    assert kind_found(frozenset({"place"}), "bijvoorbeeld in de provincies Utrecht en Overijssel") == 1.0
    assert kind_found(frozenset({"name"}), "Zo gaat het nu eenmaal.") == 0.0


def test_positions_run_from_first_to_last_passage_of_each_document(engine):
    passages = _retriever(engine).index.passages
    place = positions(passages)
    first = min(range(len(passages)), key=lambda r: passages[r].start)
    last = max(range(len(passages)), key=lambda r: passages[r].start)
    assert place[first] == 0.0 and place[last] == 1.0


def test_token_vectors_are_normalised_and_maxsim_agrees_with_its_batch_form(fake_embedder):
    question, *passages = token_vectors(
        fake_embedder, ["ruimte voor werk", "ruimte voor werk in de stad", "iets anders", ""], "query")
    assert question.shape == (3, fake_embedder.dim)
    for v in (question, *passages):
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    many = maxsim_many(question, [p.astype(np.float16) for p in passages])
    assert many == pytest.approx([maxsim(question, p) for p in passages], abs=2e-3)
    assert many[0] == pytest.approx(1.0, abs=2e-3) and many[0] > many[1]


def test_parameters_round_trip_through_json_and_bad_files_are_refused(tmp_path):
    rng = np.random.default_rng(1)
    samples = [Sample(str(i), np.arange(6), rng.normal(size=(6, len(FEATURES))).astype(np.float32),
                      np.array([1, 0, 0, 0, 0, 0])) for i in range(8)]
    params = fit_samples(samples, depth=6)
    path = tmp_path / "rank.json"
    save_params(params, path)
    assert load_params(path) == json.loads(json.dumps(params))
    path.write_text("{not json", encoding="utf-8")
    assert load_params(path) is None
    save_params({**params, "features": ["dense", "shoe size"]}, path)
    assert load_params(path) is None
    assert load_params(tmp_path / "missing.json") is None


def test_a_ranker_reorders_the_fused_candidates_and_keeps_the_set(engine, fake_embedder):
    question = "Welke rol spelen werklocaties voor de regionale economie?"
    rows, lexical = _fused(engine, question, depth=len(engine.passages()))
    retriever = _retriever(engine)
    vector = retriever.embed_queries([question])[0]
    params = {**single_feature("position", depth=8), "coef": [-1.0]}
    ranker = LearnedRanker(params, retriever.index, fake_embedder)
    order = ranker.reorder(question, vector, rows, lexical)
    place = positions(retriever.index.passages)
    assert sorted(order.tolist()) == sorted(rows.tolist())
    assert list(place[order[:8]]) == sorted(place[rows[:8]])
    assert order[8:].tolist() == rows[8:].tolist() and order.tolist() != rows.tolist()
    retriever.ranker = ranker
    expected = [retriever.index.passages[r].id for r in order[:engine.settings.k]]
    assert [h.passage.id for h in engine.search(question)] == expected


def test_ranker_for_needs_the_setting_and_the_same_model(engine, fake_embedder, tmp_path):
    retriever = _retriever(engine)
    params = {**single_feature("maxsim"), "embedding_model": {"fingerprint": fake_embedder.fingerprint}}
    path = tmp_path / "rank.json"
    save_params(params, path)
    on = engine.settings.with_(ranker="learned")
    assert isinstance(ranker_for(retriever.index, fake_embedder, on, path), LearnedRanker)
    assert ranker_for(retriever.index, fake_embedder, engine.settings, path) is None
    save_params({**params, "embedding_model": {"fingerprint": "another"}}, path)
    assert ranker_for(retriever.index, fake_embedder, on, path) is None


def test_fit_learns_a_feature_that_marks_the_gold_passage():
    rng = np.random.default_rng(0)
    samples = []
    for i in range(30):
        matrix = rng.normal(size=(10, len(FEATURES))).astype(np.float32)
        gold = int(rng.integers(10))
        matrix[gold, FEATURES.index("bm25")] += 3.0
        samples.append(Sample(str(i), np.arange(10), matrix, (np.arange(10) == gold).astype(int)))
    params = fit_samples(samples, depth=10)
    coef = dict(zip(params["features"], params["coef"]))
    assert coef["bm25"] == max(coef.values()) > 0
    assert params["n_questions"] == 30 and params["n_positive"] == 30


def test_fit_on_questions_labels_gold_passages(engine):
    passages = engine.passages()
    gold = passages[3].text[20:120]
    questions = [{"id": "a", "question": gold, "gold": [gold], "answerable": True},
                 {"id": "b", "question": passages[7].text[:80], "gold": [passages[7].text[:80]],
                  "answerable": True},
                 {"id": "u", "question": "Wat is de hoofdstad van Peru?", "gold": [],
                  "answerable": False}]
    assert holds_gold([gold], passages[3], ()) and not holds_gold([gold], passages[9], ())
    params = fit(questions, engine)
    assert params["n_questions"] == 2 and params["n_positive"] >= 2
    assert params["embedding_model"]["fingerprint"] == "hash-64-v1"
    assert len(params["data_sha256"]) == 64


def test_retrievers_over_one_index_share_the_passage_token_vectors(engine, fake_embedder, tmp_path):
    retriever = _retriever(engine)
    path = tmp_path / "rank.json"
    save_params({**single_feature("maxsim"),
                 "embedding_model": {"fingerprint": fake_embedder.fingerprint}}, path)
    on = engine.settings.with_(ranker="learned")
    first = ranker_for(retriever.index, fake_embedder, on, path)
    second = ranker_for(retriever.index, fake_embedder, on, path)
    assert first is not second and first.tokens is second.tokens
