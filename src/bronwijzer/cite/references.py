"""Citation lookup: which sentences cite a footnote, which references match a name.

Pure functions over already loaded passages and references (no index I/O).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Sequence

from bronwijzer.errors import CiteError
from bronwijzer.records import Passage, Reference
from bronwijzer.text import fold, split_sentences
from bronwijzer.settings import TUNING


@dataclass(frozen=True)
class CitingSentence:
    """A sentence of the article that carries the marker of a footnote."""

    footnote: int
    sentence: str
    doc: str
    location: str
    passage_id: str


def citing_sentences(passages: Sequence[Passage], footnote: int,
                     doc: str | None = None) -> list[CitingSentence]:
    """The sentences that carry the marker ``[footnote]`` of a document's own footnote.

    Args:
        passages: passages to search; passages of cited sources (``source_of``
            set) and of documents without that footnote are skipped.
        footnote: the footnote number.
        doc: the document whose footnote it is (None: any document).

    Returns:
        one entry per distinct sentence, in passage order.
    """
    marker = re.compile(rf"\[{footnote}\]")
    out: list[CitingSentence] = []
    seen: set[tuple[str, str]] = set()
    for passage in passages:
        if (passage.source_of is not None or footnote not in passage.footnotes
                or (doc is not None and passage.doc != doc)):
            continue
        for start, end in split_sentences(passage.text):
            sentence = passage.text[start:end]
            if marker.search(sentence) and (passage.doc, sentence) not in seen:
                seen.add((passage.doc, sentence))
                out.append(CitingSentence(footnote, sentence, passage.doc,
                                          passage.location, passage.id))
    return out


def footnote_docs(refs: Sequence[Reference]) -> list[str]:
    """The names of the documents that have footnotes, sorted."""
    return sorted({r.doc for r in refs})


def resolve_doc(refs: Sequence[Reference], doc: str | None) -> str:
    """The document a footnote number refers to: ``doc`` (its name, file name or stem),
    or the only document with footnotes.

    Args:
        refs: all references (each knows its document).
        doc: the name the user gave, or None.

    Returns:
        The document's full name.

    Raises:
        CiteError: no document has footnotes; several have and none was chosen; or
            ``doc`` names none of them. The message lists the documents to choose from.
    """
    names = footnote_docs(refs)
    if not names:
        raise CiteError("no document in the corpus has footnotes")
    if doc is None:
        if len(names) == 1:
            return names[0]
        raise CiteError("several documents have footnotes; choose one (--doc NAME): "
                        + ", ".join(names))
    matches = [n for n in names if n == doc] or [
        n for n in names if n.rsplit("/", 1)[-1] == doc or n.rsplit("/", 1)[-1].rsplit(".", 1)[0] == doc]
    if len(matches) != 1:
        raise CiteError(f"no single document with footnotes is called {doc!r}; choose from: "
                        + ", ".join(names))
    return matches[0]


def footnote_refs(n: int, refs: Sequence[Reference], doc: str | None = None) -> list[Reference]:
    """The references of footnote ``n`` of a document, by position.

    Args:
        n: footnote number.
        refs: all references.
        doc: the document whose footnote it is (None: every document's footnote ``n``).

    Returns:
        the references of that footnote.

    Raises:
        CiteError: when the document has no footnote ``n``.
    """
    refs = [r for r in refs if doc is None or r.doc == doc]
    found = sorted((r for r in refs if r.footnote == n), key=lambda r: (r.doc, r.position))
    if not found:
        numbers = sorted({r.footnote for r in refs})
        have = f"footnotes {numbers[0]}–{numbers[-1]}" if numbers else "no footnotes"
        raise CiteError(f"Footnote {n} does not exist; the article has {have}.")
    return found


# --- finding references by name, title word or year -----------------------------

_QUERY_STOP = frozenset("""
    de het een van voor en in op over met naar door bij uit of aan te is wordt waar welke wat
    the a an of for and in on about with to by from is are where which what who
    rapport report publicatie publication publicaties studie study paper artikel article
    bron source bronnen sources advies notitie brief essay document referentie reference
    al et""".split())


def _tokens(text: str) -> list[str]:
    """Folded word tokens (letters and digits)."""
    return re.findall(r"[a-z0-9]+", fold(text))


def acronym(name: str) -> set[str]:
    """The initials of a multi-word name ("De Nederlandsche Bank" -> {"dnb"})."""
    capitals = [w[0] for w in re.split(r"[\s-]+", name) if w[:1].isupper()]
    return {fold("".join(capitals))} if len(capitals) >= 2 else set()


@lru_cache(maxsize=65_536)
def _ref_fields(ref: Reference) -> dict[str, frozenset[str]]:
    """The searchable tokens of a reference, per field (with organisation acronyms); made
    once per reference (a library's 10,000 are not tokenised again per question)."""
    orgs = [a for a in ref.authors if "," not in a]
    authors = " ".join(a.split(",")[0] for a in ref.authors)
    author_acr = set().union(*(acronym(o) for o in orgs)) if orgs else set()
    publisher = ref.publisher or ""
    return {"author": frozenset((set(_tokens(authors)) | author_acr) - _QUERY_STOP),
            "title": frozenset(set(_tokens(ref.title)) - _QUERY_STOP),
            "publisher": frozenset((set(_tokens(publisher)) | acronym(publisher)) - _QUERY_STOP)}


def _similarity(word: str, candidates, ratios: dict[str, float] | None = None) -> float:
    """1.0 for an exact match, else the best close-spelling ratio (or 0).

    Args:
        word: a query word.
        candidates: a field's tokens.
        ratios: the word's ratios to tokens already compared (filled in), so that a token
            many references share is compared once per query.
    """
    if word in candidates:
        return 1.0
    if len(word) < 4:
        return 0.0
    ratios = {} if ratios is None else ratios
    best = 0.0
    for cand in candidates:
        if len(cand) >= 4 and abs(len(cand) - len(word)) <= 3:
            ratio = ratios.get(cand)
            if ratio is None:
                ratio = ratios[cand] = SequenceMatcher(None, word, cand).ratio()
            best = max(best, ratio if ratio >= TUNING.source_fuzzy_min else 0.0)
    return best


def _score(words: Sequence[str], years: Sequence[int | None], ref: Reference,
           ratios: dict[str, dict[str, float]] | None = None) -> float:
    """Mean best field match of the query words, plus a bonus for the right year
    (``ratios``: per word, its close-spelling ratios so far, see ``_similarity``)."""
    fields = _ref_fields(ref)
    ratios = {} if ratios is None else ratios
    total = 0.0
    for word in words:
        seen = ratios.setdefault(word, {})
        total += max(w * _similarity(word, fields[f], seen) for f, w in TUNING.source_field_weights)
    score = total / len(words) if words else 0.0
    if words and score == 0.0:
        return 0.0
    if years and ref.year in years:
        score += TUNING.source_year_bonus
    return score


def find_references(query: str, refs: Sequence[Reference]) -> list[tuple[Reference, float]]:
    """References matching an author, organisation, title word and/or year.

    Case, accents and small typos are forgiven ("ser", "jansen" for "Janssen",
    "Janssen 2025"); a year in the query ranks references of that year first.

    Args:
        query: free text naming a source.
        refs: the references to search.

    Returns:
        ``(reference, score)`` pairs, best first; empty when nothing matches.
    """
    undated = re.search(r"\bz\.\s?j\.?|\bn\.d\.", query, re.I)
    query = re.sub(r"\bz\.\s?j\.?|\bn\.d\.", " ", query, flags=re.I)
    tokens = [t for t in _tokens(query) if t not in _QUERY_STOP and len(t) > 1]
    years: list[int | None] = [int(t) for t in tokens if re.fullmatch(r"(19|20)\d\d", t)]
    words = [t for t in tokens if not t.isdigit()]
    if undated:
        years.append(None)  # "z.j." / "n.d.": no year
    if not words and not years:
        return []
    ratios: dict[str, dict[str, float]] = {}
    scored = [(ref, round(_score(words, years, ref, ratios), 4)) for ref in refs]
    hits = [(r, s) for r, s in scored if s > 0]
    return sorted(hits, key=lambda rs: (-rs[1], rs[0].footnote, rs[0].position))
