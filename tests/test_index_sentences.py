"""The index's sentence API (``Index.sentences_of`` and the cosine helpers) on a tiny
made-up index: every passage's sentences are one run of ``sentence_vectors``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bronwijzer.index.store import Index
from bronwijzer.records import Passage


def _index(counts: list[int]) -> Index:
    """Passages with ``counts`` sentences each; sentence vector i is the i-th unit vector."""
    passages = tuple(Passage(id=f"d#{i}", doc="d", text="x" * 10, paragraph=i, start=i * 10,
                             end=i * 10 + 10) for i in range(len(counts)))
    spans = tuple(tuple((j, j + 1) for j in range(n)) for n in counts)
    total = sum(counts)
    return Index(folder=Path("."), manifest={}, passages=passages, sentence_spans=spans,
                 vectors=np.zeros((len(counts), total), np.float32),
                 sentence_vectors=np.eye(total, dtype=np.float32), references=(),
                 lexical=None, dense=None)


def test_sentences_of_gives_each_passages_own_rows():
    index = _index([2, 0, 3])
    assert index.sentences_of(0).shape == (2, 5)
    assert index.sentences_of(1).shape == (0, 5)
    # passage 2's sentences are sentence vectors 2, 3, 4
    assert np.array_equal(index.sentences_of(2).argmax(axis=1), [2, 3, 4])


def test_sentence_cosines_follow_the_order_of_rows():
    index = _index([2, 0, 3])
    vector = np.arange(5, dtype=np.float32)
    assert index.sentence_cosines([2, 0], vector).tolist() == [2.0, 3.0, 4.0, 0.0, 1.0]
    assert index.sentence_cosines([], vector).shape == (0,)
    assert index.sentence_cosine(2, 1, vector) == 3.0


def test_best_sentence_cosines_only_for_the_rows_asked():
    index = _index([2, 0, 3])
    vector = np.array([5, 1, 0, 7, 2], dtype=np.float32)
    best = index.best_sentence_cosines(np.array([1, 2]), vector)
    assert best[0] == -np.inf and best[1] == -np.inf  # not asked / no sentences
    assert best[2] == 7.0
    assert index.best_sentence_cosines(np.array([0, 2]), vector).tolist() == [5.0, -np.inf, 7.0]
