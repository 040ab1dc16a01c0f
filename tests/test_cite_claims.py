"""Unit tests of ``cite.claims``: the claim scored without the source's name, the mix of
the two scores, the quoted run around a footnote mark (fake embedder, made-up records)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bronwijzer.cite.claims import (
    claim_query,
    mixed,
    named_source,
    placed_evidence,
    quoted_spans,
    source_names,
)
from bronwijzer.records import Passage, Reference
from bronwijzer.tune.constants import tuned

REFS = (
    Reference(footnote=1, position=1, authors=("Kennisraad",), year=2024,
              title="Werk in de wijk", publisher=None, raw="Kennisraad (2024) Werk in de wijk."),
    Reference(footnote=2, position=1, authors=("Jansen, P.",), year=2023,
              title="Ruimte voor bedrijven", publisher="Ministerie van Wonen",
              raw="Jansen, P. (2023) Ruimte voor bedrijven. Ministerie van Wonen."),
)

SENTENCES = ("De kennisraad schreef eerder over steden.",
             "Bedrijven worden uit de stad verdrongen [1].",
             "Dat schaadt de werkgelegenheid in wijken.",
             "Een los slot.")
TEXT = " ".join(SENTENCES)


def _spans(sentences):
    spans, start = [], 0
    for s in sentences:
        spans.append((start, start + len(s)))
        start += len(s) + 1
    return tuple(spans)


PASSAGE = Passage(id="p1", doc="a.txt", text=TEXT, paragraph=1, start=0, end=len(TEXT),
                  footnotes=(1,))
SPANS = _spans(SENTENCES)


@dataclass
class _Index:
    passages: tuple
    sentence_spans: tuple

    @property
    def rows(self):
        return {p.id: i for i, p in enumerate(self.passages)}


INDEX = _Index((PASSAGE,), (SPANS,))


def _row(score, position, notes=()):
    start, end = SPANS[position]
    return (score, PASSAGE, start, end, list(notes), position)


def test_one_word_source_names_are_known_but_names_of_several_words_are_not():
    names = source_names(REFS)
    assert "kennisraad" in names
    assert not {"ministerie", "won"} & names  # "Ministerie van Wonen": ordinary words


def test_the_claim_loses_the_source_name_and_keeps_the_rest():
    names = source_names(REFS)
    without = claim_query("Kennisraad verdringing bedrijven uit de stad", names)
    assert without == "verdringing bedrijven uit de stad"
    assert claim_query("Kennisraad", names) == "Kennisraad"  # nothing else: kept whole


def test_a_claim_that_is_only_a_name_goes_to_the_source():
    names = source_names(REFS)
    assert named_source("voorstel Kennisraad", names) == "Kennisraad"
    assert named_source("Kennisraad verdringing bedrijven stad", names) is None
    assert named_source("verdringing van bedrijven", names) is None


def test_without_the_name_the_claim_vector_finds_the_claim_not_the_name(fake_embedder):
    question = "Met welke bronnen onderbouwt de Kennisraad dat bedrijven verdrongen worden?"
    claim = "Kennisraad bedrijven verdrongen worden"
    sentences = ["De Kennisraad schreef eerder over steden.",
                 "Bedrijven worden uit de stad verdrongen [1]."]
    vectors = fake_embedder.embed_batch(sentences)
    whole = fake_embedder.embed_batch([claim], kind="query")[0]
    own = fake_embedder.embed_batch([claim_query(claim, source_names(REFS))], kind="query")[0]
    q_rows = [_row(float(v @ fake_embedder.embed_batch([question])[0]), i)
              for i, v in enumerate(vectors)]
    c_rows = [_row(float(v @ own), i) for i, v in enumerate(vectors)]
    assert float(vectors[0] @ whole) > 0  # the name alone draws the first sentence
    best = mixed(q_rows, c_rows, 1.0)[0]
    assert best[5] == 1


def test_mixed_weighs_the_two_scores_and_fills_a_missing_row_with_the_lowest():
    first = [_row(0.9, 0), _row(0.5, 1), _row(0.4, 2)]
    second = [_row(0.2, 0), _row(0.8, 1)]  # row 2 missing: a bounded lookup
    rows = mixed(first, second, 0.5)
    assert [r[5] for r in rows] == [1, 0, 2]
    assert np.isclose(rows[0][0], 0.65) and np.isclose(rows[2][0], 0.3)
    assert [r[5] for r in mixed(first, second, 0.0)] == [0, 1, 2]


def test_the_quote_runs_from_the_claim_to_its_footnote_mark():
    noted, lead = _row(0.8, 1, [1]), _row(0.9, 2)
    [(_, start, end)] = quoted_spans(INDEX, noted, lead, [lead, noted])
    assert TEXT[start:end] == " ".join(SENTENCES[1:3])


def test_a_marked_claim_is_quoted_with_its_neighbours_as_far_as_the_limit_allows():
    noted = _row(0.9, 1, [1])
    rows = [noted, _row(0.7, 2), _row(0.5, 0), _row(0.1, 3)]
    [(_, start, end)] = quoted_spans(INDEX, noted, noted, rows)
    assert TEXT[start:end] == " ".join(SENTENCES[0:3])
    limit = SPANS[2][1] - SPANS[1][0]  # room for the marked sentence and the next only
    with tuned(claim_quote_chars=limit):
        [(_, start, end)] = quoted_spans(INDEX, noted, noted, rows)
    assert TEXT[start:end] == " ".join(SENTENCES[1:3])


def test_a_claim_sentence_elsewhere_is_quoted_before_the_marked_run():
    other = Passage(id="p0", doc="a.txt", text="Elders staat de bewering.", paragraph=0,
                    start=0, end=25)
    lead = (0.95, other, 0, 25, [], 0)
    noted = _row(0.8, 1, [1])
    spans = quoted_spans(INDEX, noted, lead, [lead, noted])
    assert [s[0].id for s in spans] == ["p0", "p1"]


def test_a_question_that_places_the_citation_before_the_claim_takes_the_mark_before():
    first = Passage(id="p0", doc="a.txt", text="Eerder [7].", paragraph=0, start=0, end=11,
                    footnotes=(7,))
    index = _Index((first, PASSAGE), ((((0, 11),)), SPANS))
    claim = _row(0.9, 2)  # unmarked; the mark [1] sits before it, [7] in the passage before
    rows = [claim, _row(0.8, 1, [1]), (0.5, first, 0, 11, [7], 0), _row(0.4, 3)]
    before = "Right before the text says that jobs suffer, which study is cited?"
    assert placed_evidence(before, index, rows)[4] == [1]
    assert placed_evidence("Vlak voor de zin dat banen lijden: welke bron?", index,
                           rows)[4] == [1]
    assert placed_evidence("Right after the text says that jobs suffer, which study?", index,
                           rows) is None  # no mark after it
    assert placed_evidence("Which study backs the claim that jobs suffer?", index, rows) is None
    rows[1] = _row(0.8, 1)  # no mark in the passage: the one before it
    assert placed_evidence(before, index, rows)[4] == [7]


def test_a_question_that_says_the_claim_has_a_footnote_gets_a_footnoted_sentence():
    from bronwijzer.cite.detect import presumes_footnote
    from bronwijzer.cite.lookup import claim_evidence
    other = Passage(id="p0", doc="a.txt", text="Elders [4].", paragraph=0, start=0, end=11,
                    footnotes=(4,))
    bare, far = _row(0.95, 3), (0.80, other, 0, 11, [4], 0)  # mark far below, elsewhere
    with tuned(claim_min_score=0.5, claim_footnote_margin=0.02):
        assert claim_evidence([bare, far]) == (None, bare)
        assert claim_evidence([bare, far], footnoted=True) == (far, None)
    assert presumes_footnote("Bij de zin waarin staat dat X groeit staat een voetnoot: welke?")
    assert presumes_footnote("The sentence saying X grows has a footnote. Which source?")
    assert not presumes_footnote("Which footnote backs the claim that X grows?")
