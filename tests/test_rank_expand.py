"""The query expansion of the ranker's BM25 feature (search/expand.py) and its choice by
cross-validation (tune/ranker.py): fake embedders, real article."""

from __future__ import annotations

import numpy as np
import pytest

from bronwijzer.engine import Engine
from bronwijzer.index.build import build_index
from bronwijzer.index.store import load_index
from bronwijzer.records import Passage
from bronwijzer.search.expand import Expander, content_words
from bronwijzer.search.rank import FEATURES, LearnedRanker, bm25_column, expansion_of
from bronwijzer.settings import load_settings
from bronwijzer.tune.ranker import (
    EXPANSIONS,
    Sample,
    choose_expansion,
    first_gold,
    fit_samples,
)

# words the synonym embedder puts close together (cosine 0.92), every other word alone
GROUPS = (("perceel", "bedrijventerreinen"), ("zorgen", "milieu"))


class SynonymEmbedder:
    """Words of one ``GROUPS`` entry get nearly the same vector; others are orthogonal."""

    name = "synonyms"
    fingerprint = "synonyms-v1"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_batch(self, texts, kind: str = "passage") -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            group = next((g for g in GROUPS if text in g), None)
            if group is None:
                out[row, 2 * len(GROUPS) + sum(map(ord, text)) % (self.dim - 4)] = 1.0
            else:
                base = 2 * GROUPS.index(group)
                out[row, base] = 1.0
                out[row, base + 1] = 0.2 * (1 if group.index(text) else -1)
                out[row] /= np.linalg.norm(out[row])
        return out


def _passages(*texts: str) -> list[Passage]:
    return [Passage(id=f"p{n}", doc="d.txt", paragraph=n, start=0, end=len(t), text=t)
            for n, t in enumerate(texts)]


@pytest.fixture
def engine(article_home, fake_embedder):
    settings = load_settings(ranker="rrf")
    build_index(settings, fake_embedder)
    return Engine(settings, fake_embedder, load_index(settings.index))


def test_content_words_drop_stop_words_short_words_and_numbers():
    words = content_words("Wat zijn de Zorgen over 2026, en de CO2 van het milieu? Zorgen!")
    assert words[-2:] == ["zorgen", "milieu"]
    assert not {"wat", "de", "en", "van", "het", "2026", "co2", "co"} & set(words)
    assert content_words("12 34 ab") == []


def test_a_question_word_brings_its_near_corpus_words_only():
    embedder = SynonymEmbedder()
    expander = Expander(embedder, _passages("Het milieu en de bedrijventerreinen.",
                                            "Een ander verhaal over wonen."))
    assert expander.added("Welk perceel?", 2, 0.8) == ["bedrijventerreinen"]
    assert expander.added("Welke zorgen?", 2, 0.8) == ["milieu"]
    assert expander.added("Welk perceel?", 2, 0.95) == []  # below tau
    assert expander.added("Welk perceel?", 0, 0.0) == []   # k 0: no expansion
    # a corpus word asked itself is not added again; its neighbours are
    assert "milieu" not in expander.added("het milieu", 2, 0.8)
    assert expander.expand("Welk perceel?", 1, 0.8) == "Welk perceel? bedrijventerreinen"
    corpus_passes = [c for c in embedder.calls if "wonen" in c]
    expander.added("Welke zorgen?", 2, 0.8)
    assert len([c for c in embedder.calls if "wonen" in c]) == len(corpus_passes) == 1


def test_the_bm25_feature_uses_the_expanded_question(engine, fake_embedder):
    retriever = engine._live.retriever
    index = retriever.index
    question = "Welk perceel?"  # no word of it is in the article
    assert not index.lexical.scores(question).any()
    expander = Expander(SynonymEmbedder(), index.passages)
    params = {"depth": 12, "expansion": {"k": 2, "tau": 0.8}}
    ranker = LearnedRanker(params, index, fake_embedder, expander=expander)
    vector = retriever.embed_queries([question])[0]
    rows = np.arange(12)
    lexical = index.lexical.scores(question)
    matrix = ranker.candidate_features(question, vector, rows, lexical)
    assert "bedrijventerreinen" in expander.added(question, 2, 0.8)
    expanded = index.lexical.scores(expander.expand(question, 2, 0.8))
    column = matrix[:, FEATURES.index("bm25")]
    np.testing.assert_allclose(column, bm25_column(expanded, rows))
    assert column.max() == pytest.approx(1.0)
    plain = LearnedRanker({"depth": 12}, index, fake_embedder, expander=expander)
    assert not plain.candidate_features(question, vector, rows, lexical)[
        :, FEATURES.index("bm25")].any()
    assert expansion_of(params) == (2, 0.8) and expansion_of({"depth": 12}) == (0, 1.0)


def _samples(n: int = 40, seed: int = 0) -> list[Sample]:
    """Questions whose gold candidate only the (2, 0.88) expansion's bm25 column marks."""
    rng = np.random.default_rng(seed)
    out = []
    for q in range(n):
        matrix = rng.normal(size=(8, len(FEATURES))).astype(np.float32)
        labels = np.zeros(8, dtype=np.int64)
        labels[rng.integers(8)] = 1
        marked = np.where(labels == 1, 1.0, rng.uniform(0, 0.3, 8)).astype(np.float32)
        out.append(Sample(f"q{q:02d}", np.arange(8), matrix, labels,
                          {(2, 0.88): marked, (1, 0.90): rng.uniform(0, 1, 8).astype(np.float32)}))
    return out


def test_the_expansion_is_chosen_out_of_fold_and_kept_with_the_model():
    samples = _samples()
    chosen, scores = choose_expansion(samples)
    assert chosen == (2, 0.88)
    assert set(scores) == {f"{k}/{tau}" for k, tau in EXPANSIONS}
    assert scores["2/0.88"] > scores["0/1.0"]
    params = fit_samples(samples, expansion=chosen)
    assert params["expansion"] == {"k": 2, "tau": 0.88}
    assert (first_gold(params, _samples(20, seed=1)) == 0).mean() > 0.9
    plain = fit_samples(samples)
    assert plain["expansion"] is None
    assert (first_gold(plain, _samples(20, seed=1)) == 0).mean() < 0.5


def test_a_sample_without_the_column_keeps_its_matrix():
    sample = _samples(1)[0]
    assert sample.expanded((0, 1.0)) is sample.matrix
    replaced = sample.expanded((2, 0.88))
    np.testing.assert_array_equal(replaced[:, FEATURES.index("bm25")], sample.bm25[(2, 0.88)])
    assert (sample.matrix[:, FEATURES.index("bm25")] != replaced[:, FEATURES.index("bm25")]).any()


def test_a_build_stores_the_corpus_words_and_the_ranker_embeds_none_of_them(engine,
                                                                             fake_embedder):
    """The expansion's corpus words are embedded at build time (index/expansion.py): the
    first expanded question embeds only its own words that are not corpus words."""
    from bronwijzer.index.expansion import WORDS_FILE, corpus_words
    index = engine.retriever.index
    words, vectors = index.expansion
    assert (index.folder / WORDS_FILE).is_file()
    assert words == corpus_words(index.passages) and len(words) > 300
    np.testing.assert_allclose(vectors, fake_embedder.embed_batch(words, kind="query"))
    expander = Expander(fake_embedder, index.passages, index.expansion)
    fake_embedder.calls.clear()
    expander.added("perceel bedrijventerreinen", 2, 0.0)
    assert sum(fake_embedder.calls) == 1  # "perceel" only: the corpus word comes stored


def test_a_build_without_the_files_gets_them_and_a_rebuild_reuses_the_vectors(
        article_home, fake_embedder):
    from bronwijzer.index.expansion import VECTORS_FILE, WORDS_FILE
    settings = load_settings(ranker="rrf")
    build_index(settings, fake_embedder)
    before = load_index(settings.index)
    (before.folder / WORDS_FILE).unlink()  # as an index built before the files existed
    assert load_index(settings.index).expansion is None
    fake_embedder.calls.clear()
    build_index(settings, fake_embedder)  # up to date: adds the files as a new build
    after = load_index(settings.index)
    assert after.folder != before.folder and after.expansion[0] == before.expansion[0]
    assert sum(fake_embedder.calls) == len(after.expansion[0])
    fake_embedder.calls.clear()
    build_index(settings, fake_embedder, force=True)  # every word is in the live build
    assert sum(fake_embedder.calls) > 0  # (the passages themselves)
    again = load_index(settings.index)
    np.testing.assert_array_equal(again.expansion[1], after.expansion[1])
    np.save(again.folder / VECTORS_FILE, again.expansion[1][:5])  # damaged: files disagree
    from bronwijzer.errors import IndexStateError
    with pytest.raises(IndexStateError):
        load_index(settings.index)
