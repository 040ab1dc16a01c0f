"""Answers to bibliography questions from the reference cards.

``answer_from_cards`` reads a question into card filters (``card_query.parse``), decides
whether the cards answer it (``routes``) and lists the matching references, each with
its footnote, how many sources share that footnote, and the sentence that cites it
(quoted as a numbered source). When no reference fits, the answer says so and counts as
declined. The routing parameters live in ``card_route.json`` (refit per fold with
``tune.cards.fit``).
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from bronwijzer.cite.card_query import (CardQuery, Selection, footnote_count, lexical_names, parse,
                                        select)
from bronwijzer.cite.cards import Card, cards_of, terms
from bronwijzer.cite.lookup import reference_set
from bronwijzer.records import Answer, Citation, Hit, Source
from bronwijzer.text import MARKER, fold

ROUTE_FILE = Path(__file__).with_name("card_route.json")
# Used when the file is missing or unreadable (the values it was first written with).
DEFAULT_ROUTE = {"max_residual": 1, "name_margin": 0.05, "name_spread": 0.03,
                 "max_name_words": 4}


# A question whose name matches no card is answered "none is by X" only when X's words
# are at least this share of its name words (a convention: the question is about X, not
# about a passage that mentions X; tuning has one question each way).
NONE_SHARE = 0.5
# A "claim" that is only written names ("which cited report is by the X Institute") is a
# source's name: when no card is by it, the cards say so.
_NAME_TOKEN = re.compile(r"^(?:[A-ZÀ-Þ][\w'&.-]*|\d+)$")

_OVERRIDE: list[dict] = []  # parameters set by ``using_route`` (fitting only)


@lru_cache(maxsize=4)
def load_route(path: str = str(ROUTE_FILE)) -> dict:
    """The routing parameters of ``card_route.json`` (defaults when it cannot be read)."""
    try:
        stored = json.loads(Path(path).read_text(encoding="utf-8"))
        return {k: stored.get(k, v) for k, v in DEFAULT_ROUTE.items()}
    except (OSError, ValueError, AttributeError):
        return dict(DEFAULT_ROUTE)


def current_route() -> dict:
    """The parameters in use: those of ``using_route`` while it runs, else the stored ones."""
    return _OVERRIDE[-1] if _OVERRIDE else load_route()


@contextmanager
def using_route(params: dict):
    """Answer with other routing parameters inside the ``with`` block (for fitting; one
    fit at a time: the parameters hold for every engine of the process)."""
    _OVERRIDE.append({**DEFAULT_ROUTE, **params})
    try:
        yield
    finally:
        _OVERRIDE.pop()


def residual(q: CardQuery, left: tuple[str, ...]) -> int:
    """How many words of a question neither frame, filter nor name explain (names that
    match no card do not count: they make the answer "none")."""
    return len([w for w in left if w not in q.named])


def routes(q: CardQuery, left: tuple[str, ...], named: bool, params: dict) -> bool:
    """Whether the cards answer a question.

    A question goes to the cards when it speaks of sources, sets a filter or names a
    source, and its ``residual`` is at most ``max_residual``.

    Args:
        q: the parsed question.
        left: name words no card explains.
        named: whether a card matched the name.
        params: the routing parameters.

    Returns:
        True to answer from the cards.
    """
    if not q.bibliographic or q.footnotes:
        return False  # a question naming a footnote goes to the footnote lookup
    if residual(q, left) > params["max_residual"]:
        return False
    unknown = set(left) & set(q.named)
    if not (q.structural or named) and unknown:
        # "none of the sources is by X" only where X is what the question is about
        return len(unknown) >= NONE_SHARE * len(q.name_words)
    return q.structural or named


def names_only(question: str) -> bool:
    """Whether a claim question's claim is only written names (a source's name)."""
    from bronwijzer.cite.detect import claim_span
    tokens = claim_span(question).split()
    return bool(tokens) and all(_NAME_TOKEN.match(t) for t in tokens)


def citation_kind(question: str, vector, fingerprint: str | None) -> str:
    """The citation detector's kind of the question (``cite.detect.KINDS``).

    Without a filter only bibliography questions set, a "claim" question goes to the
    claim lookup (on tuning the cards lost such questions out of fold), as does one
    asking what a source says (``content`` words); a "set" or "source" question whose
    name or kind the reference lookup spells alike stays with that lookup.
    """
    from bronwijzer.cite.detect import classify
    return classify(question, vector, fingerprint)[0]


def _phrase(key: str, lang: str, **values) -> str:
    table = terms()["phrases"][key]
    return table.get(lang, table["en"]).format(**values)


def _name_shown(q: CardQuery, left: tuple[str, ...], named: bool) -> str:
    """The name as the question writes it: all of it when a card matched every word,
    else the words some card holds, else the words written as names."""
    if named and not left:
        return q.shown
    keep = {w for w in q.name_words if w not in left} if named else set(left) & set(q.named)
    return " ".join(w for w in q.shown.split() if fold(w) in keep)


def describe(q: CardQuery, lang: str, left: tuple[str, ...], named: bool, most: int = 0) -> str:
    """The filters of a question in words ("from 2023, without a year ..."); ``most``:
    the footnote count of the most cited work, when asked."""
    parts = []
    if q.years:
        parts.append(_phrase("year", lang, years=", ".join(map(str, q.years))))
    if q.before:
        parts.append(_phrase("before", lang, year=q.before))
    if q.after:
        parts.append(_phrase("after", lang, year=q.after))
    for flag in ("no_year", "several", "same_title", "same_author"):
        if getattr(q, flag):
            parts.append(_phrase(flag, lang))
    if q.most_cited:
        parts.append(_phrase("most_cited", lang, k=most))
    if q.position:
        parts.append(_phrase(f"at_{q.position}", lang))
    if q.extreme:
        parts.append(_phrase(q.extreme, lang))
    if q.kinds and not named:  # a matched name stands for its kind
        names = terms()["phrases"]["kind_names"]
        shown = names.get(lang, names["en"])
        parts.append(_phrase("kind", lang, kinds=", ".join(shown.get(k, k) for k in q.kinds)))
    if named or set(left) & set(q.named):
        parts.append(_phrase("name", lang, name=_name_shown(q, left, named)))
    return ", ".join(parts)


def _sup(text: str) -> str:
    """Footnote markers as superscripts, so that ``[k]`` in an answer means source k."""
    digits = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    return MARKER.sub(lambda m: f"⁽{m.group(1).translate(digits)}⁾", text).replace(" ⁽", "⁽")


def _item(card: Card, lang: str, number: int | None) -> str:
    """One card in the answer: reference, footnote (and its other sources), citing sentence."""
    note = _phrase("footnote", lang, n=card.footnote)
    if card.shared > 1:
        note += ", " + _phrase("shared", lang, k=card.shared)
    item = f"{card.reference.raw} ({note})"
    if card.citing:
        item += f" «{_sup(card.citing[0].sentence)}»"
    return item + (f" [{number}]" if number else "")


def _sources(cards: list[Card], index) -> tuple[list[Source], dict[int, int]]:
    """One numbered source per citing passage (quoting the first citing sentence there);
    the passages that cite the most of the cards come first, then in card order."""
    by_id = index.by_id
    placed = [(i, c.citing[0]) for i, c in enumerate(cards)
              if c.citing and c.citing[0].passage_id in by_id]
    count: dict[str, int] = {}
    for _, citing in placed:
        count[citing.passage_id] = count.get(citing.passage_id, 0) + 1
    order = sorted(dict.fromkeys(c.passage_id for _, c in placed), key=lambda p: -count[p])
    # (cards come ordered by relevance: ties keep that order)
    numbers = {pid: n for n, pid in enumerate(order, 1)}
    first = {}
    for _, citing in placed:
        first.setdefault(citing.passage_id, citing)
    of_doc: dict[str, list] = {}  # each document's references, in index order
    for r in index.references:
        of_doc.setdefault(r.doc, []).append(r)
    sources: list[Source] = []
    for pid in order:
        citing = first[pid]
        passage = by_id[pid]
        start = max(passage.text.find(citing.sentence), 0)
        refs = tuple(r for r in of_doc.get(passage.doc, ()) if r.footnote in passage.footnotes)
        hit = Hit(passage=passage, score=1.0, rank=numbers[pid])
        sources.append(Source(numbers[pid], hit, citing.sentence, start,
                              start + len(citing.sentence), refs))
    return sources, {i: numbers[c.passage_id] for i, c in placed}


def by_relevance(cards: list[Card], cardset, vector) -> list[Card]:
    """The cards, the closest to the question's vector (by their "what" vectors) first."""
    if vector is None or not cards:
        return cards
    row = {id(c): i for i, c in enumerate(cardset.cards)}
    scores = cardset.what @ np.asarray(vector, dtype=np.float32)
    return sorted(cards, key=lambda c: -float(scores[row[id(c)]]))


def cards_answer(question: str, lang: str, q: CardQuery, found: Selection, index,
                 hits: list[Hit]) -> Answer:
    """The answer listing ``cards`` (or saying that none fits, declined).

    Args:
        question: the question; lang: the answer's language.
        q: the parsed question; found: the ``Selection`` of ``card_query.select``.
        index: the loaded index; hits: the question's retrieved passages (ranked after
            the citing passages).

    Returns:
        An ``Answer`` of kind ``cite-cards``.
    """
    cards, left = list(found.cards), found.left
    most = footnote_count(cards[0], index.references) if cards and q.most_cited else 0
    what = describe(q, lang, left, found.named, most)
    if not cards:
        total = len({(r.doc, r.footnote, r.position) for r in index.references})
        return Answer(question=question, lang=lang, text=_phrase("none", lang, total=total,
                                                                 what=what),
                      abstained=True, confidence=0.0, hits=tuple(hits), kind="cite-cards",
                      extra={"reason": _phrase("none-reason", lang),
                             "residual": residual(q, left)})
    sources, number_of = _sources(cards, index)
    items = [_item(c, lang, number_of.get(i)) for i, c in enumerate(cards)]
    footnotes = len({(c.doc, c.footnote) for c in cards})
    if q.most_cited and most == 1:  # no work stands in more than one footnote
        head = _phrase("most_even", lang, n=len(cards), m=footnotes)
    elif q.every and not what:
        head = _phrase("every", lang, n=len(cards), m=footnotes)
    else:
        head = _phrase("head", lang, n=len(cards), what=what)
    citations = tuple(Citation(c.footnote, c.reference.position, c.reference.raw,
                               c.reference.url, c.doc) for c in cards)
    first = [s.hit for s in sources]
    ids = {h.passage.id for h in first}
    ranked = first + [h for h in hits if h.passage.id not in ids]
    ranked = [Hit(h.passage, h.score, r, h.dense, h.bm25) for r, h in enumerate(ranked, 1)]
    return Answer(question=question, lang=lang, text=" ".join([head, "; ".join(items)]),
                  abstained=False, confidence=1.0, sources=tuple(sources),
                  citations=citations, hits=tuple(ranked[:max(len(hits), len(first))]),
                  kind="cite-cards", extra={"cards": len(cards), "residual": residual(q, left)})


def answer_from_cards(retriever, question: str, vector, hits: list[Hit], lang: str,
                      params: dict | None = None) -> Answer | None:
    """The cards' answer to a bibliography question, or None for other questions.

    Args:
        retriever: the retriever over the loaded index (``.index``, ``.embedder``).
        question: the question; vector: its query vector (orders the cards; a name is
            encoded on its own, only when a name must be matched by vector); hits: its
            passages.
        lang: the answer's language.
        params: routing parameters (default: ``current_route()``).

    Returns:
        A ``cite-cards`` answer, or None when the question is not for the cards.
    """
    params = params or current_route()
    q = parse(question)
    if not q.bibliographic or not (q.structural or q.name_words or q.name):
        return None
    embedder = retriever.embedder
    kind = citation_kind(question, vector, getattr(embedder, "fingerprint", None))
    claim_name = kind == "claim" and not q.strong and names_only(question)
    if not q.strong and ((kind == "claim" and not claim_name)
                         or re.search(terms()["content"], fold(question))):
        return None
    cardset = cards_of(retriever.index, embedder)
    if not cardset.cards:
        return None

    def name_vector():
        return embedder.embed_batch([q.name], kind="query")[0]
    found = select(cardset, q, name_vector, params["name_margin"], params["name_spread"],
                   params["max_name_words"])
    if not routes(q, found.left, found.named, params) or (claim_name and found.named):
        return None  # a claim naming a cited source goes to the source lookup (cite.answers)
    spelt = found.named and lexical_names(cardset.cards, q.name_words, q.named)[0]
    by_kind = (q.kinds and found.cards and not found.named
               and reference_set(q.shown, retriever.index.references))
    if kind in ("set", "source") and not q.strong and (spelt or by_kind):
        return None  # the reference lookup answers names spelt alike and kinds
    found = replace(found, cards=tuple(by_relevance(list(found.cards), cardset, vector)))
    return cards_answer(question, lang, q, found, retriever.index, hits)
