"""Every format a policy office has, with its footnotes (issue #13), on generated documents."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import docgen
import pytest
from conftest import ARTICLE, HashEmbedder

from bronwijzer import cli
from bronwijzer.corpus.article import parse_article
from bronwijzer.corpus.loader import load_corpus
from bronwijzer.corpus.ocr import INSTALL, ocr_available
from bronwijzer.corpus.office import read_docx, read_odt
from bronwijzer.corpus.pdf import read_pdf
from bronwijzer.index.build import build_index
from bronwijzer.index.store import load_index
from bronwijzer.settings import load_settings

PDF_NAME = "ruimte-voor-economie-en-werk.pdf"
SENTENCE_19 = "Een rijksgrondfaciliteit voor werklocaties zou ook kansrijk zijn om te verkennen [19]. Dit stelt"


@pytest.fixture(scope="session")
def article_pdf(tmp_path_factory) -> tuple[Path, dict]:
    """The article typeset as a PDF with its notes at the page bottoms (made once)."""
    path = tmp_path_factory.mktemp("pdf") / PDF_NAME
    return path, docgen.article_pdf(ARTICLE.read_text(encoding="utf-8"), path)


@pytest.fixture(scope="session")
def text_article():
    return parse_article(ARTICLE.read_text(encoding="utf-8"))


def _plain(text: str) -> str:
    return " ".join(re.sub(r" \[\d+\]", "", text).split())


# ----------------------------------------------------------------------------- PDF

def test_pdf_article_gives_the_same_footnotes_and_references(article_pdf, text_article):
    doc = read_pdf(article_pdf[0], PDF_NAME)
    _, _, refs = text_article
    fields = lambda r: (r.footnote, r.position, r.authors, r.year, r.title, r.publisher, r.raw)
    assert len({r.footnote for r in doc.references}) == 20 and len(doc.references) == 24
    assert [fields(r) for r in doc.references] == [fields(r) for r in refs]
    assert {r.doc for r in doc.references} == {PDF_NAME}
    assert {n for b in doc.blocks for n in b.footnotes} == set(range(1, 21))


def test_pdf_body_is_the_articles_words(article_pdf, text_article):
    """Markers keep the words around them; no note text, header, page number or hyphen debris."""
    doc = read_pdf(article_pdf[0], PDF_NAME)
    clean, blocks, refs = text_article
    assert SENTENCE_19 in doc.text
    article_words = _plain(" ".join(b.text for b in blocks))
    assert _plain(doc.text) == article_words          # every word, in order, nothing else
    assert docgen.HEADER not in doc.text
    for needle in ("woon-werkbalans", "scale-up-agenda", "woon-werkdeals"):
        assert article_words.count(needle) == _plain(doc.text).count(needle)
    for ref in refs:                                   # note texts stay out of the body
        assert ref.raw not in doc.text
    markers = [m.group() for m in re.finditer(r"\S+ \[\d+\]\S*", doc.text)]
    assert markers == [m.group() for m in re.finditer(r"\S+ \[\d+\]\S*", clean)]


def test_pdf_page_labels_and_paragraphs_across_pages(article_pdf):
    path, info = article_pdf
    doc = read_pdf(path, PDF_NAME)
    assert doc.blocks[0].page_label == "i"              # the cover
    assert all(b.page_label for b in doc.blocks)
    # the printed label of the page where each paragraph begins
    starts = {}
    for page in info["pages"]:
        for _, line in page.lines:
            starts.setdefault(page.label, []).append("".join(t for t, m in line if not m))
    for block in doc.blocks[2:]:
        first = block.page_label.split("–")[0]
        assert _plain(block.text)[:30] in " ".join(starts[first]).replace("- ", "-"), block
    assert len(doc.blocks) == 2 + len(info["paragraphs"])   # no paragraph split at a page end
    assert any("–" in b.page_label for b in doc.blocks)


def test_front_matter_roman_labels(tmp_path):
    path = tmp_path / "verkenning.pdf"
    docgen.front_matter_pdf(path)
    doc = read_pdf(path, "verkenning.pdf")
    labels = [b.page_label for b in doc.blocks]
    assert labels[0] == "i" and "ii" in labels and "iii" in labels
    assert not [b.text for b in doc.blocks if b.text in {"ii", "iii", "1", "2"}]   # printed labels
    body = next(b for b in doc.blocks if b.text.startswith("Deze verkenning"))
    assert body.page_label == "1" and body.footnotes == (1,)
    assert "woningen bijbouwen [1]. De gemeenten" in body.text
    assert "woon-werkbalans" in doc.text and "scale-up-agenda" in doc.text
    ref = doc.references[0]
    assert (ref.authors, ref.year, ref.title) == (("Rli",), 2023, "Samen werken")
    assert ref.url == "https://www.rli.nl/publicaties/2023/advies/samen-werken"


def test_pdf_note_continued_on_the_next_page(tmp_path):
    long_note = ("Koelemaij, J., Rolandus, T. & ten Kate, J. (2025) Sturen op ruimte voor "
                 "werkgelegenheid. Lessen van pioniers. Platform31.")
    body = ("Gemeenten sturen op ruimte voor werk en houden bedrijven in de stad [1]. " * 3,
            "Ook de provincie doet mee met een eigen fonds voor werklocaties [2]. " * 3)
    pages = []
    for number, text in enumerate(body, 1):
        y = docgen.TOP
        page = docgen.Page(label=str(number))
        for line in docgen.wrap(text.strip()):
            page.lines.append((y, line))
            y -= docgen.LEAD
        pages.append(page)
    first, rest = long_note[:60].rsplit(" ", 1)[0], None
    rest = long_note[len(first) + 1:]
    pages[0].notes = [(1, [first])]
    pages[1].notes = [(None, docgen.wrap_note(rest)), (2, [NOTES[2]])]
    path = tmp_path / "vervolg.pdf"
    docgen.draw(path, ["Vervolgnoten", "Een test"], pages)
    doc = read_pdf(path, "vervolg.pdf")
    assert [r.raw for r in doc.references] == [long_note, NOTES[2]]
    assert "Lessen van pioniers" not in doc.text and "werkgelegenheid" not in doc.text


def test_pdf_markers_set_by_text_rise_in_one_text_object(tmp_path):
    """Word-like output: text, a smaller digit raised by ``Ts`` and the rest of the line in
    one text object (pypdf reports neither the advance nor the rise there)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    path = tmp_path / "rise.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    for k in range(1, 4):
        t = c.beginText(70, 760 - 70 * k)
        t.setFont("Helvetica", 10.5)
        t.textOut("Een rijksgrondfaciliteit zou kansrijk zijn om te verkennen")
        t.setFont("Helvetica", 6.5)
        t.setRise(3.5)
        t.textOut(str(k))
        t.setRise(0)
        t.setFont("Helvetica", 10.5)
        t.textOut(f". Dit stelt gemeenten in staat om actief grondbeleid te voeren, deel {k}.")
        c.drawText(t)
    for k in range(1, 4):
        c.setFont("Helvetica", 6.5)
        c.drawString(70, 133 - 10 * k, str(k))
        c.setFont("Helvetica", 8)
        c.drawString(82, 130 - 10 * k, f"Stadszaken (2024) Rijksgrondfaciliteit, deel {k}.")
    c.showPage()
    c.save()
    doc = read_pdf(path, "rise.pdf")
    for k in range(1, 4):
        assert f"om te verkennen [{k}]. Dit stelt gemeenten in staat" in doc.text
    assert [(r.footnote, r.authors, r.year) for r in doc.references] == [
        (k, ("Stadszaken",), 2024) for k in range(1, 4)]
    assert "Stadszaken" not in doc.text


def test_two_column_pdf_is_read_column_by_column(tmp_path):
    """Columns side by side: the plain reader's stream order (their footnotes are lost)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    path = tmp_path / "kolommen.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 10)
    for column, word in ((60, "Linkerkolom"), (320, "Rechterkolom")):
        for k in range(1, 13):
            c.drawString(column, 760 - 14 * k, f"{word} regel {k} over werk en wonen.")
    c.setFont("Helvetica", 6)
    c.drawString(226, 764 - 14, "1")
    c.setFont("Helvetica", 8)
    c.drawString(60, 80, "1 Rli (2023) Samen werken. Raad voor de Leefomgeving en Infrastructuur.")
    c.showPage()
    c.save()
    doc = read_pdf(path, "kolommen.pdf")
    assert doc.text.index("Linkerkolom regel 12") < doc.text.index("Rechterkolom regel 1 ")
    assert "regel 1 over werk en wonen. Linkerkolom regel 2 over" in doc.text   # not interleaved
    assert doc.references == ()


@pytest.mark.skipif(ocr_available() is not None, reason="tesseract-ocr-nld not installed")
def test_scanned_pdf_is_read_by_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    docgen.scanned_pdf(path, ["Bedrijventerreinen in de regio", "verdienen meer aandacht."])
    doc = read_pdf(path, "sources/scan.pdf")
    assert "Bedrijventerreinen" in doc.text and "aandacht" in doc.text


def test_scan_without_ocr_names_the_install_command(tmp_path, monkeypatch):
    from bronwijzer.corpus import ocr
    from bronwijzer.errors import IngestError
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    path = tmp_path / "scan.pdf"
    docgen.scanned_pdf(path, ["Een gescande pagina"])
    with pytest.raises(IngestError, match=re.escape(INSTALL)):
        read_pdf(path, "sources/scan.pdf")


# ----------------------------------------------------------------------------- other formats

PARAS = [["Gemeenten willen ruimte voor werk houden", 1, ". Dat vraagt om keuzes."],
         ["De provincie helpt met een fonds", 2, ", zegt de gedeputeerde."]]
NOTES = {1: "Koelemaij, J. (2023) Ruimte voor economie en werk. Platform31.",
         2: "Rli (2023) Samen werken. Raad voor de Leefomgeving en Infrastructuur. https://www.rli.nl/x"}


def _check_notes(doc, name):
    assert "werk houden [1]. Dat vraagt" in doc.text
    assert "met een fonds [2], zegt" in doc.text
    assert "Platform31" not in doc.text and "Samen werken" not in doc.text
    assert [(r.doc, r.footnote, r.authors, r.year) for r in doc.references] == [
        (name, 1, ("Koelemaij, J.",), 2023), (name, 2, ("Rli",), 2023)]
    assert doc.references[1].url == "https://www.rli.nl/x"
    assert [b.footnotes for b in doc.blocks] == [(1,), (2,)]


def test_docx_footnotes(tmp_path):
    path = tmp_path / "nota.docx"
    docgen.docx_with_footnotes(path, PARAS, NOTES)
    doc = read_docx(path, "nota.docx")
    _check_notes(doc, "nota.docx")
    assert doc.title == "Werklocaties in de stad"


def test_odt_notes(tmp_path):
    path = tmp_path / "nota.odt"
    docgen.odt_with_notes(path, PARAS, NOTES)
    _check_notes(read_odt(path, "nota.odt"), "nota.odt")


def _corpus_doc(home, name, data):
    target = home / "corpus" / name
    target.write_bytes(data) if isinstance(data, bytes) else target.write_text(data, encoding="utf-8")
    documents, problems = load_corpus(home / "corpus")
    return {d.name: d for d in documents}, {p.name: p for p in problems}


def test_markdown_footnotes(isolated_home):
    text = ("# Werk in de stad\n\nGemeenten willen ruimte voor werk houden[^a]. Dat vraagt om keuzes.\n\n"
            "De provincie helpt met een fonds[^rli], zegt de gedeputeerde.\n\n"
            f"[^a]: {NOTES[1]}\n[^rli]: Rli (2023) Samen werken. Raad voor de Leefomgeving\n"
            "    en Infrastructuur. https://www.rli.nl/x\n")
    docs, problems = _corpus_doc(isolated_home, "nota.md", text)
    doc = docs["nota.md"]
    assert doc.blocks[0].text == "Werk in de stad"
    assert "werk houden [1]. Dat vraagt" in doc.text and "fonds [2], zegt" in doc.text
    assert "[^" not in doc.text and "Platform31" not in doc.text
    assert [(r.footnote, r.authors, r.publisher) for r in doc.references] == [
        (1, ("Koelemaij, J.",), "Platform31"), (2, ("Rli",), "Raad voor de Leefomgeving en Infrastructuur")]
    assert doc.references[1].url == "https://www.rli.nl/x" and not problems


def test_html_notes_list(isolated_home):
    body = " ".join(["Gemeenten zoeken ruimte voor werk in de stad en voor bedrijven in de wijken."] * 3)
    html = (f"<html><head><title>Werk in de stad</title></head><body><article><h1>Werk in de stad</h1>"
            f"<p>{body} Gemeenten willen ruimte voor werk houden<sup><a href='#fn1'>1</a></sup>. "
            "Dat vraagt om keuzes.</p><p>De provincie helpt met een fonds<sup><a href='#fn2'>2</a>"
            f"</sup>, zegt de gedeputeerde. {body}</p></article><section class='footnotes'><ol>"
            f"<li id='fn1'>{NOTES[1]} <a href='#r1'>↩</a></li><li id='fn2'>Rli (2023) Samen werken. "
            "Raad voor de Leefomgeving en Infrastructuur. <a href='https://www.rli.nl/x'>"
            "https://www.rli.nl/x</a></li></ol></section></body></html>")
    docs, problems = _corpus_doc(isolated_home, "nota.html", html)
    doc = docs["nota.html"]
    assert "werk houden [1]. Dat vraagt" in doc.text and "fonds [2], zegt" in doc.text
    assert "Platform31" not in doc.text and "↩" not in doc.text
    assert [(r.footnote, r.authors) for r in doc.references] == [(1, ("Koelemaij, J.",)), (2, ("Rli",))]
    assert doc.references[1].url == "https://www.rli.nl/x"


TEXT = "Het kabinet trekt € 2,5 miljard uit voor ‘woon-werkdeals’ in de regio. Café en reünie.\n"


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8-sig", "utf-8"])
def test_text_encodings(isolated_home, encoding):
    docs, problems = _corpus_doc(isolated_home, f"sources/nota-{encoding}.txt", TEXT.encode(encoding))
    assert docs[f"sources/nota-{encoding}.txt"].text.strip() == TEXT.strip()
    assert not problems


def test_unsupported_types_and_library_warnings_are_reported(isolated_home, article_pdf, capsys):
    sources = isolated_home / "corpus" / "sources"
    (sources / "begroting.xlsx").write_bytes(b"PK\x03\x04 not really")
    (sources / "foto.jpg").write_bytes(b"\xff\xd8\xff")
    data = article_pdf[0].read_bytes()
    (sources / "afgebroken.pdf").write_bytes(data[:data.rindex(b"%%EOF")])   # no EOF marker
    (sources / "kop.pdf").write_bytes(b"xx" + data)                          # a bad header
    docs, problems = load_corpus(isolated_home / "corpus")
    problems, docs = {p.name: p for p in problems}, {d.name for d in docs}
    assert problems["sources/begroting.xlsx"].reason == "unsupported type (.xlsx)"
    assert problems["sources/foto.jpg"].reason == "unsupported type (.jpg)"
    broken = problems["sources/afgebroken.pdf"]
    assert not broken.indexed and "EOF marker not found" in broken.reason
    warning = problems["sources/kop.pdf"]
    assert warning.indexed and "invalid pdf header" in warning.reason
    assert "sources/kop.pdf" in docs
    assert "EOF marker" not in capsys.readouterr().err


# ----------------------------------------------------------------------------- numbering per document

@pytest.fixture
def two_articles(article_home, article_pdf, monkeypatch):
    shutil.copy(article_pdf[0], article_home / "corpus" / PDF_NAME)
    (article_home / "corpus" / "sources" / "notitie.txt").write_text(
        "Een notitie over bedrijventerreinen die naar bijlage [2] en [19] verwijst.\n", encoding="utf-8")
    from bronwijzer.engine import Engine
    monkeypatch.setattr(Engine, "load_embedder", staticmethod(lambda settings: HashEmbedder()))
    build_index(load_settings(), HashEmbedder())
    return article_home


def test_two_documents_keep_their_numberings_apart(two_articles, capsys):
    index = load_index(load_settings().index)
    docs = {r.doc for r in index.references}
    assert docs == {ARTICLE.name, PDF_NAME} and len(index.references) == 48
    note = next(p for p in index.passages if p.doc == "sources/notitie.txt")
    assert note.footnotes == ()                       # bracketed numbers there are plain text
    assert cli.main(["cite", "19"]) == 1
    err = capsys.readouterr().err
    assert "--doc" in err and ARTICLE.name in err and PDF_NAME in err
    assert cli.main(["cite", "19", "--doc", PDF_NAME, "--json"]) == 0
    import json
    result = json.loads(capsys.readouterr().out)
    assert result["doc"] == PDF_NAME and {c["doc"] for c in result["citing"]} == {PDF_NAME}
    assert any(c["sentence"].endswith("om te verkennen [19].") for c in result["citing"])
    assert all(re.fullmatch(r"p\. \d+(–\d+)?", c["location"]) for c in result["citing"])
    assert {r["doc"] for r in result["references"]} == {PDF_NAME}
    assert cli.main(["cite", "2", "--doc", "ruimte-voor-economie-en-werk.txt", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {c["doc"] for c in result["citing"]} == {ARTICLE.name}
    assert cli.main(["refs", "--doc", PDF_NAME, "--json"]) == 0
    refs = json.loads(capsys.readouterr().out)
    assert len(refs) == 24 and {r["doc"] for r in refs} == {PDF_NAME}
    assert cli.main(["ask", "Naar welke publicatie verwijst voetnoot 19?", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["kind"] == "cite-footnote" and answer["citations"]
    docs = {c["doc"] for c in answer["citations"]}
    assert len(docs) == 1 and docs <= {ARTICLE.name, PDF_NAME}   # one document's footnote 19
    assert all(r["doc"] in docs for s in answer["sources"] for r in s["references"])
    assert all(s["doc"] in docs for s in answer["sources"])


# ----------------------------------------------------------------------------- answers (real model)

@pytest.fixture(scope="module")
def pdf_engine(tmp_path_factory, article_pdf):
    """The real model over the PDF rendering of the article alone (built once)."""
    from conftest import MODEL_CACHE

    from bronwijzer.engine import Engine
    from bronwijzer.settings import Settings
    home = tmp_path_factory.mktemp("pdfhome")
    (home / "corpus" / "sources").mkdir(parents=True)
    shutil.copy(article_pdf[0], home / "corpus" / PDF_NAME)
    return Engine.open(Settings(home=home, cache_dir=MODEL_CACHE))


@pytest.mark.e2e
def test_answers_from_the_pdf_quote_it_verbatim_and_cite_page_labels(pdf_engine, text_article):
    import json

    from bronwijzer.present.dicts import answer_to_dict
    clean, blocks, refs = text_article
    words = _plain(" ".join(b.text for b in blocks))
    labels = {b.page_label for b in read_pdf(next((pdf_engine.settings.corpus).glob("*.pdf")),
                                                  PDF_NAME).blocks}
    questions = [json.loads(line)["question"] for line in
                 (Path(__file__).parents[1] / "eval" / "dev.jsonl").read_text().splitlines()]
    quoted = 0
    for answer in pdf_engine.ask_many(questions):
        data = answer_to_dict(answer, pdf_engine.references())
        for source in data["sources"]:
            quote = _plain(source["quote"])
            assert quote in words, quote                       # the article's own words
            assert docgen.HEADER not in source["text"]
            assert not any(r.raw in source["text"] for r in refs)   # no footnote text
            assert source["location"].removeprefix("p. ") in labels
            quoted += 1
        for citation in data["citations"]:
            assert citation["doc"] == PDF_NAME
    assert quoted >= 20
    result = pdf_engine.cite_footnote(19)
    assert [c["location"] for c in result["citing"]] == ["p. 5"]
    assert result["references"][0]["short"] == "Stadszaken (2024)"
