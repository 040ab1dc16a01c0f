"""The conversation exported as .docx: real Word footnotes and hyperlinks, numbering per
answer, a decline's reason and related passages; LibreOffice converts it to PDF."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import pytest

from bronwijzer.present.export import conversation_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
REF = {"doc": "a.txt", "footnote": 9, "position": 1, "url": "https://example.org/rapport",
       "reference": "Jansen, A. (2024) Werken in de stad. Uitgeverij."}


def turns():
    answer = {"question": "Welke rol krijgt het mkb?", "lang": "nl", "abstained": False,
              "answer": "Het mkb moet beter worden ondersteund⁽⁹⁾. [1]", "confidence": 0.6,
              "sources": [{"number": 1, "label": "a.txt ¶3", "quote": "Het mkb moet beter.",
                           "footnotes": [9], "references": [REF]}], "citations": []}
    decline = {"question": "Wat zegt het over Almere?", "lang": "nl", "abstained": True,
               "answer": "Het artikel geeft hier geen antwoord op.", "confidence": 0.2,
               "reason": "de tekst noemt Almere nergens", "sources": [], "citations": [],
               "passages": [{"label": "a.txt ¶13", "text": "Brede welvaart als kader."}]}
    return [answer, dict(answer, question="Nog eens?"), decline]


@pytest.fixture
def exported(tmp_path):
    return conversation_docx(turns(), tmp_path / "gesprek.docx")


def test_docx_has_word_footnotes_and_hyperlinks(exported):
    from docx import Document
    document = Document(str(exported))
    notes = [r.target_part for r in document.part.rels.values() if r.reltype.endswith("/footnotes")]
    assert len(notes) == 1
    root = notes[0]._element if hasattr(notes[0], "_element") else None
    from lxml import etree
    root = root if root is not None else etree.fromstring(notes[0].blob)
    bodies = [n for n in root.iter(f"{W}footnote") if not n.get(f"{W}type")]
    assert len(bodies) == 4  # two answers, each: the text's marker and its source's footnote
    assert all("Jansen" in "".join(n.itertext()) for n in bodies)
    links = [r for r in notes[0].rels.values() if r.reltype.endswith("/hyperlink")]
    assert links and links[0].target_ref == REF["url"]
    assert len(list(document.element.body.iter(f"{W}footnoteReference"))) == 4
    restarts = [s._sectPr.find(f"{W}footnotePr/{W}numRestart") for s in document.sections]
    assert len(restarts) == 3 and all(r is not None and r.get(f"{W}val") == "eachSect"
                                       for r in restarts)  # numbered from 1 in every answer
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Almere nergens" in text and "Brede welvaart als kader." in text
    assert "List Number" not in {p.style.name for p in document.paragraphs}


def test_docx_opens_in_libreoffice_as_pdf(exported, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("LibreOffice is not installed")
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(exported)],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "gesprek.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader
    text = "".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    assert "Jansen" in text and "Almere" in text


def test_docx_package_is_well_formed(exported):
    with zipfile.ZipFile(exported) as package:
        types = package.read("[Content_Types].xml").decode()
        assert "footnotes+xml" in types and "word/footnotes.xml" in package.namelist()
