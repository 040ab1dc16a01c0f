"""Index builds through the embedder's build path: ``tokenizers`` batch encoding, and one
encoder pass per passage for its sentences' vectors when the settings ask for it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bronwijzer.index.build import build_index, staleness
from bronwijzer.index.store import current_folder, load_index
from bronwijzer.index.text_vectors import card_texts
from bronwijzer.model import embed
from bronwijzer.model.onnx_embed import _token_sentences
from bronwijzer.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
PASSAGES = ["Bedrijventerreinen staan onder druk. Woningbouw verdringt werk! Wat nu?",
            "Business parks are under pressure from housing.\nThe market is tight."]


def _spans(text: str) -> tuple[tuple[int, int], ...]:
    from bronwijzer.text import split_sentences
    return tuple(split_sentences(text))


@pytest.fixture(scope="module")
def e5():
    cache = load_settings().cache
    return embed.load_embedder(load_settings(cache_dir=cache if cache.is_absolute()
                                             else ROOT / cache))


def test_tokens_belong_to_the_sentence_holding_their_last_character():
    # "p: " prompt (3 chars), then "Ab cd. Ef" with sentences (0, 6) and (7, 9)
    offsets = [(0, 0), (0, 3), (3, 5), (5, 8), (8, 9), (9, 12), (0, 0)]
    special = [1, 0, 0, 0, 0, 0, 1]
    owner = _token_sentences(offsets, special, [(0, 6), (7, 9)], shift=3)
    assert owner.tolist() == [-1, -1, 0, 0, 0, 1, -1]


def test_the_build_path_equals_the_query_path_per_text(e5):
    spans = [_spans(t) for t in PASSAGES]
    vectors, sentence_vectors = e5.embed_passages(PASSAGES, spans, one_pass=False)
    sentences = [t[s:e] for t, ss in zip(PASSAGES, spans) for s, e in ss]
    assert len(sentences) == len(sentence_vectors) == 5
    assert np.min(np.sum(vectors * e5.embed_batch(PASSAGES), axis=1)) > 0.99999
    assert np.min(np.sum(sentence_vectors * e5.embed_batch(sentences), axis=1)) > 0.99999


def test_a_sentence_that_recurs_is_encoded_once_with_the_same_vector(e5, monkeypatch):
    texts = ["Zie ook de bijlage. Werklocaties krimpen.", "Zie ook de bijlage. Woningen groeien."]
    spans = [_spans(t) for t in texts]
    widths = []
    pooled = e5._pooled
    monkeypatch.setattr(e5, "_pooled", lambda ids, *a, **k: widths.append(len(ids))
                        or pooled(ids, *a, **k))
    _, sentence_vectors = e5.embed_passages(texts, spans, one_pass=False)
    assert widths == [2, 3]  # the two passages, then three distinct sentences of four
    assert np.array_equal(sentence_vectors[0], sentence_vectors[2])
    alone = e5.embed_batch(["Zie ook de bijlage.", "Woningen groeien."])
    assert np.min(np.sum(sentence_vectors[[2, 3]] * alone, axis=1)) > 0.99999


def test_an_embedder_without_a_build_path_embeds_a_recurring_sentence_once(fake_embedder):
    from bronwijzer.index.build import _embed_part
    texts = ["Zie ook de bijlage. Werklocaties krimpen.", "Zie ook de bijlage. Woningen groeien."]
    vectors, sentence_vectors = _embed_part(fake_embedder, texts, [_spans(t) for t in texts],
                                            load_settings())
    assert fake_embedder.calls == [2, 3] and sentence_vectors.shape[0] == 4
    np.testing.assert_array_equal(sentence_vectors[0], sentence_vectors[2])
    np.testing.assert_array_equal(sentence_vectors[3],
                                  fake_embedder.embed_batch(["Woningen groeien."])[0])


def test_one_pass_pools_each_sentence_from_the_passage_states(e5):
    spans = [_spans(t) for t in PASSAGES]
    vectors, one = e5.embed_passages(PASSAGES, spans, one_pass=True)
    _, own = e5.embed_passages(PASSAGES, spans, one_pass=False)
    assert np.min(np.sum(vectors * e5.embed_batch(PASSAGES), axis=1)) > 0.99999
    assert one.shape == own.shape and np.allclose(np.linalg.norm(one, axis=1), 1, atol=1e-5)
    cosines = np.sum(one * own, axis=1)
    assert cosines.min() > 0.7 and cosines.max() < 0.9999  # related, but not the same pass


def test_a_sentence_truncated_away_gets_a_pass_of_its_own(e5):
    text = "Werk en ruimte. " * 200 + "De laatste zin gaat over stikstof."
    spans = _spans(text)
    _, one = e5.embed_passages([text], [spans], one_pass=True)
    alone = e5.embed_batch([text[spans[-1][0]:spans[-1][1]]])[0]
    assert float(one[-1] @ alone) > 0.99999
    assert float(one[0] @ alone) < 0.99


class PassEmbedder:
    """The test suite's hash embedder with a build path that records its calls: passages
    go through ``embed_passages``; ``embed_batch`` gets only the stored texts (the
    expansion's words as queries, the cards' lines: index/text_vectors.py)."""

    name, fingerprint = "hash-pass", "hash-pass-v1"
    dim = 8

    def __init__(self) -> None:
        self.calls: list[tuple[int, bool]] = []
        self.passage_texts: list[str] = []  # what embed_batch got as passages

    def embed_batch(self, texts, kind="passage"):
        if kind != "query":
            self.passage_texts.extend(texts)
        return np.eye(self.dim, dtype=np.float32)[np.arange(len(texts)) % self.dim]

    def embed_passages(self, texts, spans, one_pass=True):
        self.calls.append((len(texts), one_pass))
        rows = sum(len(s) for s in spans)
        unit = np.eye(self.dim, dtype=np.float32)
        return unit[np.arange(len(texts)) % self.dim], unit[np.arange(rows) % self.dim]


def test_one_pass_builds_record_it_and_reuse_vectors_by_passage_text(article_home):
    settings = load_settings(one_pass_sentences=True)
    embedder = PassEmbedder()
    first = build_index(settings, embedder)
    assert embedder.calls and all(one for _, one in embedder.calls)
    manifest = json.loads((current_folder(settings.index) / "manifest.json").read_text())
    assert manifest["chunk"]["sentences"] == "one-pass"
    index = load_index(settings.index)
    assert embedder.passage_texts == card_texts(index.references)  # the rest: embed_passages
    assert len(index.sentence_vectors) == sum(len(s) for s in index.sentence_spans)
    assert first.embedded == len(index.passages) + len(index.sentence_vectors)
    (settings.corpus / "notitie.txt").write_text("Een korte notitie over werklocaties.\n",
                                                 encoding="utf-8")
    embedder.calls.clear()
    again = build_index(settings, embedder)
    assert embedder.calls == [(1, True)] and again.embedded == 2
    assert again.reused == first.embedded
    assert staleness(load_settings(), embedder.name).kind == "chunking"
    embedder.calls.clear()
    build_index(load_settings(), embedder)  # sentences by their own pass: nothing reused
    assert sum(n for n, _ in embedder.calls) == len(index.passages) + 1
    assert not any(one for _, one in embedder.calls)
