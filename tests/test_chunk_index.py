"""Chunking, the index store and incremental builds (fake embedder, real article)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bronwijzer.corpus.loader import load_corpus
from bronwijzer.index.build import build_index, staleness
from bronwijzer.index.chunk import chunk_document
from bronwijzer.index.store import current_folder, load_index
from bronwijzer.settings import load_settings


@pytest.fixture
def settings(article_home):
    return load_settings()


def test_passages_are_paragraph_sized_with_consistent_offsets(settings):
    docs, problems = load_corpus(settings.corpus)
    assert problems == [] and len(docs) == 1
    passages = chunk_document(docs[0], max_chars=600, min_chars=200)
    assert all(len(p.text) <= 600 for p in passages)
    assert all(docs[0].text[p.start:p.end] == p.text for p in passages)
    assert len({p.id for p in passages}) == len(passages)
    # every footnote marker of the article lands in exactly one passage
    notes = [n for p in passages for n in p.footnotes]
    assert sorted(notes) == list(range(1, 21))
    # a split never cuts a sentence's marker off: long paragraphs end at sentence ends
    long_ones = [p for p in passages if p.end - p.start > 400]
    assert long_ones and all(p.text.rstrip()[-1] in ".?!:)’”]" for p in long_ones)


def test_short_heading_joins_the_next_paragraph(settings):
    docs, _ = load_corpus(settings.corpus)
    passages = chunk_document(docs[0])
    heading = next(p for p in passages if "drie urgente uitdagingen:" in p.text)
    assert "Ondanks dat economische ontwikkelingen" in heading.text


def test_ids_are_stable_across_rebuilds(settings, fake_embedder):
    build_index(settings, fake_embedder)
    first = [p.id for p in load_index(settings.index).passages]
    build_index(settings, fake_embedder, force=True)
    assert [p.id for p in load_index(settings.index).passages] == first


def test_unchanged_index_is_not_rebuilt_and_changes_reembed_only_new_text(settings, fake_embedder):
    first = build_index(settings, fake_embedder)
    assert not first.skipped and first.embedded > 0
    again = build_index(settings, fake_embedder)
    assert again.skipped and staleness(settings, fake_embedder.name) is None
    extra = settings.corpus / "notitie.txt"
    extra.write_text("Een korte notitie over bedrijventerreinen en werklocaties.\n", encoding="utf-8")
    assert staleness(settings, fake_embedder.name).kind == "corpus"
    assert "corpus changed" in str(staleness(settings, fake_embedder.name))
    words_before = set(load_index(settings.index).expansion[0])
    fake_embedder.calls.clear()
    report = build_index(settings, fake_embedder)
    assert report.documents == 2
    new_words = set(load_index(settings.index).expansion[0]) - words_before
    assert 0 < len(new_words) <= 3  # the expansion embeds the words new to the corpus only
    # the new passage and its sentence, and those words
    assert sum(fake_embedder.calls) == report.embedded + len(new_words) <= 3 + len(new_words)


def test_index_folder_is_plain_files_without_pickle(settings, fake_embedder):
    build_index(settings, fake_embedder)
    folder = current_folder(settings.index)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"] == "hash-64" and manifest["passages"] > 30
    assert set(manifest["files"]) >= {"ruimte-voor-economie-en-werk.txt"}
    vectors = np.load(folder / "vectors.npy", allow_pickle=False)
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert not list(folder.rglob("*.pkl")) and not list(folder.rglob("*.pickle"))


def test_faiss_agrees_with_numpy_brute_force(settings, fake_embedder):
    build_index(settings, fake_embedder)
    index = load_index(settings.index)
    queries = fake_embedder.embed_batch(["bedrijventerreinen beter benutten", "mkb productiviteit",
                                         "woondeals werkruimte"], kind="query")
    scores, ids = index.dense.search(queries, 10)
    brute = queries @ index.vectors.T
    for row in range(len(queries)):
        expected = np.argsort(-brute[row], kind="stable")[:10]
        assert np.allclose(scores[row], brute[row][expected], atol=1e-5)
        assert set(ids[row][:5]) == set(expected[:5]) or np.allclose(
            brute[row][ids[row][:5]], brute[row][expected[:5]], atol=1e-5)


def test_failed_build_leaves_previous_index_whole(settings, fake_embedder, monkeypatch):
    build_index(settings, fake_embedder)
    before = [p.id for p in load_index(settings.index).passages]
    (settings.corpus / "extra.txt").write_text("Nieuwe tekst over campussen.\n", encoding="utf-8")

    def broken_save(self, folder):
        raise OSError("disk full")

    monkeypatch.setattr("bronwijzer.index.lexical.Lexical.save", broken_save)
    with pytest.raises(OSError):
        build_index(settings, fake_embedder)
    assert [p.id for p in load_index(settings.index).passages] == before
    monkeypatch.undo()
    build_index(settings, fake_embedder)
    assert len(load_index(settings.index).passages) == len(before) + 1
    leftovers = [p for p in settings.index.iterdir() if p.name.startswith("b-")]
    assert len(leftovers) == 2      # the live build and the one before it (for readers)
    assert all((p / "manifest.json").is_file() for p in leftovers)


def test_large_corpora_get_an_hnsw_index_that_agrees_with_exact_search(article_home, fake_embedder):
    from bronwijzer.engine import Engine
    exact_settings = load_settings()
    build_index(exact_settings, fake_embedder)
    exact = Engine(exact_settings, fake_embedder, load_index(exact_settings.index))
    ann_settings = load_settings(ann_min_passages=10, index_dir=article_home / "index-ann")
    build_index(ann_settings, fake_embedder)
    ann = Engine(ann_settings, fake_embedder, load_index(ann_settings.index))
    assert load_index(ann_settings.index).manifest["dense"] == "hnsw"
    assert load_index(exact_settings.index).manifest["dense"] == "flat"
    assert (current_folder(ann_settings.index) / "dense.faiss").is_file()
    for question in ["bedrijventerreinen beter benutten", "mkb productiviteit", "woondeals"]:
        assert [h.passage.id for h in ann.search(question, 3)] == \
            [h.passage.id for h in exact.search(question, 3)]
