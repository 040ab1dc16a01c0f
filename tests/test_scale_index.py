"""An index that opens large: vectors and BM25 memory-mapped, the vocabulary stored by
the build (not computed at the first question); answers as before (fake embedder)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import HashEmbedder

from bronwijzer.answer import compose
from bronwijzer.answer.names import corpus_vocabulary
from bronwijzer.engine import Engine
from bronwijzer.index.build import build_index
from bronwijzer.index.store import current_folder, load_index
from bronwijzer.settings import load_settings


@pytest.fixture
def settings(article_home):
    settings = load_settings()
    build_index(settings, HashEmbedder())
    return settings


def test_vectors_and_bm25_are_memory_mapped(settings):
    index = load_index(settings.index)
    assert isinstance(index.vectors, np.memmap) and isinstance(index.sentence_vectors, np.memmap)
    assert not index.vectors.flags.writeable
    scores = index.lexical._model.scores
    assert any(isinstance(scores[k], np.memmap) for k in ("data", "indices", "indptr"))


def test_the_build_stores_the_vocabulary_the_answers_use(settings, monkeypatch):
    index = load_index(settings.index)
    expected = corpus_vocabulary([p.text for p in index.passages]
                                 + [r.raw for r in index.references])
    assert index.vocabulary == expected and len(expected) > 500
    assert (current_folder(settings.index) / "vocabulary.json").is_file()
    monkeypatch.setattr(compose, "corpus_vocabulary", None)  # never recomputed
    engine = Engine.open(settings, embedder=HashEmbedder(), build=False)
    answer = engine.with_settings(abstain_below=0.0).ask("Wat doet de gemeente Tilburg?")
    assert answer.sources


def test_an_index_built_before_the_vocabulary_was_stored_still_answers(settings):
    (current_folder(settings.index) / "vocabulary.json").unlink()
    index = load_index(settings.index)
    assert index.vocabulary is None
    assert compose.vocabulary(index) == corpus_vocabulary(
        [p.text for p in index.passages] + [r.raw for r in index.references])


class _NoScan:
    """Passage vectors that refuse a whole-corpus product (only their length is read)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __matmul__(self, other):
        raise AssertionError("scanned every passage vector")

    def __array__(self, *args, **kwargs):
        raise AssertionError("read every passage vector")


def test_peak_and_agreement_come_from_the_dense_index_not_a_scan(settings):
    from dataclasses import replace

    from bronwijzer.answer.evidence import features_of
    from bronwijzer.settings import TUNING
    index = load_index(settings.index)
    question = "Hoeveel bedrijventerrein is er nodig?"
    vector = HashEmbedder().embed_batch([question], kind="query")[0]
    cosines = np.sort(np.asarray(index.vectors) @ vector)[::-1]
    dense = np.argsort(-(np.asarray(index.vectors) @ vector), kind="stable")[:5]
    lexical = index.lexical.scores(question)
    bm25 = [i for i in np.argsort(-lexical, kind="stable")[:5] if lexical[i] > 0]
    guarded = replace(index, vectors=_NoScan(len(index.vectors)))
    found = features_of(question, vector, [], [], [], guarded, set(), frozenset(),
                        only=("peak", "agreement"))
    assert found["peak"] == pytest.approx(cosines[0] - cosines[:TUNING.evidence_top].mean(),
                                          abs=1e-6)
    assert found["peak"] > 0
    assert found["agreement"] == len(set(dense.tolist()) & set(bm25)) / 5


@pytest.mark.parametrize("depth", [0, 1, 5, 20, 99, 100, 150])
def test_top_rows_is_a_stable_sort_without_sorting_everything(depth):
    from bronwijzer.search.fusion import top_rows
    scores = np.random.default_rng(depth).integers(0, 7, size=100).astype(np.float32)
    assert top_rows(scores, depth).tolist() == np.argsort(-scores, kind="stable")[:depth].tolist()


@pytest.mark.parametrize("fusion", ["rrf", "convex", "dense", "bm25"])
def test_fusing_only_the_found_rows_gives_the_order_of_fusing_all(fusion):
    from bronwijzer.search.fusion import fuse, fused_order
    from bronwijzer.settings import Settings
    rng = np.random.default_rng(7)
    n = 5000
    cosines = np.full(n, -np.inf, dtype=np.float32)
    found = rng.choice(n, 60, replace=False)
    cosines[found] = np.round(rng.random(60), 2)  # ties
    lexical = np.where(rng.random(n) < 0.05, np.round(rng.random(n) * 5, 1), 0.0)
    sentences = np.where(np.isfinite(cosines), rng.random(n), -np.inf).astype(np.float32)
    settings = Settings(fusion=fusion)
    full = fuse(cosines, lexical, settings, sentences)
    expected = np.argsort(-full, kind="stable")
    expected = expected[np.isfinite(full[expected])]
    order, fused = fused_order(cosines, lexical, settings, sentences)
    assert order.tolist() == expected.tolist() and len(order) >= 60
    assert np.array_equal(fused[order], full[order])
    for top in (0, 1, 7, 60, 200, n):  # the head alone: the same rows, the same scores
        head, scores = fused_order(cosines, lexical, settings, sentences, top)
        assert head.tolist() == expected[:top].tolist()
        assert np.array_equal(scores[head], full[head])
        assert np.array_equal(scores[np.isfinite(scores)], full[np.isfinite(scores)])


def _tied_rankings(rng, n: int):
    """Rankings of ``n`` rows: 40 dense (and sentence) candidates, BM25 scores for 40 % of
    the rows in a few values (many ties), and the fusion of all of them."""
    from bronwijzer.search.fusion import fuse
    from bronwijzer.settings import Settings
    lexical = np.where(rng.random(n) < 0.4, rng.integers(1, 5, n), 0).astype(np.float64)
    cosines = np.full(n, -np.inf, dtype=np.float32)
    cosines[rng.choice(n, 40, replace=False)] = rng.random(40)
    sentences = np.where(np.isfinite(cosines), rng.random(n), -np.inf).astype(np.float32)
    return cosines, lexical, sentences, fuse(cosines, lexical, Settings(), sentences)


@pytest.mark.parametrize("seed", range(4))
def test_the_head_of_a_fusion_with_many_bm25_ties_is_the_head_of_fusing_all(seed):
    from bronwijzer.search.fusion import fused_order
    from bronwijzer.settings import Settings
    cosines, lexical, sentences, full = _tied_rankings(np.random.default_rng(seed), 3000)
    settings = Settings()
    expected = np.argsort(-full, kind="stable")
    for top in (1, 5, 20):
        head, scores = fused_order(cosines, lexical, settings, sentences, top)
        assert head.tolist() == expected[:top].tolist()
        kept = np.isfinite(scores)
        assert kept.sum() < (lexical > 0).sum() and np.array_equal(scores[kept], full[kept])


@pytest.mark.parametrize("seed", range(4))
def test_the_heads_among_masks_and_the_rows_asked_for_are_scored_as_fusing_all(seed):
    from bronwijzer.search.fusion import fuse, head_rows, top_rows
    from bronwijzer.settings import Settings
    rng, n, settings = np.random.default_rng(seed), 4000, Settings()
    cosines, lexical, sentences, full = _tied_rankings(rng, n)
    rows = np.flatnonzero(np.isfinite(cosines) | (lexical > 0))
    article, marked = rng.random(n) < 0.7, rng.choice(n, 50, replace=False)
    heads = [(article, 30), (None, 1), (rng.random(n) < 0.2, 5)]
    kept, rank = head_rows(cosines, lexical, sentences, heads, marked)
    assert len(kept) < len(rows) / 3
    scores = np.full(n, -np.inf)
    scores[kept] = fuse(cosines[kept], lexical[kept], settings, sentences[kept], rank)
    assert np.array_equal(scores[kept], full[kept])                   # exact where kept
    assert set(np.intersect1d(marked, rows).tolist()) <= set(kept.tolist())
    for mask, top in heads:
        among = np.ones(n, bool) if mask is None else mask
        want = np.flatnonzero(among)[top_rows(full[among], top)]
        assert np.flatnonzero(among)[top_rows(scores[among], top)].tolist() == want.tolist()


@pytest.mark.parametrize("seed", range(3))
def test_bm25_ranks_of_some_rows_are_their_ranks_among_all_matched(seed):
    from bronwijzer.search.fusion import _ranks_of, ranks
    rng = np.random.default_rng(seed)
    lexical = np.where(rng.random(5000) < 0.5, rng.integers(1, 6, 5000) / 2, 0.0)
    lexical[rng.choice(5000, 30)] = rng.random(30) * 9  # a few without ties
    matched = np.flatnonzero(lexical > 0)
    everything = ranks(lexical, ignore_zero=True)
    for size in (1, 5, 17, 300):
        rows = np.sort(rng.choice(matched, size, replace=False))
        assert np.array_equal(_ranks_of(rows, matched, lexical), everything[rows])


def test_ranks_sort_only_what_they_rank_and_equal_a_sort_of_everything():
    from bronwijzer.search.fusion import ranks
    rng = np.random.default_rng(3)
    scores = np.where(rng.random(3000) < 0.1, np.round(rng.random(3000) - 0.3, 2), -np.inf)
    for ignore_zero in (False, True):
        whole = np.full(len(scores), np.inf)
        whole[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
        whole[~np.isfinite(scores) | ((scores <= 0) if ignore_zero else False)] = np.inf
        assert np.array_equal(ranks(scores, ignore_zero), whole)


def test_a_filtered_search_scores_the_kept_vectors_in_parts(settings, monkeypatch):
    from bronwijzer.search import retrieve
    index = load_index(settings.index)
    retriever = retrieve.Retriever(index, HashEmbedder(), settings)
    vector = HashEmbedder().embed_batch(["ruimte voor bedrijven"], kind="query")[0]
    keep = np.arange(len(index.passages)) % 3 != 0
    whole = retriever._cosines(vector, keep)
    monkeypatch.setattr(retrieve, "FILTER_ROWS", 5)
    parts = retriever._cosines(vector, keep)
    assert np.array_equal(np.isfinite(parts), keep) and keep.sum() > 10
    assert np.allclose(parts[keep], whole[keep], atol=1e-6)
    assert np.allclose(parts[keep], np.asarray(index.vectors)[keep] @ vector, atol=1e-6)
