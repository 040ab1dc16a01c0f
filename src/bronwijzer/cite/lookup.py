"""Citation lookup: footnotes, sources, claims, and the sentences that make a claim.

Every function takes a ``retriever`` (``search.retrieve.Retriever``: its ``index``,
``search`` and ``embed_queries``); the engine passes its own. The lookups return frozen
records (``FootnoteLookup``, ``SourceLookup``, ``ClaimLookup``); ``present.dicts`` turns
them into the JSON documented in the README. ``cite.answers`` builds answers on them.
"""

from __future__ import annotations

import re

from bronwijzer.cite.references import citing_sentences, find_references, footnote_refs, resolve_doc
from bronwijzer.errors import CiteError
from bronwijzer.index.chunk import footnotes_in
from bronwijzer.index.lexical import tokenize
from bronwijzer.quotes import FRAME_TERMS, shared_terms
from bronwijzer.records import (
    CitedSource,
    ClaimLookup,
    ClaimMatch,
    FootnoteLookup,
    Passage,
    Reference,
    SourceLookup,
)
from bronwijzer.settings import TUNING

# Words for the government as a publisher ("bronnen van de rijksoverheid").
_GOVERNMENT = re.compile(r"\b(?:rijksoverheid|overheid|government|rijk|kabinet|cabinet"
                         r"|ministeri\w*|ministr\w*)\b", re.I)


def article_passages(index) -> list[Passage]:
    """The passages of the articles themselves (not of the cited sources' documents)."""
    return [p for p in index.passages if p.source_of is None]


def _source_passages(retriever, ref: Reference, query: str, k: int = 3) -> tuple:
    """Passages of a cited source's own document that best match ``query``."""
    key = (ref.footnote, ref.position)
    if not any(p.source_of == key for p in retriever.index.passages):
        return ()
    return tuple(retriever.search(query, k, where=lambda p: p.source_of == key))


def cite_footnote(retriever, n: int, doc: str | None = None) -> FootnoteLookup:
    """Footnote ``n`` of a document: its references, the sentences that carry it, the
    source's passages.

    Args:
        retriever: the search over the loaded index.
        n: the footnote number.
        doc: the document (name, file name or stem); needed only when several
            documents have footnotes.

    Returns:
        The ``FootnoteLookup``.

    Raises:
        CiteError: when the document has no footnote ``n``, or the document is unclear.
    """
    index = retriever.index
    doc = resolve_doc(index.references, doc)
    refs = footnote_refs(n, index.references, doc)
    citing = tuple(citing_sentences(article_passages(index), n, doc))
    query = " ".join(c.sentence for c in citing) or refs[0].title
    return FootnoteLookup(doc=doc, footnote=n, citing=citing, references=tuple(
        CitedSource(r, _source_passages(retriever, r, query)) for r in refs))


def cite_source(retriever, text: str) -> SourceLookup:
    """References matching an author, organisation, title word or year, with where they are used.

    Args:
        retriever: the search over the loaded index.
        text: what to look for.

    Returns:
        The ``SourceLookup``, best match first.

    Raises:
        CiteError: when no reference matches.
    """
    index = retriever.index
    matches = find_references(text, index.references)
    if not matches:
        raise CiteError(f"no cited source matches {text!r}")
    article = article_passages(index)
    return SourceLookup(query=text, matches=tuple(
        CitedSource(r, score=score, citing=tuple(citing_sentences(article, r.footnote, r.doc)))
        for r, score in matches))


def cite_claim(retriever, text: str, k: int = 5, vector=None) -> ClaimLookup:
    """The footnoted sentences of the article that make a claim, best first.

    Every sentence that carries a footnote marker is scored by the cosine of its
    own vector to the claim, plus a small share of its passage's hybrid score.

    Args:
        retriever: the search over the loaded index.
        text: the claim.
        k: how many sentences.
        vector: the query vector when the caller has one (a question is encoded
            once); else the claim is embedded here.

    Returns:
        The ``ClaimLookup``.

    Raises:
        CiteError: when the article has no footnoted sentences.
    """
    index = retriever.index
    if vector is None:
        vector = retriever.embed_queries([text])[0]
    candidates = marked_sentences(index)
    if not candidates:
        raise CiteError("the corpus has no footnoted sentences")
    passage_scores = {h.passage.id: h.score for h in retriever.search(
        text, len(index.passages), vector=vector, where=lambda p: bool(p.footnotes))}
    top = max(passage_scores.values(), default=1.0) or 1.0
    scored = sorted(((index.sentence_cosine(row, position, vector)
                      + TUNING.claim_passage_weight * passage_scores.get(p.id, 0.0) / top,
                      p, s, e, notes)
                     for row, position, p, s, e, notes in candidates), key=lambda c: -c[0])
    matches = []
    for score, passage, start, end, notes in scored[:k]:
        refs = [r for r in index.references if r.footnote in notes and r.doc == passage.doc]
        matches.append(ClaimMatch(score, passage, start, end, tuple(notes), tuple(
            CitedSource(r, _source_passages(retriever, r, text)) for r in refs)))
    return ClaimLookup(claim=text, matches=tuple(matches))


def marked_sentences(index) -> list[tuple[int, int, Passage, int, int, list[int]]]:
    """Every article sentence with a footnote marker.

    Returns:
        ``(passage row, sentence position, passage, start, end, footnotes)`` tuples.
    """
    result = []
    for row, (passage, spans) in enumerate(zip(index.passages, index.sentence_spans)):
        if passage.source_of or not passage.footnotes:
            continue
        for position, (start, end) in enumerate(spans):
            notes = [n for n in footnotes_in(passage.text[start:end]) if n in passage.footnotes]
            if notes:
                result.append((row, position, passage, start, end, notes))
    return result


def claim_sentences(retriever, claim: str, vector) -> list[tuple]:
    """Every article sentence scored against a claim, best first.

    The score is the cosine of the sentence's own vector to the claim, plus a
    small share of its passage's hybrid score, plus a small share for the claim's
    terms that the sentence holds.

    Args:
        retriever: the search over the loaded index.
        claim: the statement.
        vector: the query vector (the question's own: a question is encoded once).

    Returns:
        ``(score, passage, start, end, footnotes, position)`` tuples (position:
        the sentence's place in its passage).
    """
    index = retriever.index
    scores = {h.passage.id: h.score for h in retriever.search(
        claim, len(index.passages), vector=vector, where=lambda p: p.source_of is None)}
    top = max(scores.values(), default=1.0) or 1.0
    terms = set(tokenize([claim])[0]) - FRAME_TERMS if TUNING.claim_lexical_weight else set()
    rows = []
    for row, (passage, spans) in enumerate(zip(index.passages, index.sentence_spans)):
        if passage.source_of is not None or not spans:
            continue
        cosines = index.sentences_of(row) @ vector
        bonus = TUNING.claim_passage_weight * scores.get(passage.id, 0.0) / top
        for position, ((start, end), cosine) in enumerate(zip(spans, cosines)):
            notes = [n for n in footnotes_in(passage.text[start:end]) if n in passage.footnotes]
            lexical = TUNING.claim_lexical_weight * shared_terms(terms, passage.text[start:end])
            rows.append((float(cosine) + bonus + lexical, passage, start, end, notes, position))
    return sorted(rows, key=lambda r: -r[0])


def claim_evidence(rows: list[tuple]) -> tuple[tuple | None, tuple | None]:
    """Which sentence backs a claim: ``(footnoted, unfootnoted)``, at most one set.

    The best sentence when it has a footnote; else the best footnoted sentence
    within ``TUNING.claim_window`` sentences of it in its passage; else the best
    footnoted sentence anywhere within ``TUNING.claim_footnote_margin``; else the best
    sentence itself, as the unfootnoted one. ``(None, None)`` when no sentence
    reaches ``TUNING.claim_min_score`` (the text does not make the claim).

    Args:
        rows: from ``claim_sentences``, best first.

    Returns:
        the footnoted row, or the unfootnoted best row.
    """
    if not rows or rows[0][0] < TUNING.claim_min_score:
        return None, None
    best = rows[0]
    if best[4]:
        return best, None
    near = [r for r in rows if r[4] and r[1].id == best[1].id
            and abs(r[5] - best[5]) <= TUNING.claim_window]
    if near:
        return near[0], None
    noted = next((r for r in rows if r[4]), None)
    if noted is not None and noted[0] >= best[0] - TUNING.claim_footnote_margin:
        return noted, None
    return None, best


def reference_set(query: str, refs) -> list[Reference]:
    """The references a set question asks for (publisher, author, title word, year).

    Government words ("rijksoverheid", "government") also match ministries.

    Args:
        query: the set's description.
        refs: every reference of the index.

    Returns:
        The references scoring within ``TUNING.set_score_share`` of the best, in
        footnote order.
    """
    if _GOVERNMENT.search(query):
        query = _GOVERNMENT.sub(" ", query)
        gov = [r for r in refs
               if _GOVERNMENT.search(" ".join(r.authors) + " " + (r.publisher or ""))]
        rest = [r for r, _ in find_references(query, gov)] if query.strip() else []
        return sorted(rest or gov, key=lambda r: (r.footnote, r.position))
    matches = find_references(query, refs)
    if not matches:
        return []
    best = matches[0][1]
    return sorted((r for r, s in matches if s >= best * TUNING.set_score_share),
                  key=lambda r: (r.footnote, r.position))
