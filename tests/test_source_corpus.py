"""A cited source's PDF in the corpus: indexed, linked to its reference, cited with its page."""

from __future__ import annotations

from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from test_sources import PAGES, _draw_pages

from bronwijzer.engine import Engine
from bronwijzer.index.build import build_index
from bronwijzer.index.store import load_index
from bronwijzer.present.dicts import answer_to_dict, label
from bronwijzer.settings import Settings, load_settings


def _report(path):
    raw = path.with_suffix(".raw.pdf")
    _draw_pages(raw, PAGES)
    writer = PdfWriter(clone_from=PdfReader(raw))
    writer.set_page_label(0, len(PAGES) - 1, style=PageLabelStyle.DECIMAL, start=11)
    writer.write(path)
    raw.unlink()


def test_source_pdf_is_linked_indexed_and_cited_with_its_page(article_home, fake_embedder):
    _report(article_home / "corpus" / "sources" / "samen-werken.pdf")
    settings = load_settings()
    report = build_index(settings, fake_embedder)
    assert report.documents == 2 and not [p for p in report.problems if not p.indexed]
    engine = Engine(Settings(home=settings.home, abstain_below=0.0), fake_embedder,
                    load_index(settings.index))
    pdf_passages = [p for p in engine.passages() if p.doc == "sources/samen-werken.pdf"]
    assert pdf_passages and all(p.source_of == (18, 1) for p in pdf_passages)
    funds = next(p for p in pdf_passages if "revolverende fondsen" in p.text)
    assert funds.page == 2 and label(funds, engine.references()) == "Rli (2023), p. 12"

    answer = engine.ask("revolverende fondsen herontwikkelingsmaatschappijen Utrecht Overijssel")
    data = answer_to_dict(answer, engine.references())
    pdf_sources = [s for s in data["sources"] if s["doc"] == "sources/samen-werken.pdf"]
    assert pdf_sources and pdf_sources[0]["label"].startswith("Rli (2023), p. ")
    assert pdf_sources[0]["references"][0]["footnote"] == 18

    result = engine.cite_footnote(18)
    passages = result["references"][0]["source_passages"]
    assert passages and all(p["doc"] == "sources/samen-werken.pdf" for p in passages)
