"""Reading a bibliography question into filters over the reference cards.

The filters come from generic wordings (``card_terms.json``), in Dutch and English: a
year in the question ("in 2023", "before 2024"), no year ("geen jaartal", "undated"),
several sources in one footnote ("meer dan één bron", "more than one source"), the
article's own title ("dezelfde titel", "shares its title"), a place in the text ("aan
het slot", "at the end"), the earliest or latest year ("de oudste", "most recent"), all
sources ("hoeveel bronnen", "how many sources"), a kind of publisher ("ministerie",
"newspaper"), and a name:
the words left when frame, filter and kind words are taken out, matched to the cards'
authors and publishers by spelling, else by the cards' vectors (so "the Dutch central
bank" finds a Dutch-named bank without a translation table). Function words are the
Dutch and English stop-word lists of bm25s, plus the frame words of ``card_terms.json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from bronwijzer.cite.cards import Card, CardSet, terms, words
from bronwijzer.text import fold

# A place in the text: "the end" is the last third of the document, "the start" the
# first third (a convention, not fitted: tuning has no question about a place).
END_SHARE = 2 / 3
START_SHARE = 1 / 3
# A card repeats the article's title when its title holds this share of the title's
# words (a convention: "Ruimte voor X" repeats a two-word title only when both are there).
TITLE_SHARE = 0.8


@dataclass(frozen=True)
class CardQuery:
    """The filters a question sets, and the words that are left."""

    bibliographic: bool
    years: tuple[int, ...] = ()
    before: int | None = None
    after: int | None = None
    no_year: bool = False
    several: bool = False
    same_title: bool = False
    position: str | None = None
    extreme: str | None = None  # "oldest" or "newest": only the cards of that year
    every: bool = False  # all sources asked for ("how many sources", "all references")
    same_author: bool = False  # by an author with more than one cited work
    most_cited: bool = False  # the sources cited in the most footnotes
    kinds: tuple[str, ...] = ()
    name: str = ""
    name_words: tuple[str, ...] = ()
    named: tuple[str, ...] = field(default=())  # name words written as names (capitals)
    footnotes: tuple[int, ...] = ()  # footnote numbers the question names (not a filter alone)
    shown: str = ""  # the name as the question spells it

    @property
    def strong(self) -> bool:
        """Whether a filter only a bibliography question sets is there (a year, no year,
        several sources, the article's title, a place in the text, the earliest or latest
        year, all sources)."""
        return bool(self.years or self.before or self.after or self.no_year or self.several
                    or self.same_title or self.position or self.extreme or self.every
                    or self.same_author or self.most_cited)

    @property
    def structural(self) -> bool:
        """Whether a filter other than a name is set."""
        return self.strong or bool(self.kinds)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Dutch and English function words (the lists bm25s ships), folded."""
    from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN_PLUS
    return frozenset(fold(w) for w in (*STOPWORDS_DUTCH, *STOPWORDS_EN_PLUS))


@dataclass(frozen=True)
class Selection:
    """The cards a question asks for (in card order), the name words no card explains,
    and whether a card matched the name."""

    cards: tuple[Card, ...]
    left: tuple[str, ...]
    named: bool


def _cut(pattern: str, text: str) -> tuple[bool, str]:
    """Whether ``pattern`` occurs in ``text``, and the text without its matches."""
    found = re.search(pattern, text) is not None
    return found, re.sub(pattern, " ", text) if found else text


def _names_in(question: str) -> set[str]:
    """Folded words written with a capital or in capitals, not first in the question."""
    tokens = re.findall(r"\w+", question)
    return {fold(t) for t in tokens[1:] if t[:1].isupper() or (len(t) > 1 and t.isupper())}


def parse(question: str) -> CardQuery:
    """The filters of a question about the references.

    Args:
        question: the question, in any wording, Dutch or English.

    Returns:
        A ``CardQuery``; ``bibliographic`` says whether it speaks of sources at all.
    """
    t = terms()
    text = " ".join(fold(question).split())
    footnotes = tuple(int(n) for n in re.findall(t["footnote_number"], text))
    text = re.sub(t["footnote_number"], " ", text)
    found: dict[str, bool] = {}
    for name, patterns in t["filters"].items():
        hit = False
        for pattern in patterns:
            matched, text = _cut(pattern, text)
            hit = hit or matched
        found[name] = hit
    before = [int(y) for y in re.findall(t["year_before"], text)]
    after = [int(y) for y in re.findall(t["year_after"], text)]
    text = re.sub(t["year_before"] + "|" + t["year_after"], " ", text)
    years = tuple(int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", text))
    text = re.sub(r"\b(?:19|20)\d\d\b", " ", text)
    bibliographic = re.search(t["bibliographic"], fold(question)) is not None
    text = re.sub(t["bibliographic"], " ", text)
    kinds = tuple(k for k, pattern in t["kind_words"].items() if re.search(pattern, text))
    frame = set(t["frame"].split()) | stopwords()
    name_words = tuple(w for w in words(text) if w not in frame and len(w) > 1)
    rest = [w for w in name_words if not any(re.search(p, w) for p in t["kind_words"].values())]
    return CardQuery(bibliographic=bibliographic, years=years,
                     before=min(before) if before else None, after=max(after) if after else None,
                     no_year=found["no_year"], several=found["several"],
                     same_title=found["same_title"],
                     position="end" if found["at_end"] else "start" if found["at_start"] else None,
                     extreme="oldest" if found["oldest"] else "newest" if found["newest"] else None,
                     every=found["every"], same_author=found["same_author"],
                     most_cited=found["most_cited"], kinds=kinds, name=" ".join(name_words),
                     name_words=tuple(rest),
                     named=tuple(w for w in rest if w in _names_in(question)),
                     footnotes=footnotes, shown=_spelt(question, name_words))


def _spelt(question: str, name_words: tuple[str, ...]) -> str:
    """The name words as the question writes them (case and accents kept)."""
    spelling = {fold(t): t for t in re.findall(r"\w+", question)}
    return " ".join(spelling.get(w, w) for w in name_words)


def lexical_names(cards: tuple[Card, ...], name_words: tuple[str, ...],
                  named: tuple[str, ...] = ()) -> tuple[list[int], set[str]]:
    """The cards whose authors, publisher or acronyms hold the most name words.

    A word matches when spelt alike; a word written as a name (in ``named``) also
    when it and a card's word share all but their last three letters ("Koelemay"), and
    it may also match a word of the title (a title named with capitals).

    Args:
        cards: the cards.
        name_words: folded words of a name.
        named: those of them written as names.

    Returns:
        ``(row numbers of the matching cards, the name words some card holds)``.
    """
    def close(word: str, own: frozenset[str], title: frozenset[str]) -> bool:
        if word in own or (word in named and word in title):
            return True
        size = max(5, len(word) - 3)
        return word in named and len(word) >= 6 and any(
            o[:size] == word[:size] and abs(len(o) - len(word)) <= 3 for o in own)
    held = []
    for card in cards:
        held.append({w for w in name_words if close(w, card.name_words, card.title_words)})
    best = max((len(h) for h in held), default=0)
    if not best:
        return [], set()
    return [r for r, h in enumerate(held) if len(h) == best], set().union(*held)


def vector_names(who: np.ndarray, vector, margin: float, spread: float) -> list[int]:
    """The cards a name's vector picks out: the best when it stands ``margin`` above the
    median of all cards, with the others within ``spread`` of it.

    Args:
        who: the cards' "who" vectors.
        vector: the name's query vector.
        margin: how far above the median the best card must be.
        spread: how close to the best another card must be.

    Returns:
        Row numbers, best first (empty when no card stands out).
    """
    if vector is None or not len(who):
        return []
    scores = who @ np.asarray(vector, dtype=np.float32)
    top = float(scores.max())
    if top - float(np.median(scores)) < margin:
        return []
    return [int(i) for i in np.argsort(-scores) if scores[i] >= top - spread]


def _passes(card: Card, q: CardQuery, use_kinds: bool) -> bool:
    """Whether a card meets the question's structural filters."""
    if q.footnotes and card.footnote not in q.footnotes:
        return False
    if q.years and card.year not in q.years:
        return False
    if q.before and (card.year is None or card.year >= q.before):
        return False
    if q.after and (card.year is None or card.year <= q.after):
        return False
    if q.no_year and card.year is not None:
        return False
    if q.several and card.shared < 2:
        return False
    if q.same_title and card.title_overlap < TITLE_SHARE:
        return False
    shares = [c.share for c in card.citing]
    if q.position == "end" and not any(s >= END_SHARE for s in shares):
        return False
    if q.position == "start" and not any(s < START_SHARE for s in shares):
        return False
    return not (use_kinds and q.kinds and not set(q.kinds) & set(card.kinds))


def select(cardset: CardSet, q: CardQuery, name_vector: Callable, margin: float, spread: float,
           max_words: int) -> Selection:
    """The cards a question asks for, and the name words that matched no card.

    Args:
        cardset: the embedded cards.
        q: the parsed question.
        name_vector: returns the query vector of ``q.name`` (called only when the
            name is matched by its vector; it may return None: no vector match).
        margin: see ``vector_names``.
        spread: see ``vector_names``.
        max_words: the longest name (in words) matched by its vector.

    Returns:
        The ``Selection`` (cards in footnote order).
    """
    cards = cardset.cards
    rows, spelt = lexical_names(cards, q.name_words, q.named)
    left = tuple(w for w in q.name_words if w not in spelt)
    if not rows and q.name_words and len(q.name.split()) <= max_words:
        rows = vector_names(cardset.who, name_vector(), margin, spread)
        left = () if rows else left
    if rows:
        chosen = [cards[r] for r in rows if _passes(cards[r], q, use_kinds=False)]
    elif set(left) & set(q.named):
        chosen = []  # a name no card is by
    else:
        chosen = [c for c in cards if _passes(c, q, use_kinds=True)]
    chosen = _of_shared_author(chosen, cards) if q.same_author else chosen
    chosen = _most_cited(chosen, cards) if q.most_cited else chosen
    chosen = sorted(_of_extreme_year(chosen, q.extreme),
                    key=lambda c: (c.doc, c.footnote, c.reference.position))
    return Selection(tuple(chosen), left, bool(rows))


def _work(card) -> tuple:
    """What makes one cited work (of a ``Card`` or a ``Reference``): its document,
    authors, year and title (the same work may stand in several footnotes)."""
    return card.doc, tuple(card.authors), card.year, fold(card.title)


def _author_key(card: Card, author: str) -> tuple[str, str]:
    """An author of a card as compared across cards: its document and the folded name
    before the comma (a person's surname, or the whole of an organisation's name)."""
    return card.doc, fold(author.split(",")[0]).strip()


def _of_shared_author(chosen: list[Card], cards: tuple[Card, ...]) -> list[Card]:
    """The chosen cards by an author (a person's surname or an organisation) that more
    than one cited work of the same document has."""
    works: dict[tuple[str, str], set] = {}
    for card in cards:
        for author in card.authors:
            works.setdefault(_author_key(card, author), set()).add(_work(card))
    return [c for c in chosen if any(len(works[_author_key(c, a)]) > 1 for a in c.authors)]


def _footnotes_by_work(items) -> dict[tuple, set[int]]:
    """The footnotes each work stands in (``items``: cards or references), in one pass."""
    notes: dict[tuple, set[int]] = {}
    for item in items:
        notes.setdefault(_work(item), set()).add(item.footnote)
    return notes


def footnote_count(card: Card, items) -> int:
    """In how many footnotes of its document the card's work is cited.

    Args:
        card: the card.
        items: every card (or every reference) of the index.

    Returns:
        The number of footnotes (at least 1 for a card among ``items``).
    """
    return len(_footnotes_by_work(items).get(_work(card), ()))


def _most_cited(chosen: list[Card], cards: tuple[Card, ...]) -> list[Card]:
    """The chosen cards whose work stands in the most footnotes, one card per work (the
    footnotes of every work counted in one pass: a library has thousands of cards)."""
    notes = _footnotes_by_work(cards)
    top = max((len(notes[_work(c)]) for c in chosen), default=0)
    seen, out = set(), []
    for c in chosen:
        if len(notes[_work(c)]) == top and _work(c) not in seen:
            seen.add(_work(c))
            out.append(c)
    return out


def _of_extreme_year(cards: list[Card], extreme: str | None) -> list[Card]:
    """The cards of the earliest (``"oldest"``) or latest (``"newest"``) year among
    those with a year (all of them when no extreme is asked or none has a year)."""
    years = [c.year for c in cards if c.year is not None]
    if extreme is None or not years:
        return cards
    wanted = min(years) if extreme == "oldest" else max(years)
    return [c for c in cards if c.year == wanted]
