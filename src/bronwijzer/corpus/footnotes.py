"""Footnotes as first-class records, whatever the format they came from.

Every reader (PDF, DOCX, ODT, Markdown, HTML) hands over its paragraphs with
`` [n]`` markers where the footnote references stood, and the note texts by
number; :func:`notes_document` turns them into a ``Document`` whose blocks know
their footnotes and whose references are parsed from the notes by the same
parser as the inline article form (:func:`bronwijzer.corpus.article.parse_reference`).
Numbering is per document: every reference carries the document's name.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bronwijzer.corpus.article import URL_RE, parse_reference, reference_chain
from bronwijzer.corpus.document import assemble_blocks, first_line
from bronwijzer.errors import IngestError
from bronwijzer.records import Document, Reference

MARKER_RE = re.compile(r" \[(\d{1,3})\]")


def parse_note(text: str, footnote: int, doc: str = "") -> tuple[Reference, ...]:
    """The references of one footnote's text (several are separated by ``;``).

    Args:
        text: the footnote text as printed at the page bottom or in a notes part.
        footnote: the footnote number.
        doc: the name of the document whose footnote it is.

    Returns:
        One ``Reference`` per cited source, in order (at least one for a non-empty note).
    """
    text = " ".join(text.split())
    if not text:
        return ()
    bare = " ".join(URL_RE.sub(" ", text).split()).rstrip(" ;")
    spans = reference_chain(bare, 0, len(bare)) if bare[-1:] in ".?!" else []
    if spans and not bare[:spans[0][0]].strip():
        pieces = _with_urls(text, [bare[a:b] for a, b in spans])
    else:
        pieces = [p for p in re.split(r";\s+", text) if p.strip()]
    return tuple(parse_reference(p, footnote, i, doc) for i, p in enumerate(pieces, 1))


def _with_urls(text: str, pieces: list[str]) -> list[str]:
    """Each piece with the URLs that stand after it (and before the next piece) in ``text``."""
    if not URL_RE.search(text):
        return pieces
    starts = []
    pos = 0
    for piece in pieces:
        found = text.find(piece[:20], pos)
        starts.append(found if found >= 0 else pos)
        pos = max(pos, found + 1)
    ends = starts[1:] + [len(text)]
    return [" ".join([piece, *URL_RE.findall(text[a:b])]) for piece, a, b in zip(pieces, starts, ends)]


def renumber(order: list[str]) -> dict[str, int]:
    """Display numbers 1, 2, ... for note labels in their order of first appearance."""
    return {label: n for n, label in enumerate(dict.fromkeys(order), 1)}


def notes_document(name: str, paras: list[tuple[str, int | None, str | None]],
                   notes: dict[int, str], digest: str, title: str | None = None) -> Document:
    """A document from paragraphs carrying `` [n]`` markers and its note texts.

    Args:
        name: the document name (path relative to the corpus folder).
        paras: ``(text, page, page_label)`` per paragraph, markers already in the text.
        notes: the text of each footnote, by number.
        digest: the sha256 of the file.
        title: the title, when the format has one (else the first line).

    Returns:
        The ``Document``: blocks know the footnotes whose markers they carry; the
        references are parsed from the notes, each with ``doc=name``.

    Raises:
        IngestError: when there is no text at all.
    """
    paras = [p for p in paras if p[0].strip()]
    if not paras:
        raise IngestError(f"{name}: no text", "no text")
    text, blocks = assemble_blocks(paras)
    blocks = tuple(replace(b, footnotes=tuple(dict.fromkeys(
        n for n in map(int, MARKER_RE.findall(b.text)) if n in notes))) for b in blocks)
    refs = tuple(r for n in sorted(notes) for r in parse_note(notes[n], n, name))
    return Document(name=name, title=(title or first_line(blocks[0].text))[:200], text=text,
                    blocks=blocks, sha256=digest, references=refs)


def attach_marker(text: str, number: int) -> str:
    """``text`` with the marker `` [number]`` after its last word (white space trimmed)."""
    return f"{text.rstrip()} [{number}]"
