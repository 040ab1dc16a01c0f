"""References as searchable items: one card per footnote reference.

A card holds what a bibliography question filters on, read from the reference's own
fields and from where the article cites it: authors, organisations, title, year (or
None), publisher kinds, its footnote, how many sources share that footnote, the
sentences that carry the footnote and where they lie in the document, and how much of
the document's own title its title repeats.

The publisher kinds come from the generic word table ``publisher_kinds`` of
``card_terms.json`` (types of organisation, such as "ministerie", "raad", "bank",
"universiteit", "krant"; never a name of one publisher). The cards of a loaded index
are built the first time a question needs them (``cards_of``); their "who" and "what"
lines take the vectors the build stored (``index/text_vectors.CARDS``), so no question
waits for a pass over a library's references.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from bronwijzer.cite.references import acronym
from bronwijzer.index.passages import doc_extents
from bronwijzer.records import Reference
from bronwijzer.text import MARKER, fold

TERMS_FILE = Path(__file__).with_name("card_terms.json")


@lru_cache(maxsize=2)
def terms(path: str = str(TERMS_FILE)) -> dict:
    """The word tables of ``card_terms.json``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Citing:
    """A sentence of the article that carries a card's footnote marker."""

    sentence: str
    passage_id: str
    location: str
    share: float  # where the sentence lies in its document, 0 (start) .. 1 (end)


@dataclass(frozen=True)
class Card:
    """One reference as a searchable item."""

    reference: Reference
    authors: tuple[str, ...]
    organisations: tuple[str, ...]
    title: str
    year: int | None
    publisher: str | None
    kinds: tuple[str, ...]
    footnote: int
    doc: str
    shared: int
    citing: tuple[Citing, ...]
    title_overlap: float

    @property
    def who(self) -> str:
        """The card's authors and publisher as one line (what a name is matched against)."""
        return self.reference.who

    @property
    def what(self) -> str:
        """The card as one line: who, year, title (what a topic is matched against)."""
        return self.reference.what

    @cached_property
    def name_words(self) -> frozenset[str]:
        """The folded words of its authors and publisher, with the initials of its
        multi-word organisations ("dnb"): what a name in a question is matched against
        (made once per card, not once per question)."""
        return frozenset(words(self.who)) | acronyms(self)

    @cached_property
    def title_words(self) -> frozenset[str]:
        """The folded words of its title."""
        return frozenset(words(self.title))


def words(text: str) -> list[str]:
    """Folded word tokens (letters and digits)."""
    return re.findall(r"[a-z0-9]+", fold(text))


def acronyms(card: Card) -> set[str]:
    """The initials of the card's multi-word organisations and publisher ("dnb")."""
    names = card.organisations + ((card.publisher,) if card.publisher else ())
    return set().union(*(acronym(name) for name in names))


def publisher_kinds(authors, publisher: str | None, table: dict | None = None) -> tuple[str, ...]:
    """The kinds of organisation a reference's organisation authors and publisher name.

    Args:
        authors: the reference's authors; persons ("Surname, I.") are skipped.
        publisher: its publisher, or None.
        table: kind -> words (default: ``publisher_kinds`` of ``card_terms.json``).

    Returns:
        The matching kinds in table order ("person" when only persons wrote it and
        nothing else matches; empty when nothing matches).
    """
    table = table or terms()["publisher_kinds"]
    orgs = [a for a in authors if "," not in a] + ([publisher] if publisher else [])
    text = f" {' '.join(words(' '.join(orgs)))} "
    kinds = [kind for kind, ws in table.items() if any(f" {w} " in text for w in ws)]
    if not kinds and authors and all("," in a for a in authors):
        kinds.append("person")
    return tuple(kinds)


def title_overlap(title: str, doc_titles: list[str]) -> float:
    """The largest share of a document title's words that a reference title holds.

    Args:
        title: the reference's title.
        doc_titles: the titles of the documents (titles of fewer than two words are skipped).

    Returns:
        A share in [0, 1].
    """
    own = set(words(title))
    best = 0.0
    for doc_title in doc_titles:
        theirs = set(words(doc_title))
        if len(theirs) >= 2:
            best = max(best, len(own & theirs) / len(theirs))
    return best


def citing_by_footnote(index) -> dict[tuple[str, int], tuple[Citing, ...]]:
    """The article sentences that carry each footnote's marker, by ``(document,
    footnote)``, in order, each sentence once per footnote: one pass over the footnoted
    article passages (a library's references do not each scan them again).

    Args:
        index: the loaded ``Index``.

    Returns:
        ``{(doc, footnote): citing sentences}``.
    """
    extent = doc_extents(index)
    found: dict[tuple[str, int], list[Citing]] = {}
    seen: set[tuple[str, int, str]] = set()
    for row in np.flatnonzero(index.cited_mask).tolist():
        passage, spans = index.passages[row], index.sentence_spans[row]
        if passage.source_of is not None or not passage.footnotes:
            continue
        for start, end in spans:
            sentence = passage.text[start:end].strip()
            markers = set(MARKER.findall(sentence))
            for footnote in passage.footnotes:
                key = (passage.doc, footnote)
                if str(footnote) not in markers or (*key, sentence) in seen:
                    continue
                seen.add((*key, sentence))
                share = (passage.start + start) / max(extent.get(passage.doc, 1), 1)
                found.setdefault(key, []).append(
                    Citing(sentence, passage.id, passage.location, min(share, 1.0)))
    return {key: tuple(rows) for key, rows in found.items()}


def build_cards(index) -> tuple[Card, ...]:
    """The cards of every reference of a loaded index.

    Args:
        index: the loaded ``Index`` (its references, passages, sentence spans, manifest).

    Returns:
        One ``Card`` per reference, in reference order.
    """
    refs = index.references
    citing_of = citing_by_footnote(index)
    doc_titles = {d.get("name"): d.get("title") or "" for d in
                  index.manifest.get("documents") or () if isinstance(d, dict)}
    counts: dict[tuple[str, int], int] = {}
    for r in refs:
        counts[(r.doc, r.footnote)] = counts.get((r.doc, r.footnote), 0) + 1
    cards = []
    for r in refs:
        key = (r.doc, r.footnote)
        titles = [doc_titles[r.doc]] if doc_titles.get(r.doc) else []
        cards.append(Card(
            reference=r, authors=tuple(r.authors),
            organisations=tuple(a for a in r.authors if "," not in a),
            title=r.title, year=r.year, publisher=r.publisher,
            kinds=publisher_kinds(r.authors, r.publisher), footnote=r.footnote, doc=r.doc,
            shared=counts[key], citing=citing_of.get(key, ()),
            title_overlap=round(title_overlap(r.title, titles), 4)))
    return tuple(cards)


@dataclass(frozen=True)
class CardSet:
    """The cards of an index and their vectors (rows in card order)."""

    cards: tuple[Card, ...]
    who: np.ndarray
    what: np.ndarray


_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def embed_cards(cards: tuple[Card, ...], embedder, stored: tuple | None = None) -> CardSet:
    """The cards with their "who" and "what" vectors: those the build stored
    (``index/text_vectors.CARDS``), the others embedded in one ``embed_batch`` call.

    Args:
        cards: the cards.
        embedder: the index's embedder.
        stored: the build's ``(texts, vectors)``, or None (a build made before they were
            stored: every line is embedded).

    Returns:
        The ``CardSet``.
    """
    if not cards:
        empty = np.zeros((0, 1), dtype=np.float32)
        return CardSet(cards, empty, empty)
    lines = [c.who for c in cards] + [c.what for c in cards]
    known = dict(zip(*stored)) if stored else {}
    fresh = list(dict.fromkeys(t for t in lines if t not in known))
    if fresh:
        known.update(zip(fresh, np.asarray(embedder.embed_batch(fresh), dtype=np.float32)))
    vectors = np.stack([np.asarray(known[t], dtype=np.float32) for t in lines])
    return CardSet(cards, vectors[:len(cards)], vectors[len(cards):])


def cards_of(index, embedder) -> CardSet:
    """The (cached) embedded cards of a loaded index; built once per index and embedder.

    Args:
        index: the loaded ``Index``.
        embedder: the index's embedder.

    Returns:
        The ``CardSet``.
    """
    with _LOCK:
        per_index = _CACHE.get(index)
        if per_index is None or per_index[0] is not embedder:
            cards = build_cards(index)
            per_index = (embedder, embed_cards(cards, embedder, index.card_vectors))
            _CACHE[index] = per_index
        return per_index[1]
