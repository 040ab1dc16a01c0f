"""Parse an article whose footnote references are inlined in the body text.

In the source text every footnote looks like ``... claim Author (2024) Title.
Publisher. 12 . Next sentence``: the reference text (several references are
separated by ``;``) is followed by the footnote number. Sometimes the reference
and the number stand on their own lines, splitting a paragraph in two.

:func:`parse_article` replaces each footnote by a ``[n]`` marker attached to the
preceding word, splits the clean text into paragraph blocks and parses the
references. Footnotes are found in order 1, 2, 3, ...: a number only counts as
footnote ``n`` when it is a standalone token and the text before it ends with a
chain of ``Authors (year) Title.`` references.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from bronwijzer.records import Block, Reference

_UP = "A-ZÀ-ÖØ-Þ"
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"]+")
YEAR_RE = re.compile(r"\((\d{4})[a-z]?\)|\((z\.\s?j\.)\)")
PARTICLES = frozenset(
    "van von der den de het voor en of and for the du la le di da ten ter te & ’t 't".split())
_PART = r"(?:(?:[Vv]an|[Vv]on|[Dd]e[rn]?|[Tt]e[nr]?|[Ll][ae]|[Dd][uia]|[’']t)\s+)"
_INITIALS = rf"[{_UP}][a-z]{{0,2}}\.(?:[-\s]?[{_UP}][a-z]{{0,2}}\.)*"
PERSON = rf"(?<!\S){_PART}*[{_UP}][\w’'-]*,\s+{_INITIALS}"
PERSON_RE = re.compile(PERSON)
PERSONS_END_RE = re.compile(
    rf"{PERSON}(?:,\s+{PERSON})*(?:,?\s+(?:&|and|en)\s+{PERSON})?$")
_MARKER_PUNCT = ".,;:!?)"
_MAX_TAIL = 400
_MAX_HEAD = 300


@dataclass(frozen=True)
class _Footnote:
    number: int
    refs: tuple[tuple[int, int], ...]  # raw spans of the references, in order
    start: int  # where the footnote's span (with leading whitespace) starts
    end: int  # just past the number and its trailing whitespace


def parse_article(raw: str) -> tuple[str, tuple[Block, ...], tuple[Reference, ...]]:
    """Parse the article: clean text, its paragraph blocks, and the references.

    Args:
        raw: the article text as read from disk (``\\r\\n`` is normalised to ``\\n``).

    Returns:
        ``(clean, blocks, references)``: the text with every inlined footnote
        replaced by a ``[n]`` marker, its non-empty lines as 1-based ``Block``
        paragraphs (``clean[b.start:b.end] == b.text``), and every reference of
        every footnote in order. A text without references gives plain
        paragraphs and no references.
    """
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    notes = _find_footnotes(raw)
    clean, markers = _build_clean(raw, notes)
    blocks = _blocks(clean, markers)
    refs = tuple(parse_reference(raw[a:b], note.number, i)
                 for note in notes for i, (a, b) in enumerate(note.refs, 1))
    return clean, blocks, refs


def _find_footnotes(raw: str) -> list[_Footnote]:
    """Find footnotes 1, 2, 3, ... in order; stop at the first number not found."""
    notes: list[_Footnote] = []
    pos, n = 0, 1
    while (note := _next_footnote(raw, pos, n)) is not None:
        notes.append(note)
        pos, n = note.end, n + 1
    return notes


def _next_footnote(raw: str, pos: int, n: int) -> _Footnote | None:
    """The first standalone token ``n`` after ``pos`` preceded by a reference chain."""
    for m in re.finditer(rf"(?<!\S){n}(?!\S)", raw[pos:]):
        num_start, num_end = pos + m.start(), pos + m.end()
        refs = reference_chain(raw, pos, num_start)
        if refs:
            start = refs[0][0]
            while start > pos and raw[start - 1].isspace():
                start -= 1
            end = num_end
            while end < len(raw) and raw[end].isspace():
                end += 1
            return _Footnote(n, tuple(refs), start, end)
    return None


def reference_chain(raw: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Spans of the ``;``-separated ``Authors (year) Title.`` references ending just before
    ``hi`` (used for inline footnotes and for the notes of every other format).

    Args:
        raw: the text.
        lo: where the search may start.
        hi: where the chain must end.

    Returns:
        ``(start, end)`` of each reference, in order; [] when none ends at ``hi``.
    """
    spans: list[tuple[int, int]] = []
    end = hi
    while True:
        while end > lo and raw[end - 1].isspace():
            end -= 1
        if end == lo or raw[end - 1] not in ".?!":
            break
        years = list(YEAR_RE.finditer(raw, lo, end))
        if not years:
            break
        year = years[-1]
        tail = raw[year.end():end].strip()
        if not tail or len(tail) > _MAX_TAIL or "\n" in tail:
            break
        start = _author_start(raw, max(lo, year.start() - _MAX_HEAD), year.start())
        if start is None:
            break
        spans.insert(0, (start, end))
        sep = start
        while sep > lo and raw[sep - 1] in " \t":
            sep -= 1
        if sep == lo or raw[sep - 1] != ";":
            break
        end = sep - 1
    return spans


def _author_start(raw: str, lo: int, year_start: int) -> int | None:
    """Where the author part before a ``(year)`` begins, or None when there is none."""
    head = raw[lo:year_start].rstrip()
    cut = head.rfind("\n") + 1
    line = head[cut:]
    persons = PERSONS_END_RE.search(line)
    if persons:
        return lo + cut + persons.start()
    start = None
    for word in reversed(list(re.finditer(r"\S+", line))):
        text = word.group()
        if text[-1] in ".,;:!?)(\"“”‘":
            break
        capital = re.match(rf"[{_UP}]", text) is not None
        if text.lower() in PARTICLES and not capital:
            continue  # kept only when a capitalised word comes before it
        if not capital:
            break
        start = word.start()
    return None if start is None else lo + cut + start


def _build_clean(raw: str, notes: Sequence[_Footnote]) -> tuple[str, list[tuple[int, int]]]:
    """Replace each footnote span by `` [n]``; return the text and marker offsets."""
    parts: list[str] = []
    markers: list[tuple[int, int]] = []
    pos = length = 0
    for note in notes:
        before = raw[pos:note.start]
        marker = f" [{note.number}]"
        nxt = raw[note.end:note.end + 1]
        if not nxt or nxt in _MARKER_PUNCT:
            glue = ""
        elif "\n" in raw[note.refs[-1][1]:note.end] and not nxt.islower():
            glue = "\n"  # the footnote ended its paragraph
        else:
            glue = " "
        parts += [before, marker, glue]
        length += len(before)
        markers.append((length + 1, note.number))
        length += len(marker) + len(glue)
        pos = note.end
    parts.append(raw[pos:])
    return "".join(parts), markers


def _blocks(clean: str, markers: Sequence[tuple[int, int]]) -> tuple[Block, ...]:
    """Non-empty lines of ``clean`` as numbered blocks with their footnotes."""
    blocks: list[Block] = []
    for m in re.finditer(r"[^\n]+", clean):
        text = m.group()
        start = m.start() + len(text) - len(text.lstrip())
        end = m.end() - len(text) + len(text.rstrip())
        if start >= end:
            continue
        notes = tuple(n for off, n in markers if start <= off < end)
        blocks.append(Block(text=clean[start:end], start=start, end=end,
                            number=len(blocks) + 1, footnotes=notes))
    return tuple(blocks)


def parse_reference(text: str, footnote: int, position: int, doc: str = "") -> Reference:
    """Split one reference ``Authors (year) Title. Publisher. URL`` into its parts.

    Args:
        text: the reference text (white space is normalised).
        footnote: the footnote number it belongs to.
        position: its 1-based place within the footnote.
        doc: the name of the document whose footnote it is.

    Returns:
        The ``Reference``; without a ``(year)`` the authors are empty, the year is
        None and the whole text (URL removed) is the title. A URL in the text is kept
        in ``url``.
    """
    text = " ".join(text.split())
    url_m = URL_RE.search(text)
    url = url_m.group().rstrip(".,;)") if url_m else None
    bare = " ".join(URL_RE.sub(" ", text).split()) if url else text
    year_m = YEAR_RE.search(bare)
    if year_m is None:
        return Reference(footnote=footnote, position=position, authors=(), year=None,
                         title=bare.rstrip(" .") or text, publisher=None, raw=text, url=url,
                         doc=doc)
    year = int(year_m.group(1)) if year_m.group(1) else None
    authors = _split_authors(bare[:year_m.start()].strip())
    title, publisher = _split_title(bare[year_m.end():].strip())
    return Reference(footnote=footnote, position=position, authors=authors,
                     year=year, title=title, publisher=publisher, raw=text, url=url, doc=doc)


def _split_authors(text: str) -> tuple[str, ...]:
    """Person authors ``Surname, I.`` one by one, or a single organisation."""
    people = [m.group() for m in PERSON_RE.finditer(text)]
    rest = PERSON_RE.sub("", text)
    if people and not re.sub(r"[,&\s]|\band\b|\ben\b", "", rest):
        return tuple(people)
    return (text,) if text else ()


def _split_title(rest: str) -> tuple[str, str | None]:
    """Split ``Title. Publisher.`` into title and publisher (None when absent)."""
    body = rest[:-1].rstrip() if rest.endswith(".") else rest
    bounds = list(re.finditer(r"(?<=[.?!])\s+(?=\S)", body))
    if bounds and not rest.endswith(("?", "!")):
        last = bounds[-1]
        candidate = body[last.end():]
        if _looks_like_publisher(candidate):
            title = body[:last.start()]
            return (title[:-1] if title.endswith(".") else title), candidate
    return body, None


def _looks_like_publisher(text: str) -> bool:
    """A name (capitalised words and particles), or at most two words."""
    words = text.split()
    if not words or len(words) > 8:
        return False
    if len(words) <= 2:
        return True
    return all(w.lower() in PARTICLES or re.match(rf"[{_UP}\d]", w) for w in words)



def attach_urls(refs: Sequence[Reference], sources_json_path: str | Path) -> tuple[Reference, ...]:
    """Fill ``Reference.url`` from a ``sources.json`` list.

    Args:
        refs: the references to complete.
        sources_json_path: JSON list of ``{"footnote", "position", "url", ...}``.

    Returns:
        the references with their url set where the file names one; the
        references unchanged when the file is missing.
    """
    path = Path(sources_json_path)
    if not path.is_file():
        return tuple(refs)
    urls = {(int(e["footnote"]), int(e.get("position", 1))): e.get("url")
            for e in json.loads(path.read_text(encoding="utf-8"))}
    return tuple(replace(r, url=urls[(r.footnote, r.position)])
                 if urls.get((r.footnote, r.position)) else r for r in refs)
