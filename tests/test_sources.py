"""Reading cited sources: PDFs (pages, labels, hyphens, running heads), HTML, errors, linking."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bronwijzer.corpus.html import read_html
from bronwijzer.corpus.link import link_source
from bronwijzer.corpus.pdf import read_pdf
from bronwijzer.errors import IngestError
from bronwijzer.records import Reference

HEADER = "Raad voor de leefomgeving en infrastructuur | Samen werken"
# Each page: paragraphs, each a list of lines as drawn (line breaks exactly here).
PAGES = [
    [["Samen werken"],
     ["Naar toekomstbestendige bedrijventerreinen door georganiseerde samenwerking"],
     ["Raad voor de leefomgeving en infrastructuur, oktober 2023"],
     ["Bedrijventerreinen zijn belangrijk voor de economie en de werkgelegenheid in Nederland. De",
      "verduurzaming van die terreinen blijft achter, terwijl de vraag naar ruimte groeit. Vooral de",
      "combinatie van bedrijfs-",
      "en woonruimte op dezelfde plek vraagt om keuzes van gemeenten, provincies en ondernemers in",
      "Noord-",
      "Holland en elders."],
     ["Ondernemers op een terrein kunnen samen veel bereiken, maar de verduurza-",
      "ming komt zelden vanzelf op gang. Een parkmanager helpt daarbij, net als gerichte mkb-",
      "ondersteuning door de provincie en de regionale ontwikkelingsmaatschappij in de buurt."]],
    [["Tweede alinea over financiering: herontwikkelingsmaatschappijen in Utrecht en Overijssel laten",
      "zien dat revolverende fondsen werken. Zij kopen verouderde panden op, knappen ze op en verkopen",
      "ze weer, zodat het geld opnieuw kan worden ingezet voor de volgende herstructu-",
      "rering van een verouderd terrein."],
     ["Derde alinea over regie: het Rijk moet samen met de provincies de uitvoering ondersteunen en",
      "zorgen voor voldoende schuifruimte, zodat bedrijven tijdelijk kunnen uitwijken tijdens werk-",
      "zaamheden. Ook de financiering van die schuifruimte vraagt om aandacht en om langdurige inzet,",
      "want een terrein vernieuwen duurt jaren en vraagt geduld van ondernemers, gemeente en provin-"]],
    [["cie.", "Vierde alinea over wetgeving: georganiseerde samenwerking op bedrijventerreinen zou op termijn",
      "verplicht kunnen worden, naar het voorbeeld van bedrijveninvesteringszones in binnensteden."]],
]


def _draw_pages(path: Path, pages, header: bool = True) -> None:
    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    for number, paragraphs in enumerate(pages, 1):
        if header:
            c.setFont("Helvetica", 8)
            c.drawString(56, height - 36, HEADER)
            c.drawRightString(width - 56, 28, f"Pagina {number + 10}")
        y = height - 90
        for i, lines in enumerate(paragraphs):
            c.setFont("Helvetica-Bold" if number == 1 and i == 0 else "Helvetica",
                      16 if number == 1 and i == 0 else 10)
            for line in lines:
                c.drawString(56, y, line)
                y -= 14
            y -= 8                                    # paragraph spacing
        c.showPage()
    c.save()


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pdfs")
    raw = d / "raw.pdf"
    _draw_pages(raw, PAGES)
    writer = PdfWriter(clone_from=PdfReader(raw))
    writer.set_page_label(0, len(PAGES) - 1, style=PageLabelStyle.DECIMAL, start=11)
    paths = {"report": d / "report.pdf"}
    writer.write(paths["report"])
    for key, user in (("locked", "geheim"), ("owner_only", "")):
        locked = PdfWriter(clone_from=PdfReader(paths["report"]))
        locked.encrypt(user_password=user, owner_password="eigenaar", algorithm="AES-128")
        paths[key] = d / f"{key}.pdf"
        locked.write(paths[key])
    paths["corrupt"] = d / "corrupt.pdf"
    paths["corrupt"].write_bytes(random.Random(7).randbytes(4096))
    paths["empty"] = d / "empty.pdf"
    paths["empty"].write_bytes(b"")
    paths["no_pages"] = d / "no_pages.pdf"
    PdfWriter().write(paths["no_pages"])
    paths["image"] = d / "image.pdf"
    c = canvas.Canvas(str(paths["image"]), pagesize=A4)
    c.rect(100, 100, 300, 400, fill=1)
    c.showPage()
    c.save()
    return paths


@pytest.fixture(scope="module")
def report(pdfs):
    return read_pdf(pdfs["report"], "sources/samen-werken.pdf")


def _block_with(doc, text):
    return next(b for b in doc.blocks if text in b.text)


def test_pdf_blocks_index_clean_text(report, pdfs):
    assert report.name == "sources/samen-werken.pdf"
    assert report.sha256 == hashlib.sha256(pdfs["report"].read_bytes()).hexdigest()
    assert report.title == "Samen werken"
    assert [b.number for b in report.blocks] == list(range(1, len(report.blocks) + 1))
    for block in report.blocks:
        assert report.text[block.start:block.end] == block.text


def test_pdf_pages_and_labels(report):
    assert {(b.page, b.page_label) for b in report.blocks} == {
        (1, "11"), (2, "12"), (2, "12–13"), (3, "13")}   # a paragraph across a page break
    assert _block_with(report, "Noord-Holland").page == 1
    assert _block_with(report, "Tweede alinea").page_label == "12"
    assert _block_with(report, "Vierde alinea").page == 3


def test_pdf_hyphenation(report):
    text = report.text
    assert "de verduurzaming van die terreinen" in text.lower()
    assert "verduurzaming komt zelden" in text
    assert "verduurza" + "-" not in text
    assert "bedrijfs- en woonruimte" in text
    assert "Noord-Holland en elders" in text
    assert "gerichte mkb-ondersteuning" in text
    assert "volgende herstructurering van een" in text          # word seen nowhere else
    assert "tijdens werkzaamheden. Ook" in text
    assert _block_with(report, "gemeente en provincie.").page == 2   # hyphen across a page break


def test_pdf_running_header_and_footer_removed(report):
    assert "Pagina" not in report.text
    assert HEADER not in report.text
    assert "|" not in report.text
    assert report.text.count("Raad voor de leefomgeving en infrastructuur") == 1  # the title page line


def test_pdf_paragraphs(report):
    starts = [b.text.split()[0] for b in report.blocks]
    assert starts == ["Samen", "Naar", "Raad", "Bedrijventerreinen", "Ondernemers",
                      "Tweede", "Derde", "Vierde"]
    assert _block_with(report, "Vierde alinea").text.startswith("Vierde alinea")


def test_pdf_owner_password_only_opens(pdfs):
    doc = read_pdf(pdfs["owner_only"], "sources/owner.pdf")
    assert "Noord-Holland" in doc.text


@pytest.mark.parametrize("key, reason", [
    ("locked", "encrypted"),
    ("corrupt", "corrupt or unreadable PDF: "),
    ("empty", "empty file"),
    ("no_pages", "empty file"),
    ("image", "no extractable text (scanned/image-only PDF?)"),
])
def test_pdf_errors(pdfs, key, reason):
    with pytest.raises(IngestError) as info:
        read_pdf(pdfs[key], f"sources/{key}.pdf")
    assert info.value.reason.startswith(reason)
    assert str(info.value).startswith(f"sources/{key}.pdf: ")


ARTICLE = """<!doctype html><html lang="nl"><head><meta charset="utf-8">
<title>Rli brengt advies uit over verduurzaming bedrijventerreinen | Rli</title></head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/adviezen">Adviezen</a></li>
<li><a href="/nieuws">Nieuwsoverzicht</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>
<div class="cookie">Wij gebruiken cookies om deze website te verbeteren. Accepteer alle cookies.</div>
<main><article><h1>Rli brengt advies uit over verduurzaming bedrijventerreinen</h1>
<p>De Raad voor de leefomgeving en infrastructuur adviseert het kabinet om de samenwerking op
bedrijventerreinen te versterken. Ondernemers kunnen veel bereiken als zij samenwerken.</p>
<p>Volgens de raad is een actieve overheid nodig die ondernemers stimuleert en waar nodig
verplicht tot georganiseerde samenwerking op bedrijventerreinen.</p>
<p>Het advies Samen werken is op 12 oktober 2023 aangeboden aan de minister.</p>
</article></main>
<footer><ul><li><a href="/privacy">Privacyverklaring</a></li><li><a href="/toegankelijkheid">Toegankelijkheid</a></li></ul>
<p>Copyright Raad voor de leefomgeving en infrastructuur</p></footer></body></html>"""

NAV_ONLY = """<html><head><title>Menu</title></head><body><nav><a href="/">Home</a>
<a href="/over">Over ons</a></nav><footer>Copyright 2024</footer></body></html>"""


def test_html_main_text_only(tmp_path):
    path = tmp_path / "rli.html"
    path.write_text(ARTICLE, encoding="utf-8")
    doc = read_html(path, "sources/rli.html")
    assert doc.title == "Rli brengt advies uit over verduurzaming bedrijventerreinen"
    assert "actieve overheid nodig" in doc.text
    assert "Samen werken is op 12 oktober 2023" in doc.text
    for junk in ("Nieuwsoverzicht", "cookies", "Privacyverklaring", "Copyright"):
        assert junk not in doc.text
    assert len(doc.blocks) >= 3 and all(b.page is None for b in doc.blocks)
    for block in doc.blocks:
        assert doc.text[block.start:block.end] == block.text
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("content, reason", [(NAV_ONLY, "no main text"), ("", "empty file")])
def test_html_errors(tmp_path, content, reason):
    path = tmp_path / "x.html"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError) as info:
        read_html(path, "sources/x.html")
    assert info.value.reason == reason and "sources/x.html" in str(info.value)


REFS = [
    Reference(9, 2, ("SER",), 2025, "Samenwerken voor arbeidsproductiviteitsgroei",
              "Sociaal-Economische Raad", "SER (2025) ..."),
    Reference(14, 1, ("Koelemaij, J.", "Rolandus, T.", "ten Kate, J."), 2025,
              "Sturen op ruimte voor werkgelegenheid. Lessen van pioniers", "Platform31", "..."),
    Reference(16, 1, ("Ministerie van Economische Zaken en Klimaat",), 2023,
              "Programma Ruimte voor Economie", None, "..."),
    Reference(18, 1, ("Rli",), 2023, "Samen werken",
              "Raad voor de Leefomgeving en Infrastructuur", "Rli (2023) Samen werken. ..."),
]


def test_link_by_title_and_author(report):
    assert link_source(report, REFS, None, None) == (18, 1)


def test_link_prefers_sidecar_then_records(report, tmp_path):
    records = [{"footnote": 16, "position": 1, "url": "https://example.org/x",
                "kind": "document", "file": "sources/samen-werken.pdf"},
               {"footnote": 9, "position": 2, "url": None, "kind": "document", "file": None}]
    assert link_source(report, REFS, records, None) == (16, 1)
    sidecar = tmp_path / "samen-werken.pdf.ref.json"
    sidecar.write_text(json.dumps({"footnote": 9, "position": 2}))
    assert link_source(report, REFS, records, sidecar) == (9, 2)
    assert link_source(report, REFS, records, tmp_path / "missing.ref.json") == (16, 1)


def test_link_needs_a_strong_match(tmp_path, report):
    path = tmp_path / "rli.html"
    path.write_text(ARTICLE, encoding="utf-8")
    page = read_html(path, "sources/rli.html")       # mentions Rli, 2023 and "Samen werken"
    assert link_source(page, REFS, [], None) == (18, 1)
    unrelated = [Reference(1, 1, ("Gaastra, S.",), 2024,
                           "Nieuwjaarsartikel: Het eeuwige tekort vraagt om keuzes", "ESB", "...")]
    assert link_source(report, unrelated, None, None) is None
    other = tmp_path / "other.html"
    other.write_text(ARTICLE.replace("Rli brengt advies uit over verduurzaming bedrijventerreinen",
                                     "Gemeente wil samen werken aan wijkvernieuwing")
                     .replace("Raad voor de leefomgeving en infrastructuur", "gemeenteraad"))
    assert link_source(read_html(other, "sources/other.html"), REFS, None, None) is None
    assert link_source(report, [], None, None) is None
