"""Answers to citation questions that need more than one footnote's lookup.

- A claim question looks for the article sentence that makes the claim among
  *all* sentences; when that sentence carries no footnote, the answer says so,
  shows the sentence as source [1] and counts as declined.
- A question about the sources as a set ("which Platform31 publications are
  cited?") is answered from the reference list, each reference with its footnote.
- A question about a footnote the article does not have is declined with the reason.
"""

from __future__ import annotations

import re

from bronwijzer.answer.compose import FRAME_TERMS, footnote_superscripts, refs_of, shared_terms
from bronwijzer.cite.references import citing_sentences, find_references
from bronwijzer.index.chunk import footnotes_in
from bronwijzer.index.lexical import tokenize
from bronwijzer.phrases import phrase
from bronwijzer.records import Answer, Citation, Hit, Reference, Source
from bronwijzer.settings import TUNING

# Claim lookup constants, chosen on the tuning set's claim questions (see the note):
# the text makes the claim when its best sentence scores at least TUNING.claim_min_score;
# a footnoted sentence within TUNING.claim_window sentences of it in the same passage gives
# the source; else one anywhere scoring within TUNING.claim_footnote_margin of it.
# Words for the government as a publisher ("bronnen van de rijksoverheid").
_GOVERNMENT = re.compile(r"\b(?:rijksoverheid|overheid|government|rijk|kabinet|cabinet"
                         r"|ministeri\w*|ministr\w*)\b", re.I)


def claim_sentences(live, claim: str, vector) -> list[tuple]:
    """Every article sentence scored against a claim, best first.

    The score is the cosine of the sentence's own vector to the claim, plus a
    small share of its passage's hybrid score, plus a small share for the claim's
    terms that the sentence holds.

    Args:
        live: the engine's loaded index and retriever.
        claim: the statement.
        vector: the query vector (the question's own: a question is encoded once).

    Returns:
        ``(score, passage, start, end, footnotes, position)`` tuples (position:
        the sentence's place in its passage).
    """
    index = live.index
    article = lambda p: p.source_of is None  # noqa: E731
    scores = {h.passage.id: h.score for h in live.retriever.search(
        claim, len(index.passages), vector=vector, where=article)}
    top = max(scores.values(), default=1.0) or 1.0
    terms = set(tokenize([claim])[0]) - FRAME_TERMS if TUNING.claim_lexical_weight else set()
    rows = []
    for number, (passage, spans) in enumerate(zip(index.passages, index.sentence_spans)):
        if not article(passage) or not spans:
            continue
        first = int(index.sentence_offsets[number])
        cosines = index.sentence_vectors[first:first + len(spans)] @ vector
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


def _ranked(first: list[Hit], hits: list[Hit]) -> tuple[Hit, ...]:
    ids = {h.passage.id for h in first}
    ranked = first + [h for h in hits if h.passage.id not in ids]
    return tuple(Hit(h.passage, h.score, r, h.dense, h.bm25) for r, h in enumerate(ranked, 1))


def no_source_answer(live, question: str, lang: str, row: tuple, hits: list[Hit]) -> Answer:
    """The declined answer for a claim whose sentence carries no footnote."""
    passage, start, end = row[1:4]
    sentence = passage.text[start:end].strip()
    hit = Hit(passage=passage, score=1.0, rank=1)
    source = Source(1, hit, sentence, start, end, refs_of(passage, live.index.references))
    text = f"{phrase('cite-no-source', lang)} «{footnote_superscripts(sentence)}» [1]"
    return Answer(question=question, lang=lang, text=text, abstained=True, confidence=0.0,
                  sources=(source,), hits=_ranked([hit], hits), kind="cite-claim",
                  extra={"reason": phrase("cite-no-source-reason", lang)})


def no_footnote_answer(question: str, lang: str, n: int, refs, hits: list[Hit]) -> Answer:
    """The declined answer for a footnote number the article does not have."""
    numbers = sorted({r.footnote for r in refs})
    have = f"{numbers[0]}–{numbers[-1]}" if numbers else "–"
    text = phrase("cite-no-footnote", lang, n=n, have=have)
    return Answer(question=question, lang=lang, text=text, abstained=True, confidence=0.0,
                  hits=tuple(hits), kind="cite-footnote",
                  extra={"reason": phrase("cite-no-footnote-reason", lang, n=n)})


def reference_set(query: str, refs) -> list[Reference]:
    """The references a set question asks for (publisher, author, title word, year).

    Government words ("rijksoverheid", "government") also match ministries.
    Returns the references scoring within ``TUNING.set_score_share`` of the best, in
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


def set_answer(live, question: str, lang: str, query: str, hits: list[Hit]) -> Answer | None:
    """The answer to a question about the sources as a set, or None when none match.

    Every matching reference is listed with its footnote and ``[k]`` pointing at
    the passage that cites it; ``citations`` holds each reference.
    """
    refs = reference_set(query, live.index.references)
    if not refs:
        return None
    article = [p for p in live.index.passages if p.source_of is None]
    by_id = {p.id: p for p in article}
    sources: list[Source] = []
    items = []
    for ref in refs:
        item = f"{ref.raw} ({phrase('footnote', lang)} {ref.footnote})"
        citing = citing_sentences(article, ref.footnote, ref.doc)
        if citing:
            c = citing[0]
            number = next((s.number for s in sources if s.hit.passage.id == c.passage_id), None)
            if number is None:
                passage = by_id[c.passage_id]
                start = max(passage.text.find(c.sentence), 0)
                number = len(sources) + 1
                sources.append(Source(number, Hit(passage, 1.0, number), c.sentence, start,
                                      start + len(c.sentence), refs_of(passage, refs)))
            item += f" [{number}]"
        items.append(item)
    head = phrase("cite-set", lang, n=len(refs), query=query)
    citations = tuple(Citation(r.footnote, r.position, r.raw, r.url) for r in refs)
    return Answer(question=question, lang=lang, text=" ".join([head, "; ".join(items)]),
                  abstained=False, confidence=1.0, sources=tuple(sources),
                  citations=citations, hits=_ranked([s.hit for s in sources], hits),
                  kind="cite-set")
