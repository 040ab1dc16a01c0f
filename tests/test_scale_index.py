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
