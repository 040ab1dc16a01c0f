"""The learned sentence ranker: features, scoring, its use by compose, its fit and its
refit per fold in crossval (fake embedder, real article)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bronwijzer.answer import compose, sentence_rank
from bronwijzer.answer.sentence_rank import FEATURES
from bronwijzer.engine import Engine
from bronwijzer.index.build import build_index
from bronwijzer.index.store import load_index
from bronwijzer.settings import TUNING, load_settings
from bronwijzer.tune import crossval, ranker, sentences
from bronwijzer.tune.fitting import folds_of

EVAL = Path(__file__).resolve().parents[1] / "eval"
QUESTION = "Hoeveel geld is er voor bedrijventerreinen in 2026?"


@pytest.fixture
def engine(article_home, fake_embedder):
    settings = load_settings()
    build_index(settings, fake_embedder)
    return Engine(settings, fake_embedder, load_index(settings.index))


@pytest.fixture(autouse=True)
def no_params_set():
    saved = sentence_rank.use_params(None)
    yield
    sentence_rank.use_params(saved)


def _hits(engine, question=QUESTION):
    retriever = engine._live.retriever
    vector = retriever.embed_queries([question])[0]
    return vector, retriever.search(question, 5, vector=vector), retriever.index


def _one_feature(name: str, weight: float = 1.0) -> dict:
    """Parameters scoring by one feature alone (nothing fitted)."""
    return {"features": [name], "mean": [0.0], "scale": [1.0], "coef": [weight],
            "intercept": 0.0, "margin": 0.0,
            "embedding_model": {"name": "hash-64", "fingerprint": "hash-64-v1"}}


def test_features_of_every_sentence_of_the_hits(engine):
    vector, hits, index = _hits(engine)
    found, matrix = sentence_rank.features(QUESTION, vector, hits, index)
    col = {name: matrix[:, i] for i, name in enumerate(FEATURES)}
    spans = [s for h in hits for s in index.sentence_spans[index.rows[h.passage.id]]]
    assert [(s, e) for _, s, e, _, _ in found] == spans
    assert matrix.shape == (len(spans), len(FEATURES)) and np.isfinite(matrix).all()
    for gap in ("cosine_gap", "terms_gap"):
        assert col[gap].max() == pytest.approx(0.0) and (col[gap] <= 1e-6).all()
    np.testing.assert_allclose(col["passage_rank"], [1.0 / h.rank for h, *_ in found])
    assert list(col["first"]) == [float(n == 0) for _, _, _, n, _ in found]
    assert ((col["place"] >= 0) & (col["place"] <= 1)).all()
    texts = [h.passage.text[s:e] for h, s, e, _, _ in found]
    assert list(col["question_mark"]) == [float(t.strip().endswith("?")) for t in texts]
    # an amount and a year are asked: a sentence gives one or misses them, never both
    assert (col["kind_gives"] + col["kind_misses"] == 1.0).all()
    assert col["kind_gives"].any() and col["kind_misses"].any()
    assert ((col["rare_terms"] >= 0) & (col["rare_terms"] <= 1 + 1e-6)).all()


def test_expanded_terms_count_the_words_the_expansion_adds(engine):
    from bronwijzer.index.lexical import tokenize
    vector, hits, index = _hits(engine)
    col = FEATURES.index
    found, plain = sentence_rank.features(QUESTION, vector, hits, index)
    np.testing.assert_allclose(plain[:, col("terms_expanded")], plain[:, col("terms")])
    texts = [h.passage.text[s:e] for h, s, e, _, _ in found]
    asked = set(tokenize([QUESTION])[0])
    word = next(w for w in texts[0].split()
                if tokenize([w])[0] and not set(tokenize([w])[0]) & asked)
    stem = tokenize([word])[0][0]
    _, expanded = sentence_rank.features(QUESTION, vector, hits, index, (word,))
    holds = np.array([stem in set(t) for t in tokenize(texts)])
    # a sentence holding the added word gains share; one without it loses (more words)
    gained = expanded[:, col("terms_expanded")] > plain[:, col("terms_expanded")]
    assert holds[0] and (gained == holds).all()
    assert expanded[:, col("terms_expanded_gap")].max() == pytest.approx(0.0)
    np.testing.assert_allclose(expanded[:, col("terms")], plain[:, col("terms")])


def _with_token_sentences(index, embedder):
    """The index with stored token vectors and their sentences: each sentence's tokens
    are the fake embedder's word vectors of its words (``search.tokens``' stand-in)."""
    from dataclasses import replace

    from bronwijzer.search.tokens import token_vectors
    vectors, owners, offsets = [], [], [0]
    for row, passage in enumerate(index.passages):
        for n, (start, end) in enumerate(index.sentence_spans[row]):
            found = token_vectors(embedder, [passage.text[start:end]], "passage")[0]
            vectors.append(found.astype(np.float16))
            owners.append(np.full(len(found), n, dtype=np.int16))
        offsets.append(sum(len(o) for o in owners))
    return replace(index, token_vectors=np.concatenate(vectors),
                   token_offsets=np.array(offsets, dtype=np.int64),
                   token_sentences=np.concatenate(owners))


def test_maxsim_scores_a_sentence_by_its_own_tokens(engine, fake_embedder):
    from bronwijzer.search.tokens import token_vectors
    vector, hits, index = _hits(engine)
    stored = _with_token_sentences(index, fake_embedder)
    row = index.rows[hits[1].passage.id]
    start, end = index.sentence_spans[row][-1]
    question = hits[1].passage.text[start:end]  # the words of one sentence, asked back
    tokens = token_vectors(fake_embedder, [question], "query")[0]
    found, matrix = sentence_rank.features(question, vector, hits, stored, (), tokens)
    late = matrix[:, FEATURES.index("maxsim")]
    mine = [i for i, (h, s, _, _, _) in enumerate(found) if h is hits[1] and s == start]
    assert late[mine[0]] == pytest.approx(1.0, abs=1e-2) and late.argmax() == mine[0]
    assert (late[np.arange(len(late)) != mine[0]] < late[mine[0]] - 1e-3).all()
    assert matrix[:, FEATURES.index("maxsim_gap")].max() == pytest.approx(0.0)
    # no question tokens, or an index without token sentences: the feature is 0
    assert not sentence_rank.features(question, vector, hits, stored)[1][:, FEATURES.index(
        "maxsim")].any()
    assert not sentence_rank.features(question, vector, hits, index, (), tokens)[1][
        :, FEATURES.index("maxsim")].any()


def test_an_index_without_token_sentences_scores_with_the_variant(engine, fake_embedder):
    index = engine._live.index
    late = {**_one_feature("maxsim"), "margin": 0.3}
    sentence_rank.use_params(late)
    assert sentence_rank.params_for(index) is None  # no variant: the plain rule
    assert sentence_rank.params_for(_with_token_sentences(index, fake_embedder)) == late
    variant = {**_one_feature("cosine"), "margin": 0.1}
    del variant["embedding_model"]
    sentence_rank.use_params({**late, sentence_rank.WITHOUT_TOKENS: variant})
    used = sentence_rank.params_for(index)
    assert used["features"] == ["cosine"] and used["margin"] == 0.1
    assert compose.margin_for(index) == 0.1


def test_expanded_words_need_a_loaded_expander_and_k(engine):
    from bronwijzer.search.rank import loaded_expander, shared_expander
    index = engine._live.index
    assert sentence_rank.expanded_words(QUESTION, index, (0, 1.0)) == ()
    expander = shared_expander(index, engine._live.retriever.embedder)
    assert loaded_expander(index) is expander
    assert sentence_rank.expanded_words(QUESTION, index, (0, 0.0)) == ()
    added = sentence_rank.expanded_words(QUESTION, index, (2, -1.0))
    assert added and added == tuple(expander.added(QUESTION, 2, -1.0))


def test_rare_words_weigh_more_than_common_ones():
    words = [{"geld", "regio"}, {"regio"}, {"regio", "wonen"}]
    shares = sentence_rank._rare_share({"geld", "regio"}, words)
    assert shares[0] == pytest.approx(1.0) and 0 < shares[1] < 0.5 and shares[2] == shares[1]


def test_scores_are_the_models_probabilities_best_first(engine):
    vector, hits, index = _hits(engine)
    params = _one_feature("cosine", 5.0)
    scored = sentence_rank.score(params, QUESTION, vector, hits, index)
    cosines = [index.sentence_cosine(index.rows[h.passage.id],
                                     [s for s, _ in index.sentence_spans[index.rows[h.passage.id]]]
                                     .index(start), vector) for _, h, start, _ in scored]
    np.testing.assert_allclose([p for p, *_ in scored], 1 / (1 + np.exp(-5 * np.array(cosines))),
                               rtol=1e-5)
    assert [p for p, *_ in scored] == sorted((p for p, *_ in scored), reverse=True)


def test_compose_quotes_what_the_learned_scorer_ranks_first(engine):
    """Fails when compose scores sentences by the plain rule whatever is fitted."""
    vector, hits, index = _hits(engine)
    plain = compose.plain_scores(QUESTION, vector, hits, index)
    # a scorer that prefers the last sentence of the last hit's passage: never the plain best
    params = {**_one_feature("place"), "features": ["place", "passage_rank"],
              "mean": [0.0, 0.0], "scale": [1.0, 1.0], "coef": [1.0, -4.0]}
    sentence_rank.use_params(params)
    learned = compose.score_sentences(QUESTION, vector, hits, index)
    assert learned[0][1].passage.id == hits[-1].passage.id
    assert (learned[0][1].passage.id, learned[0][2]) != (plain[0][1].passage.id, plain[0][2])
    answer = compose.compose(QUESTION, vector, hits, index, engine.settings)
    best = learned[0][1].passage.text[learned[0][2]:learned[0][3]].strip()
    if not answer.abstained:
        assert any(s.quote == best for s in answer.sources)
    assert compose.margin_for(index) == 0.0
    chosen = compose.choose_sentences(learned, index, 3, compose.margin_for(index))
    assert (learned[0][1].passage.id, learned[0][2]) in {(c[1].passage.id, c[2]) for c in chosen}


def test_parameters_of_another_embedder_or_broken_files_are_not_used(engine, tmp_path):
    index = engine._live.index
    sentence_rank.use_params({**_one_feature("cosine"),
                              "embedding_model": {"name": "x", "fingerprint": "other"}})
    assert sentence_rank.params_for(index) is None
    assert compose.margin_for(index) is None  # the plain rule's margin
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert sentence_rank.load_params(broken) is None
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"features": ["cosine"]}), encoding="utf-8")
    assert sentence_rank.load_params(partial) is None
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({**_one_feature("cosine"), "features": ["nope"]}),
                       encoding="utf-8")
    assert sentence_rank.load_params(unknown) is None
    good = tmp_path / "good.json"
    sentence_rank.save_params(_one_feature("terms"), good)
    assert sentence_rank.load_params(good)["features"] == ["terms"]


def test_the_label_is_score_py_hit_rule():
    gold = "Het kabinet trekt 30 miljoen euro uit"
    assert sentences.hits(sentences.norm(gold), sentences.norm("Zo: het  KABINET trekt 30 miljoen "
                                                               "euro uit voor iets."))
    assert not sentences.hits(sentences.norm(gold), sentences.norm("Het kabinet zwijgt."))
    assert sentences.hits(sentences.norm(gold), sentences.norm("het kabinet trekt 30 mil"))
    assert not sentences.hits(sentences.norm(gold), sentences.norm("het kabinet trekt"))
    assert sentences.answer_hits([gold], ["Iets anders.", gold + "."])
    assert not sentences.answer_hits([gold], ["x" * 700, gold + "."])  # past 600 characters


def _questions(n_each: int = 10) -> list[dict]:
    rows = [json.loads(line) for line in (EVAL / "tuning.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    answerable = [q for q in rows if q.get("answerable", True) and q.get("gold")][:n_each]
    return answerable + [q for q in rows if not q.get("answerable", True)][:n_each]


def test_fit_gives_parameters_that_score_and_a_chosen_margin(engine):
    questions = _questions(20)
    samples = ranker.collect(questions, engine)
    items = sentences.collect(questions, engine, samples)
    table = sentences.Table(engine._live.index, engine.settings.k)
    params = sentences.fit(items, table, None, engine._live.retriever.embedder)
    assert sentence_rank.valid(params) and params["margin"] in sentences.MARGINS
    assert params["features"] == list(sentences.USED)
    assert len(params["coef"]) == len(sentences.USED)
    assert params["expansion"] == [0, 1.0]  # no passage ranker: no expansion
    assert 0 < params["n_positive"] < params["n_sentences"]
    assert params["n_questions"] <= len(items) == 20
    # a fit on other questions gives other parameters
    other = sentences.fit(items[:12], table, None, engine._live.retriever.embedder)
    assert other["coef"] != params["coef"] and other["data_sha256"] != params["data_sha256"]


def test_crossval_refits_the_sentence_ranker_per_fold(engine, monkeypatch):
    questions = _questions()
    seen: dict = {"fit": [], "used": []}
    real_fit, real_use = crossval.sentences.fit, crossval.sentence_rank.use_params
    monkeypatch.setattr(crossval.sentences, "fit", lambda items, *a, **k: seen["fit"].append(
        {i.qid for i in items}) or real_fit(items, *a, **k))
    monkeypatch.setattr(crossval.sentence_rank, "use_params",
                        lambda p: seen["used"].append(p) or real_use(p))
    monkeypatch.setattr(crossval, "choose_constants", lambda e, qs: {})
    crossval.crossval_answers(engine, questions, EVAL, choose=False)
    folds = folds_of([q["id"] for q in questions],
                     [bool(q.get("answerable", True)) for q in questions])
    assert len(seen["fit"]) == 5
    for f, trained in enumerate(seen["fit"]):
        held = {str(q["id"]) for q, g in zip(questions, folds) if g == f}
        assert trained and held.isdisjoint(trained)
    fitted = [p for p in seen["used"] if p is not None]
    assert len(fitted) == 5 and len({json.dumps(p["coef"]) for p in fitted}) == 5
    assert seen["used"][-1] is None  # the packaged file again afterwards
    assert TUNING.sentence_margin == 0.03


def test_the_best_sentences_follower_keeps_its_place(engine):
    vector, hits, index = _hits(engine)
    scored = sentence_rank.score(_one_feature("first"), QUESTION, vector, hits, index)
    best = scored[0]
    spans = index.sentence_spans[index.rows[best[1].passage.id]]
    assert best[2] == spans[0][0] and len(spans) > 1 and len(hits) > 3
    # every first sentence is within the margin: the follower still gets a place
    chosen = compose.choose_sentences(scored, index, 3, margin=10.0)
    assert len(chosen) == 3 and (best[1].passage.id, *spans[1]) in {
        (c[1].passage.id, c[2], c[3]) for c in chosen}
    assert len({c[1].passage.id for c in chosen}) == 2


def test_the_one_sentence_between_two_chosen_ones_is_quoted_too(engine):
    vector, hits, index = _hits(engine)
    hit = next(h for h in hits if len(index.sentence_spans[index.rows[h.passage.id]]) >= 4)
    spans = [tuple(s) for s in index.sentence_spans[index.rows[hit.passage.id]]]

    def chosen(*picked):
        """``choose_sentences`` when exactly these sentences of ``hit`` (the first the
        best) are worth quoting: the last has no follower to keep a place for."""
        scored = [(1.0 - n / 100, hit, *span) for n, span in enumerate(picked)]
        scored += [(0.0, h, *s) for h in hits
                   for s in map(tuple, index.sentence_spans[index.rows[h.passage.id]])
                   if h is not hit or s not in picked]
        return [c[2] for c in compose.choose_sentences(scored, index, 3, margin=0.5)]
    # the last and the last but two: the one between them comes along, in reading order
    assert chosen(spans[-1], spans[-3]) == [spans[-3][0], spans[-2][0], spans[-1][0]]
    # two sentences apart: no bridge
    assert chosen(spans[-1], spans[-4]) == [spans[-4][0], spans[-1][0]]
