"""Passages on demand (index/passages.py) and the citation lookups over its columns: on
the real article indexed with the fake embedder, the new paths give what the old ones
(every passage a record, loops over every sentence; restated here) gave, and opening an
index makes no passage record."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from bronwijzer.cite import lookup
from bronwijzer.index import passages as lazy
from bronwijzer.index.build import build_index
from bronwijzer.index.chunk import footnotes_in
from bronwijzer.index.passages import passage_before, passages_after
from bronwijzer.index.store import Index, current_folder, load_index
from bronwijzer.index.upgrade import add_columns
from bronwijzer.records import Passage
from bronwijzer.search.rank import positions
from bronwijzer.search.retrieve import Retriever
from bronwijzer.settings import load_settings

CLAIMS = ["ruimte voor bedrijven en werklocaties in de stad",
          "de productiviteit van het mkb blijft achter"]


@pytest.fixture
def built(article_home, fake_embedder):
    settings = dataclasses.replace(load_settings(), ranker="rrf")
    build_index(settings, fake_embedder)
    return settings, fake_embedder


def _records(index) -> tuple[tuple, tuple]:
    """The old open path: every passage a record, read from passages.jsonl."""
    lines = (current_folder(index.folder.parent) / "passages.jsonl").read_text(encoding="utf-8")
    rows = [lazy.passage_from_dict(json.loads(line)) for line in lines.splitlines() if line]
    return tuple(p for p, _ in rows), tuple(s for _, s in rows)


def _old_marked(index) -> list:
    passages, spans = _records(index)
    out = []
    for row, (p, found) in enumerate(zip(passages, spans)):
        if p.source_of or not p.footnotes:
            continue
        for position, (start, end) in enumerate(found):
            notes = [n for n in footnotes_in(p.text[start:end]) if n in p.footnotes]
            if notes:
                out.append((row, position, p, start, end, notes))
    return out


def _old_claim_sentences(retriever, claim, vector) -> list:
    index = retriever.index
    passages, spans = _records(index)
    scores = {h.passage.id: h.score for h in retriever.search(
        claim, len(passages), vector=vector, where=lambda p: p.source_of is None)}
    top = max(scores.values(), default=1.0) or 1.0
    terms = (set(lookup.tokenize([claim])[0]) - lookup.FRAME_TERMS
             if lookup.TUNING.claim_lexical_weight else set())
    rows = []
    for row, (passage, found) in enumerate(zip(passages, spans)):
        if passage.source_of is not None or not found:
            continue
        cosines = index.sentences_of(row) @ vector
        bonus = lookup.TUNING.claim_passage_weight * scores.get(passage.id, 0.0) / top
        for position, ((start, end), cosine) in enumerate(zip(found, cosines)):
            notes = [n for n in footnotes_in(passage.text[start:end]) if n in passage.footnotes]
            lexical = lookup.TUNING.claim_lexical_weight * lookup.shared_terms(
                terms, passage.text[start:end])
            rows.append((float(cosine) + bonus + lexical, passage, start, end, notes, position))
    return sorted(rows, key=lambda r: -r[0])


def test_opening_an_index_makes_no_passage_record(built, monkeypatch):
    settings, embedder = built
    made = []
    real = lazy.passage_from_dict
    monkeypatch.setattr(lazy, "passage_from_dict", lambda data: made.append(1) or real(data))
    index = load_index(settings.index)
    Retriever(index, embedder, settings)
    assert made == []
    third = index.passages[3]
    assert len(made) == 1 and index.passages[3] is third and len(made) == 1   # kept


def test_lazy_passages_spans_and_ids_equal_the_records(built):
    settings, _ = built
    index = load_index(settings.index)
    passages, spans = _records(index)
    assert len(index.passages) == len(passages) > 20
    assert list(index.passages) == list(passages)
    assert list(index.sentence_spans) == list(spans)
    assert dict(index.rows) == {p.id: i for i, p in enumerate(passages)}
    assert index.by_id[passages[5].id] == passages[5] and "nope" not in index.rows
    assert index.passages[-1] == passages[-1] and index.passages[2:4] == list(passages[2:4])


def test_marked_table_and_claim_lookups_equal_the_old_loops(built):
    settings, embedder = built
    index = load_index(settings.index)
    retriever = Retriever(index, embedder, settings)
    assert lookup.marked_sentences(index) == _old_marked(index) != []
    for claim in CLAIMS:
        vector = retriever.embed_queries([claim])[0]
        assert lookup.claim_sentences(retriever, claim, vector) == _old_claim_sentences(
            retriever, claim, vector)


def test_bounded_claim_lookup_equals_the_scan_when_every_passage_is_a_candidate(built):
    settings, embedder = built
    index = load_index(settings.index)
    wide = dataclasses.replace(settings, claim_scan_max_passages=0,
                               candidates=len(index.passages))
    bounded, scan = Retriever(index, embedder, wide), Retriever(index, embedder, settings)
    for claim in CLAIMS:
        vector = scan.embed_queries([claim])[0]
        assert lookup.claim_sentences(bounded, claim, vector) == lookup.claim_sentences(
            scan, claim, vector)


def test_bounded_claim_lookup_scores_a_bounded_set_with_the_marked_sentences(built):
    settings, embedder = built
    index = load_index(settings.index)
    narrow = dataclasses.replace(settings, claim_scan_max_passages=0, candidates=2)
    retriever = Retriever(index, embedder, narrow)
    vector = retriever.embed_queries([CLAIMS[0]])[0]
    rows = lookup.claim_sentences(retriever, CLAIMS[0], vector)
    passages = {r[1].id for r in rows}
    assert len(rows) < sum(len(s) for s in index.sentence_spans)
    assert sum(1 for r in rows if r[4]) >= 2 and len(passages) >= 2   # marked ones came in
    assert rows == sorted(rows, key=lambda r: -r[0])


def test_fused_scores_are_the_hits_scores(built):
    settings, embedder = built
    index = load_index(settings.index)
    retriever = Retriever(index, embedder, settings)
    vector = retriever.embed_queries([CLAIMS[1]])[0]
    hits = retriever.search(CLAIMS[1], len(index.passages), vector=vector,
                            where=lambda p: bool(p.footnotes))
    fused = retriever.fused_scores(CLAIMS[1], vector, np.array([bool(p.footnotes)
                                                                for p in index.passages]))
    assert {h.passage.id: h.score for h in hits} == {
        p.id: float(fused[i]) for i, p in enumerate(index.passages) if np.isfinite(fused[i])}


def test_document_neighbours_and_positions_equal_the_old_scans(built):
    settings, _ = built
    index = load_index(settings.index)
    passages = list(index.passages)
    assert np.array_equal(lazy.doc_positions(index), positions(passages))
    for here in passages:
        before = [p for p in passages if p.doc == here.doc and p.start < here.start]
        assert passage_before(index, here) == (max(before, key=lambda p: p.start)
                                               if before else None)
        after = sorted((p for p in passages if p.doc == here.doc and p.start > here.start),
                       key=lambda p: p.start)[:3]
        assert passages_after(index, here, 3) == after


def test_source_rows_and_doc_extents_from_records():
    made = [Passage(id=f"p{i}", doc=doc, text="Een zin [1].", paragraph=i, start=10 * i,
                    end=10 * i + 9, footnotes=(1,) if doc == "a" else (),
                    source_of=(1, 1) if doc == "bron" else None)
            for i, doc in enumerate(["a", "bron", "a", "bron", "c"])]
    index = Index(folder=None, manifest={}, passages=tuple(made),
                  sentence_spans=tuple(((0, 12),) for _ in made), vectors=np.zeros((5, 2)),
                  sentence_vectors=np.zeros((5, 2)), references=(), lexical=None, dense=None)
    assert index.cols.source_rows((1, 1)).tolist() == [1, 3]
    assert index.cols.source_rows((1, 2)).tolist() == []
    assert index.cited_mask.tolist() == [True, False, True, False, False]
    assert lazy.doc_extents(index) == {"a": 29, "bron": 39, "c": 49}
    assert index.cols.marked.tolist() == [[0, 0, 1], [2, 0, 1]]


def test_a_build_without_columns_opens_and_gets_them(built):
    settings, _ = built
    live = current_folder(settings.index)
    expected = list(load_index(settings.index).passages)
    for path in live.iterdir():
        if path.name.startswith(("passage_", "span")) or path.name == "marked.npy":
            path.unlink()
    old = load_index(settings.index)
    assert list(old.passages) == expected and len(old.cols.marked)
    assert add_columns(settings.index) is not None and add_columns(settings.index) is None
    again = load_index(settings.index)
    assert (current_folder(settings.index) / "passage_docs.json").is_file()
    assert list(again.passages) == expected
    assert np.array_equal(np.asarray(again.cols.marked), np.asarray(old.cols.marked))


def _params(features) -> dict:
    n = len(features)
    return {"features": list(features), "mean": [0.0] * n, "scale": [1.0] * n,
            "coef": [1.0] * n, "intercept": 0.0, "depth": 5}


def test_an_index_without_token_vectors_ranks_with_the_variant_and_encodes_nothing(
        built, tmp_path, monkeypatch):
    from bronwijzer.search import rank
    settings, embedder = built
    index = load_index(settings.index)
    assert index.token_offsets is None          # the fake embedder stores no token vectors
    short = [f for f in rank.FEATURES if f not in rank.LATE]
    path = tmp_path / "rank.json"
    rank.save_params({**_params(rank.FEATURES), rank.WITHOUT_TOKENS: _params(short),
                      "embedding_model": {"fingerprint": embedder.fingerprint}}, path)
    ranker = rank.ranker_for(index, embedder, dataclasses.replace(settings, ranker="learned"),
                             path)
    assert ranker.params["features"] == short
    def refuse(*args, **kwargs):
        raise AssertionError("token vectors encoded")
    monkeypatch.setattr(rank, "token_vectors", refuse)
    monkeypatch.setattr(ranker.tokens, "get", refuse)
    order = np.arange(len(index.passages))
    lexical = np.ones(len(order), np.float32)
    vector = embedder.embed_batch([CLAIMS[0]], kind="query")[0]
    assert sorted(ranker.reorder(CLAIMS[0], vector, order, lexical).tolist()) == order.tolist()
    stored = dataclasses.replace(index, token_offsets=np.zeros(len(order) + 1, np.int64))
    full = rank.ranker_for(stored, embedder, dataclasses.replace(settings, ranker="learned"),
                           path)
    assert full.params["features"] == list(rank.FEATURES)
    with pytest.raises(AssertionError, match="encoded"):
        full.reorder(CLAIMS[0], vector, order, lexical)


def test_lazy_sequences_compare_by_their_items(built):
    settings, _ = built
    one, two = load_index(settings.index), load_index(settings.index)
    passages, spans = _records(one)
    assert one.passages == two.passages == passages and list(passages) == one.passages
    assert one.sentence_spans == spans and one.sentence_spans == two.sentence_spans
    assert one.passages != passages[:-1] and one.passages != "text"


def test_a_passages_file_changed_after_the_build_is_refused_at_open(built):
    from bronwijzer.errors import IndexStateError
    settings, _ = built
    path = current_folder(settings.index) / "passages.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[:-40])           # cut: a lazy read would find half a line later
    with pytest.raises(IndexStateError, match="unreadable"):
        load_index(settings.index)


def test_the_sentence_rankers_document_places_parse_no_passage(built, monkeypatch):
    from bronwijzer.answer import sentence_rank
    settings, _ = built
    index = load_index(settings.index)
    made = []
    real = lazy.passage_from_dict
    monkeypatch.setattr(lazy, "passage_from_dict", lambda data: made.append(1) or real(data))
    place = sentence_rank.doc_positions(index)
    assert made == []                     # a parse per passage cost 7 s at 100,000 passages
    assert np.array_equal(place, positions(_records(index)[0]))
