"""Real Word footnotes and hyperlinks for python-docx, which has no API for either.

``Footnotes(document)`` adds a ``word/footnotes.xml`` part (through python-docx's OPC
layer: a ``Part`` related to the document part, with its content type) and appends
``<w:footnote>`` elements to it; ``add(paragraph, text, url)`` puts the superscript
reference in the paragraph. ``hyperlink(paragraph, url, text)`` adds a ``<w:hyperlink>``
whose target is an external relationship of the paragraph's part. Footnote numbers
restart in every section (``numRestart eachSect``).
"""

from __future__ import annotations

import re

from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_SEPARATORS = (f'<w:footnote xmlns:w="{W}" w:type="separator" w:id="-1"><w:p><w:r>'
               f'<w:separator/></w:r></w:p></w:footnote>',
               f'<w:footnote xmlns:w="{W}" w:type="continuationSeparator" w:id="0"><w:p><w:r>'
               f'<w:continuationSeparator/></w:r></w:p></w:footnote>')


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def clean(text) -> str:
    """Text Word can hold: XML-illegal control characters removed."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "",
                  "" if text is None else str(text))


def _run(text: str, superscript: bool = False, style: dict | None = None):
    run = etree.Element(_w("r"))
    props = etree.SubElement(run, _w("rPr"))
    if superscript:
        etree.SubElement(props, _w("vertAlign"), {_w("val"): "superscript"})
    for key, value in (style or {}).items():
        etree.SubElement(props, _w(key), {_w("val"): value})
    node = etree.SubElement(run, _w("t"), {"{http://www.w3.org/XML/1998/namespace}space":
                                           "preserve"})
    node.text = clean(text)
    return run


def _hyperlink_element(part, url: str, text: str):
    rid = part.relate_to(url, f"{R}/hyperlink", is_external=True)
    link = etree.Element(_w("hyperlink"), {f"{{{R}}}id": rid})
    link.append(_run(text, style={"color": "1D4ED8", "u": "single"}))
    return link


def hyperlink(paragraph, url: str, text: str | None = None) -> None:
    """Append a clickable link to ``url`` (an external relationship of the document part).

    Args:
        paragraph: a python-docx ``Paragraph``.
        url: the http(s) address.
        text: the link's text (the URL itself by default).
    """
    paragraph._p.append(_hyperlink_element(paragraph.part, url, text or url))


class Footnotes:
    """The document's footnotes part, created on first use.

    Args:
        document: a python-docx ``Document``.
    """

    def __init__(self, document) -> None:
        self._document = document
        self._root = etree.fromstring(f'<w:footnotes xmlns:w="{W}" xmlns:r="{R}"/>')
        for xml in _SEPARATORS:
            self._root.append(etree.fromstring(xml))
        self.part = FootnotesPart(PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, None,
                                  document.part.package)
        self.part.root = self._root
        document.part.relate_to(self.part, f"{R}/footnotes")
        self._next = 1
        _restart_each_section(document)

    def add(self, paragraph, text: str, url: str | None = None) -> int:
        """A footnote with ``text`` (and a link to ``url``), referenced at the paragraph's end.

        Args:
            paragraph: where the superscript reference goes.
            text: the footnote's text.
            url: an http(s) address shown as a hyperlink after the text, if any.

        Returns:
            The footnote's id.
        """
        number, self._next = self._next, self._next + 1
        note = etree.SubElement(self._root, _w("footnote"), {_w("id"): str(number)})
        body = etree.SubElement(note, _w("p"))
        mark = etree.SubElement(body, _w("r"))
        props = etree.SubElement(mark, _w("rPr"))
        etree.SubElement(props, _w("vertAlign"), {_w("val"): "superscript"})
        etree.SubElement(mark, _w("footnoteRef"))
        body.append(_run(" " + text))
        if url:
            body.append(_run(" "))
            body.append(_hyperlink_element(self.part, url, url))
        ref = etree.SubElement(paragraph._p, _w("r"))
        props = etree.SubElement(ref, _w("rPr"))
        etree.SubElement(props, _w("vertAlign"), {_w("val"): "superscript"})
        etree.SubElement(ref, _w("footnoteReference"), {_w("id"): str(number)})
        return number


class FootnotesPart(Part):
    """``word/footnotes.xml``: its blob is the XML tree, serialised on save."""

    root = None

    @property
    def blob(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _restart_each_section(document) -> None:
    """Every section numbers its footnotes from 1 (``w:footnotePr/w:numRestart``)."""
    for section in document.sections:
        restart_numbering(section)


def restart_numbering(section) -> None:
    """Footnotes of ``section`` are numbered from 1."""
    sect = section._sectPr
    for old in sect.findall(_w("footnotePr")):
        sect.remove(old)
    props = etree.Element(_w("footnotePr"))
    etree.SubElement(props, _w("numRestart"), {_w("val"): "eachSect"})
    heads = len([c for c in sect if c.tag in (_w("headerReference"), _w("footerReference"))])
    sect.insert(heads, props)  # the schema's order: header/footer references first
