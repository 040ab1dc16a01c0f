"""Chunk: turn a document's paragraphs into paragraph-sized passages.

One paragraph makes one passage. A paragraph longer than ``max_chars`` is
split at sentence boundaries; a very short one (a heading, an opening line)
is joined to the paragraph that follows it on the same page, so that it is
found together with its context. Passage ids derive from the document name
and the passage text, so rebuilding an unchanged corpus gives the same ids.
"""

from __future__ import annotations

import hashlib

from bronwijzer.records import Block, Document, Passage
from bronwijzer.text import MARKER


def chunk_document(doc: Document, max_chars: int = 1100, min_chars: int = 200) -> list[Passage]:
    """Split a document into passages.

    Args:
        doc: the document.
        max_chars: the longest passage, in characters (keep well under 512 tokens).
        min_chars: paragraphs shorter than this are joined to the next one.

    Returns:
        The passages in reading order, with unique, content-derived ids.
    """
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for group in _groups(doc.blocks, min_chars, max_chars):
        for start, end in _pieces(doc.text, group[0].start, group[-1].end, max_chars):
            text = doc.text[start:end]
            base = passage_id(doc.name, text)
            seen[base] = seen.get(base, 0) + 1
            pid = base if seen[base] == 1 else f"{base}-{seen[base]}"
            passages.append(Passage(
                id=pid, doc=doc.name, text=text, paragraph=group[0].number,
                start=start, end=end, page=group[0].page, page_label=group[0].page_label,
                footnotes=_own_footnotes(text, doc), source_of=doc.source_of))
    return passages


def passage_id(doc: str, text: str) -> str:
    """A stable id from the document name and the passage text."""
    return hashlib.sha1(f"{doc}\n{text}".encode("utf-8")).hexdigest()[:16]


def footnotes_in(text: str) -> tuple[int, ...]:
    """The footnote numbers of the ``[n]`` markers in a text, in order, once each."""
    return tuple(dict.fromkeys(int(m) for m in MARKER.findall(text)))


def _own_footnotes(text: str, doc: Document) -> tuple[int, ...]:
    """The markers of the document's own footnotes: bracketed numbers in a document
    without footnotes (or without that footnote) are plain text."""
    numbers = {r.footnote for r in doc.references}
    return tuple(n for n in footnotes_in(text) if n in numbers)


def _groups(blocks: tuple[Block, ...], min_chars: int, max_chars: int) -> list[list[Block]]:
    """Consecutive blocks to be read as one passage (short ones join the next)."""
    groups: list[list[Block]] = []
    pending: list[Block] = []
    for block in blocks:
        if pending and (block.page != pending[-1].page
                        or block.end - pending[0].start > max_chars):
            groups.append(pending)
            pending = []
        pending.append(block)
        if len(block.text) >= min_chars:
            groups.append(pending)
            pending = []
    if pending:
        last = groups[-1] if groups else None
        if (last and last[-1].page == pending[0].page
                and pending[-1].end - last[0].start <= max_chars):
            last.extend(pending)
        else:
            groups.append(pending)
    return groups


def _pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` at sentence ends into spans of at most ``max_chars``."""
    if end - start <= max_chars:
        return [(start, end)]
    from bronwijzer.text import split_sentences
    spans = [(start + s, start + e) for s, e in split_sentences(text[start:end])]
    pieces: list[tuple[int, int]] = []
    for s, e in spans:
        while e - s > max_chars:  # a single over-long sentence: cut at a space
            cut = text.rfind(" ", s, s + max_chars)
            cut = cut if cut > s else s + max_chars
            pieces.append((s, cut))
            s = cut + 1 if text[cut:cut + 1] == " " else cut
        if pieces and e - pieces[-1][0] <= max_chars and pieces[-1][1] <= s:
            pieces[-1] = (pieces[-1][0], e)
        else:
            pieces.append((s, e))
    return pieces
