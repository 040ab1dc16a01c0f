"""Tests for the citation lookup core (cite.py) on the real article."""

from __future__ import annotations

from pathlib import Path

import pytest

from bronwijzer.cite.detect import detect_citation_question
from bronwijzer.cite.references import (
    CitingSentence,
    citing_sentences,
    find_references,
    footnote_refs,
)
from bronwijzer.corpus.article import parse_article
from bronwijzer.errors import CiteError
from bronwijzer.records import Passage

ARTICLE = Path(__file__).resolve().parents[1] / "corpus" / "ruimte-voor-economie-en-werk.txt"
DOC = "ruimte-voor-economie-en-werk.txt"


@pytest.fixture(scope="module")
def parsed():
    return parse_article(ARTICLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def refs(parsed):
    return parsed[2]


@pytest.fixture(scope="module")
def passages(parsed):
    _, blocks, _ = parsed
    return [Passage(id=f"{DOC}#{b.number}", doc=DOC, text=b.text, paragraph=b.number,
                    start=b.start, end=b.end, footnotes=b.footnotes) for b in blocks]


def test_citing_sentences_single(passages):
    found = citing_sentences(passages, 12)
    assert len(found) == 1
    cs = found[0]
    assert isinstance(cs, CitingSentence)
    assert cs.footnote == 12 and cs.doc == DOC
    assert cs.sentence.startswith("In de strijd om de schaarse ruimte zijn economische activiteiten")
    assert cs.sentence.endswith("staan [12].")
    para = [p for p in passages if 12 in p.footnotes][0]
    assert cs.location == f"¶{para.paragraph}" and cs.passage_id == para.id


def test_citing_sentences_split_paragraph_and_mid_sentence(passages):
    first = citing_sentences(passages, 1)[0].sentence
    assert first.startswith("Juist in deze tijden") and "[1] is er behoefte" in first
    mid = citing_sentences(passages, 14)[0].sentence
    assert mid.endswith("[14], maar lopen in de uitvoering vaak vast.")
    claim = citing_sentences(passages, 18)[0].sentence
    assert "georganiseerde samenwerking op bedrijventerreinen [18]." in claim


def test_citing_sentences_every_footnote_once(passages):
    for n in range(1, 21):
        found = citing_sentences(passages, n)
        assert len(found) == 1, n
        assert f"[{n}]" in found[0].sentence


def test_citing_sentences_skips_sources_and_duplicates(passages):
    para = [p for p in passages if 5 in p.footnotes][0]
    source = Passage(id="src#1", doc="sources/x.txt", text="Zie ook [5].", paragraph=1,
                     start=0, end=12, source_of=(5, 1))
    found = citing_sentences([para, para, source], 5)
    assert len(found) == 1 and found[0].doc == DOC
    assert citing_sentences(passages, 99) == []


def test_footnote_refs(refs):
    assert [r.position for r in footnote_refs(2, refs)] == [1, 2, 3]
    assert footnote_refs(18, refs)[0].authors == ("Rli",)
    with pytest.raises(CiteError, match="21"):
        footnote_refs(21, refs)
    with pytest.raises(CiteError):
        footnote_refs(0, refs)


def _fns(results):
    return [r.footnote for r, _ in results]


def test_find_references_organisation(refs):
    assert _fns(find_references("rli", refs)) == [18]
    assert _fns(find_references("Rli (2023)", refs)) == [18]
    assert _fns(find_references("WRR", refs)) == [4]
    assert _fns(find_references("european commission", refs)) == [5]
    assert _fns(find_references("DNB", refs)) == [1]  # acronym of De Nederlandsche Bank


def test_find_references_person(refs):
    assert set(_fns(find_references("koelemaij", refs))) >= {12, 13, 14}
    assert set(_fns(find_references("Koelemaij", refs))) <= {6, 12, 13, 14}


def test_find_references_year_ranks_first(refs):
    results = find_references("Koelemaij 2025", refs)
    assert {r.footnote for r, _ in results[:2]} == {13, 14}
    assert all(r.year == 2025 for r, _ in results[:2])
    assert results[0][1] > results[2][1]
    assert _fns(find_references("Koelemaij z.j.", refs))[0] == 6


def test_find_references_title_accents_typos(refs):
    assert _fns(find_references("competitiveness", refs)) == [5]
    assert set(_fns(find_references("koelemay", refs))) >= {12, 13, 14}
    assert _fns(find_references("Stelinga", refs)) == [2]
    assert _fns(find_references("comite voor ondernemerschap", refs)) == [8]
    assert _fns(find_references("NEDERLANDSCHE BANK", refs))[0] == 1


def test_find_references_no_match(refs):
    assert find_references("zzzqqq", refs) == []
    assert find_references("", refs) == []
    assert find_references("the report", refs) == []


def test_find_references_scores_sorted(refs):
    scores = [s for _, s in find_references("Platform31 2025", refs)]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


@pytest.mark.parametrize("question,footnote", [
    ("What does footnote 12 refer to?", 12),
    ("Naar welke publicatie verwijst voetnoot 12?", 12),
    ("Which sources are listed in voetnoot 1, and which statement do they support?", 1),
    ("Wat staat er in noot 7?", 7),
    ("Explain footnote [3] please", 3),
])
def test_detect_footnote(question, footnote):
    assert detect_citation_question(question) == {"kind": "footnote", "footnote": footnote}


@pytest.mark.parametrize("question,query", [
    ("Where in the article is the Rli (2023) report cited, and which claim does it support?",
     "Rli (2023)"),
    ("Waar wordt het Rli-rapport aangehaald?", "Rli"),
    ("Where is Koelemaij (2025) cited?", "Koelemaij (2025)"),
    ("Waar in het artikel wordt Koelemaij (2023) genoemd?", "Koelemaij (2023)"),
    ("Where does the article cite the WRR?", "WRR"),
    ("Which claim does the Rli report support?", "Rli"),
    ("Welke bewering onderbouwt het WRR-rapport?", "WRR"),
    ("Where is the report by Stellinga cited?", "Stellinga"),
])
def test_detect_source(question, query):
    assert detect_citation_question(question) == {"kind": "source", "query": query}


@pytest.mark.parametrize("question,query", [
    ("Which source backs the claim that the Netherlands is locked?",
     "the Netherlands is locked"),
    ("Welke bron onderbouwt de signalering dat in het mkb werkgelegenheid verschuift van "
     "hoog- naar laagproductieve activiteiten?",
     "in het mkb werkgelegenheid verschuift van hoog- naar laagproductieve activiteiten"),
    ("Which publication is referenced for the European competitiveness compass?",
     "European competitiveness compass"),
    ("Op welke bron baseert het artikel de stelling dat werkruimte minder oplevert?",
     "werkruimte minder oplevert"),
    ("Welke bron wordt aangehaald voor de rijksgrondfaciliteit?", "rijksgrondfaciliteit"),
])
def test_detect_claim(question, query):
    assert detect_citation_question(question) == {"kind": "claim", "query": query}


@pytest.mark.parametrize("question", [
    "Hoeveel geld is in de miljoenennota voor 2026 aangekondigd voor halfgeleiderprojecten?",
    "Welke twee regelingen noemt het artikel voor de opschaling van klimaattechnologieën?",
    "How large is the budget for the WBSO-regeling in 2026?",
    "Which minister sent a letter to parliament about industrial policy in 2022?",
    "Waar wordt het mkb genoemd?",
    "Where in the article is economic growth discussed?",
    "Welke aanbevelingen doet het artikel voor het mkb?",
    "What does the article note about 5G?",
    "What is the capital of France?",
    "",
])
def test_detect_ordinary(question):
    assert detect_citation_question(question) is None
