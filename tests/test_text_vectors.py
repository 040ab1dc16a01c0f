"""Texts a build embeds and stores (index/text_vectors.py): the cards' lines, so that no
card question embeds them; reuse of the live build's vectors only for the same model; an
older build gets the missing files; damaged files are refused. Fake embedders, real article."""

from __future__ import annotations

import numpy as np
import pytest

from bronwijzer.cite.cards import cards_of
from bronwijzer.errors import IndexStateError
from bronwijzer.index.build import build_index
from bronwijzer.index.store import load_index
from bronwijzer.index.text_vectors import CARDS, EXPANSION, card_texts, same_model
from bronwijzer.settings import load_settings

from conftest import HashEmbedder


class OtherModel(HashEmbedder):
    """Another model of the same size: the same words give other vectors."""

    name = "other-64"
    fingerprint = "other-64-v1"

    def embed_batch(self, texts, kind: str = "passage") -> np.ndarray:
        return np.roll(super().embed_batch(texts, kind), 7, axis=1)


@pytest.fixture
def built(article_home, fake_embedder):
    settings = load_settings(ranker="rrf")
    build_index(settings, fake_embedder)
    return settings, load_index(settings.index)


def test_a_build_stores_the_card_lines_and_no_card_question_embeds_them(built, fake_embedder):
    _, index = built
    lines, vectors = index.card_vectors
    assert lines == card_texts(index.references) and len(lines) >= len(index.references)
    np.testing.assert_allclose(vectors, fake_embedder.embed_batch(lines))
    fake_embedder.calls.clear()
    cardset = cards_of(index, fake_embedder)
    assert fake_embedder.calls == []
    np.testing.assert_allclose(cardset.what, fake_embedder.embed_batch(
        [c.what for c in cardset.cards]), atol=1e-6)


def test_an_older_build_without_the_card_files_gets_them_alone(built, fake_embedder):
    settings, before = built
    for name in (CARDS.texts_file, CARDS.vectors_file):
        (before.folder / name).unlink()  # as a build made before the cards were stored
    old = load_index(settings.index)
    assert old.card_vectors is None and old.expansion is not None
    fake_embedder.calls.clear()
    assert len(cards_of(old, fake_embedder).cards) == len(old.references)
    assert sum(fake_embedder.calls) == len(card_texts(old.references))  # embedded on demand
    fake_embedder.calls.clear()
    build_index(settings, fake_embedder)  # up to date: adds the card files as a new build
    after = load_index(settings.index)
    assert after.folder != before.folder
    assert after.card_vectors[0] == before.card_vectors[0]
    assert sum(fake_embedder.calls) == len(after.card_vectors[0])  # no expansion word again
    np.testing.assert_array_equal(after.expansion[1], before.expansion[1])


def test_a_build_with_another_model_reuses_none_of_the_live_vectors(built):
    settings, before = built
    other = OtherModel()
    build_index(settings, other)  # the model changed: a full rebuild
    after = load_index(settings.index)
    for stored, kind in ((after.card_vectors, CARDS), (after.expansion, EXPANSION)):
        texts, vectors = stored
        np.testing.assert_allclose(vectors, other.embed_batch(texts, kind=kind.kind), atol=1e-6)


def test_same_model_needs_the_name_and_the_fingerprint():
    manifest = {"model": "m", "fingerprint": "f"}
    assert same_model(dict(manifest), manifest)
    assert not same_model({"model": "m", "fingerprint": "g"}, manifest)
    assert not same_model(None, manifest)


def test_card_files_that_disagree_make_the_index_unreadable(built):
    settings, index = built
    np.save(index.folder / CARDS.vectors_file, index.card_vectors[1][:3])
    with pytest.raises(IndexStateError):
        load_index(settings.index)
