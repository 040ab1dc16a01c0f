"""Word (``.docx``) and OpenDocument (``.odt``) files, with their footnotes.

DOCX: the body paragraphs come from python-docx; a ``w:footnoteReference`` in a
run becomes a `` [n]`` marker, and the notes are read from the package's
``word/footnotes.xml`` (python-docx has no footnote API). ODT: ``content.xml``
read directly; a ``text:note`` (footnote or endnote) becomes a marker and its
``text:note-body`` the note. Notes are numbered 1, 2, ... in reading order.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from bronwijzer.corpus.document import ingest_failure, read_bytes
from bronwijzer.corpus.footnotes import notes_document, renumber
from bronwijzer.corpus.limits import DEFAULT_LIMITS, ParseLimits, check_zip
from bronwijzer.records import Document

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
DC = "{http://purl.org/dc/elements/1.1/}"


def read_docx(path: Path, name: str, limits: ParseLimits = DEFAULT_LIMITS) -> Document:
    """Read a Word document: paragraphs (tables included) and footnotes.

    Args:
        path: the ``.docx`` file.
        name: the document name (path relative to the corpus folder).
        limits: the bounds (the package's unpacked size is checked before parsing).

    Returns:
        The ``Document`` with footnote markers and references.

    Raises:
        IngestError: a file that is not a readable Word document, or one without text.
        LimitError: a package that unpacks past ``max_unzipped_mb``.
    """
    import io

    import docx
    data = read_bytes(path, name)
    check_zip(io.BytesIO(data), name, limits)
    try:
        word = docx.Document(io.BytesIO(data))
        notes_xml = _zip_member(data, "word/footnotes.xml")
    except Exception as exc:
        raise ingest_failure(name, f"not a readable Word document: {exc}") from exc
    raw_notes = _docx_notes(notes_xml) if notes_xml else {}
    paragraphs = [p._p for p in word.paragraphs]
    for table in word.tables:
        paragraphs += [p._p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    order = [el.get(W + "id") for p in paragraphs for el in p.iter(W + "footnoteReference")]
    numbers = renumber([i for i in order if i in raw_notes])
    paras = [(_docx_text(p, numbers), None, None) for p in paragraphs]
    notes = {numbers[i]: raw_notes[i] for i in numbers}
    title = (word.core_properties.title or "").strip() or None
    return notes_document(name, paras, notes, hashlib.sha256(data).hexdigest(), title)


def _docx_text(paragraph, numbers: dict[str, int]) -> str:
    parts = []
    for el in paragraph.iter(W + "t", W + "tab", W + "br", W + "footnoteReference"):
        if el.tag == W + "t":
            parts.append(el.text or "")
        elif el.tag == W + "footnoteReference":
            n = numbers.get(el.get(W + "id"))
            if n is not None:
                parts[:] = ["".join(parts).rstrip(), f" [{n}]"]
        else:
            parts.append(" ")
    return " ".join("".join(parts).split())


def _docx_notes(xml: bytes) -> dict[str, str]:
    from lxml import etree
    root = etree.fromstring(xml)
    notes = {}
    for note in root.iter(W + "footnote"):
        if note.get(W + "type") in {"separator", "continuationSeparator", "continuationNotice"}:
            continue
        paras = [" ".join("".join(t.text or "" for t in p.iter(W + "t")).split())
                 for p in note.iter(W + "p")]
        text = " ".join(p for p in paras if p)
        if text:
            notes[note.get(W + "id")] = text
    return notes


def _zip_member(data: bytes, member: str) -> bytes | None:
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(member) if member in archive.namelist() else None


def read_odt(path: Path, name: str, limits: ParseLimits = DEFAULT_LIMITS) -> Document:
    """Read an OpenDocument text: headings, paragraphs (lists and tables too) and notes.

    Args:
        path: the ``.odt`` file.
        name: the document name.
        limits: the bounds (unpacked size; ``<text:s text:c>`` clamped to ``max_repeat``).

    Returns:
        The ``Document`` with footnote markers and references.

    Raises:
        IngestError: a file that is not a readable ODT, or one without text.
        LimitError: a package that unpacks past ``max_unzipped_mb``.
    """
    import io

    from lxml import etree
    data = read_bytes(path, name)
    check_zip(io.BytesIO(data), name, limits)
    try:
        root = etree.fromstring(_zip_member(data, "content.xml"))
        meta = _zip_member(data, "meta.xml")
    except Exception as exc:
        raise ingest_failure(name, f"not a readable OpenDocument text: {exc}") from exc
    blocks = [el for el in root.iter(TEXT + "p", TEXT + "h")
              if not any(a.tag == TEXT + "note" for a in el.iterancestors())]
    notes: dict[int, str] = {}
    paras = [(_odt_text(el, notes, limits.max_repeat), None, None) for el in blocks]
    title = None
    if meta:
        found = etree.fromstring(meta).find(f".//{DC}title")
        title = (found.text or "").strip() or None if found is not None else None
    return notes_document(name, paras, notes, hashlib.sha256(data).hexdigest(), title)


def _odt_text(element, notes: dict[int, str], max_repeat: int) -> str:
    """The text of a paragraph; each note becomes the next marker and its body goes to ``notes``.
    A run of spaces (``<text:s text:c="n"/>``) counts at most ``max_repeat``."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == TEXT + "note":
            n = len(notes) + 1
            body = child.find(TEXT + "note-body")
            paras = body.iter(TEXT + "p") if body is not None else ()
            notes[n] = " ".join(" ".join("".join(p.itertext()).split()) for p in paras).strip()
            parts[:] = ["".join(parts).rstrip(), f" [{n}]"]
        elif child.tag == TEXT + "s":
            parts.append(" " * _repeat(child.get(TEXT + "c", "1"), max_repeat))
        elif child.tag in {TEXT + "tab", TEXT + "line-break"}:
            parts.append(" ")
        else:
            parts.append(_odt_text(child, notes, max_repeat))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _repeat(value: str, most: int) -> int:
    """A repeat count from the file, between 1 and ``most`` (junk counts 1)."""
    try:
        return max(1, min(int(value), most))
    except (TypeError, ValueError):
        return 1
