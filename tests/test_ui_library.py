"""The UI at library size (issue 22): 1,000 documents and 10,000 references paged and
filtered on the server, and the article map of a chosen document (synthetic index records
from ``librarygen``: nothing embedded; timings are not asserted)."""

from __future__ import annotations

import re

import pytest

from bronwijzer.present.catalogue import Catalogue, DocumentFilter, ReferenceFilter, cut
from librarygen import FAILED, library_index

DOCS, REFS = 1000, 10_000


@pytest.fixture(scope="module")
def index():
    return library_index(DOCS, REFS)


@pytest.fixture(scope="module")
def catalogue(index):
    return Catalogue(index.passages, index.references, index.manifest)


@pytest.fixture(scope="module")
def engine(index):
    from bronwijzer.engine import Engine
    from bronwijzer.settings import Settings
    from conftest import HashEmbedder
    return Engine(Settings(), HashEmbedder(), index)


@pytest.fixture(scope="module")
def actions(engine):
    from bronwijzer.ui.actions import Actions
    from bronwijzer.ui.startup import EngineHolder
    holder = EngineHolder(lambda: engine)
    holder.get(timeout=60)
    return Actions(holder)


# --- the catalogue --------------------------------------------------------------------------

@pytest.mark.parametrize("page, expected", [(1, 1), (0, 1), (-3, 1), (7, 7), (999, 21),
                                            ("x", 1), (None, 1), ("3", 3)])
def test_cut_clamps_the_page(page, expected):
    rows, got, pages = cut(list(range(1010)), page, 50)
    assert (got, pages) == (expected, 21)
    assert rows == list(range((expected - 1) * 50, min(expected * 50, 1010)))


def test_documents_come_a_page_at_a_time(catalogue):
    first = catalogue.documents(1, 50)
    assert (first.total, first.matched, first.pages, len(first.rows)) == (DOCS + FAILED,
                                                                           DOCS + FAILED, 21, 50)
    last = catalogue.documents(21, 50)
    assert len(last.rows) == 10 and last.first == 1001
    names = [r["name"] for p in range(1, 22) for r in catalogue.documents(p, 50).rows]
    assert len(names) == len(set(names)) == DOCS + FAILED  # every one once, none twice


def test_documents_filter_by_words_type_and_kind(catalogue):
    page = catalogue.documents(1, 50, DocumentFilter(query="ARTIKEL energie"))
    assert page.matched == 25 and all("energie" in r["name"] for r in page.rows)
    pdfs = catalogue.documents(1, 50, DocumentFilter(kind=".PDF"))
    assert pdfs.matched == (DOCS // 5) + FAILED and {r["kind"] for r in pdfs.rows} == {"pdf"}
    counts = {show: catalogue.documents(1, 50, DocumentFilter(show=show)).matched
              for show in ("articles", "sources", "footnotes", "failed")}
    assert counts == {"articles": 200, "sources": 800 + FAILED, "footnotes": 200,
                      "failed": FAILED}
    failed = catalogue.documents(1, 50, DocumentFilter(show="failed")).rows
    assert {r["status"] for r in failed} == {"failed"} and failed[0]["note"] == "no text found"
    none = catalogue.documents(5, 50, DocumentFilter(query="qqq"))
    assert (none.matched, none.page, none.pages, none.rows, none.first) == (0, 1, 1, (), 0)


def test_references_filter_by_text_year_document_and_footnote(catalogue, index):
    assert catalogue.references(1, 50).total == REFS
    assert catalogue.references(201, 50).rows[-1]["footnote"] == 50  # the last page
    doc = index.references[0].doc
    own = catalogue.references(1, 50, ReferenceFilter(doc=doc))
    assert own.matched == REFS // 200 and {r["doc"] for r in own.rows} == {doc}
    note = catalogue.references(1, 50, ReferenceFilter(footnote=7))
    assert note.matched == 200 and {r["footnote"] for r in note.rows} == {7}
    years = catalogue.references(1, 50, ReferenceFilter(year="2001 - 2003"))
    expected = sum(1 for r in index.references if r.year and 2001 <= r.year <= 2003)
    assert years.matched == expected and all(2001 <= int(re.search(r"\d{4}", r["short"])[0]) <= 2003
                                             for r in years.rows)
    words = catalogue.references(1, 50, ReferenceFilter(query="bakker planbureau"))
    assert words.matched == sum(1 for r in index.references
                                if "Bakker" in r.authors[0] and "Planbureau" in (r.publisher or ""))
    assert words.matched and all(len(p.rows) <= 50 for p in (own, note, years, words))


def test_a_reference_row_says_where_its_own_document_cites_it(catalogue, index):
    ref = index.references[12]  # footnote 13 of the first article: its third passage
    row = catalogue.references(1, 50, ReferenceFilter(doc=ref.doc, footnote=13)).rows[0]
    assert row["passage_ids"] == [f"{ref.doc}#3"] and row["times"] == 1
    assert row["cited_at"] == ["p. 3"] and row["kind"] in {"government", "advisory", "press",
                                                           "own", "other"}


def test_the_map_draws_one_chosen_document(catalogue):
    mapped = catalogue.mapped_documents()
    assert len(mapped) == 200 and not any(d.startswith("sources/") for d in mapped)
    outline = catalogue.outline(mapped[3])
    assert outline["doc"] == mapped[3] and len(outline["blocks"]) == 10
    assert "[1]" in outline["blocks"][0]["text"]
    assert catalogue.outline("sources/bron-0001.pdf") is None
    assert catalogue.document_of(["nergens", "sources/bron-0001.pdf#1", f"{mapped[9]}#2"]) == mapped[9]


# --- through the engine and the UI's handlers -----------------------------------------------

def test_engine_pages_match_the_catalogue(engine, catalogue):
    assert engine.document_page(3, 20).rows == catalogue.documents(3, 20).rows
    assert engine.reference_page(9, 50).rows == catalogue.references(9, 50).rows
    assert engine.document_kinds() == ["docx", "html", "md", "pdf", "txt"]
    assert engine.mapped_documents() == catalogue.mapped_documents()


def test_corpus_tab_renders_one_page(actions):
    from bronwijzer.ui.library import DOC_PAGE, step
    html, page = actions.corpus_page()
    assert page == 1 and html.count("<tr>") - 1 == DOC_PAGE  # the header row, then one page
    assert "Documents 1–50 of 1010 · page 1 of 21" in html
    html, page = step(actions.corpus_page, 1)("", "", "", 20, "nl")
    assert page == 21 and html.count("<tr>") - 1 == FAILED and "pagina 21 van 21" in html
    assert "mislukt" in html  # the failed files, in Dutch
    html, page = actions.corpus_page("energie", "pdf", "articles", 1)
    assert page == 1 and "(filtered from 1010)" in html and html.count("<tr>") - 1 == 5
    html, _ = actions.corpus_page("qqq")
    assert "<table" not in html and "No document matches" in html


def test_reference_table_sends_one_page(actions):
    from bronwijzer.ui.library import REF_PAGE, step
    table, line, page = actions.reference_page()
    assert page == 1 and len(table) == REF_PAGE and "References 1–50 of 10000" in line
    assert all(len(row) == 8 for row in table)
    table, line, page = step(actions.reference_page, -1)("", "", "", None, 1, "en")
    assert page == 1  # no page before the first
    table, line, page = actions.reference_page("", "2010", "", "7", 1)
    assert {row[0] for row in table} == {7} and 0 < len(table) <= REF_PAGE
    assert "(filtered from 10000)" in line
    table, line, _ = actions.reference_page("", "", "", "not a number", 999)
    assert len(table) == REF_PAGE and "page 200 of 200" in line  # an unusable footnote is ignored


def test_page_load_fills_one_page_and_the_first_documents_map(actions, engine):
    table, line, page, doc_filter, footnotes, docs, amap, choice = actions.lookup_overview()
    assert len(table) == 50 and page == 1 and "<svg" in amap
    first = engine.mapped_documents()[0]
    assert choice.value == first and len(choice.choices) == 200
    assert amap.count("<svg") == 1 and first[:40] in amap
    assert len(doc_filter.choices) == 201  # every document with footnotes, and "all"


def test_an_answer_lights_its_own_documents_map(actions, engine):
    doc = engine.mapped_documents()[42]
    data = {"sources": [{"id": f"{doc}#2"}]}
    amap = actions.answer_map(data)
    assert doc[:40] in amap and amap.count("bw-map-hit") == 1
    assert actions.answer_map_choice(data).value == doc
    other = engine.mapped_documents()[5]
    chosen = actions.answer_map(data, other)  # the reader picks another document
    assert other[:40] in chosen and "bw-map-hit" not in chosen
    view = {"ids": [f"{doc}#4", f"{doc}#5"], "what": "citing footnote 20"}
    assert actions.map_view(view).count("bw-map-hit") == 2
    assert actions.map_view(view, other).count("bw-map-hit") == 0


def test_app_builds_over_a_library(engine):
    from bronwijzer.ui.app import create_app
    demo = create_app(lambda: engine)
    names = {fn.api_name for fn in demo.fns.values()}
    assert {"corpus", "references", "footnote", "lookup"} <= names
    relabel = [fn for fn in demo.fns.values()
               if getattr(fn.fn, "__name__", "") == "library_words"]
    words = demo.bronwijzer_actions.library_words("nl")
    assert len(relabel) == 1 and len(relabel[0].outputs) == len(words) == 16
    assert words[0].label == "Filter op titel of bestandsnaam" and words[3].value == "‹ Vorige"
    demo.close()
