"""Scoring the article's sentences against a claim with more than the question's vector.

A claim question ("which advisory report backs the call to ...") is encoded once as a
whole, and that vector carries its framing: the publisher it names, "which report", "backs".
``claim_rows`` scores every article sentence twice through ``cite.lookup.claim_sentences``
(cosine, passage share, shared terms): once against the question's vector and once
against the claim alone, encoded without the words that name a cited source (an
author's or organisation's one-word name from the reference list: that word describes
the source, not the claim, and draws the sentences that mention the organisation).
The two scores are mixed by ``TUNING.claim_vector_weight`` (chosen per fold by
``tune.constants``).

Then, for ``cite.answers``: ``placed_evidence`` takes the mark a question places right
before or after the claim; ``quoted_spans`` is what the answer quotes (the run from the
claim's sentence to its footnote mark); ``named_source`` sends a "claim" that is only a
source's name to the source lookup.
"""

from __future__ import annotations

import re

from bronwijzer.cite.lookup import claim_sentences
from bronwijzer.index.lexical import tokenize
from bronwijzer.memo import by_identity
from bronwijzer.quotes import FRAME_TERMS
from bronwijzer.settings import TUNING

# A question that places the citation next to the claim ("right before the text says
# that ..."): the mark sits in the nearest marked sentence on that side, in any passage.
_BEFORE = re.compile(r"\b(?:right|just|immediately|directly)\s+before\b"
                     r"|\b(?:vlak|net|kort|direct)\s+(?:voordat|voorafgaand)\b|\b(?:vlak|net)\s+voor\b",
                     re.I)
_AFTER = re.compile(r"\b(?:right|just|immediately|directly)\s+after\b"
                    r"|\b(?:vlak|net|kort|direct)\s+(?:nadat|na)\b", re.I)


def placed_evidence(question: str, index, rows: list[tuple]) -> tuple | None:
    """The marked sentence a question places right before or after the claim's sentence.

    Args:
        question: the question ("right before the article notes that ...").
        index: the loaded index (passage rows give the text order).
        rows: the scored rows, best first; the best is the claim's sentence.

    Returns:
        The nearest footnoted row on the side the question names, in the best row's
        document; None when the question names no side or there is none.
    """
    side = -1 if _BEFORE.search(question) else 1 if _AFTER.search(question) else 0
    if not side or not rows:
        return None
    order = index.rows

    def place(row):
        return order[row[1].id], row[5]
    best = rows[0]
    here = place(best)
    marked = [r for r in rows if r[4] and r[1].doc == best[1].doc
              and (place(r) < here if side < 0 else place(r) > here)]
    if not marked:
        return None
    return (max if side < 0 else min)(marked, key=place)


@by_identity()
def source_names(refs) -> frozenset[str]:
    """The stemmed one-word author and publisher names of the references (made once per
    index's reference tuple: ``memo.by_identity``).

    Args:
        refs: the index's references.

    Returns:
        The names (e.g. "oecd", "cbs"): names of more words ("Ministerie van ...")
        are left out, their words being ordinary words of claims too.
    """
    names = set()
    for ref in refs:
        for name in (*ref.authors, ref.publisher or ""):
            tokens = tokenize([name])[0] if name.strip() else []
            if len(tokens) == 1:
                names.add(tokens[0])
    return frozenset(names)


def claim_query(claim: str, names: frozenset[str]) -> str:
    """The claim without the words that name a cited source (the claim when none is left).

    Args:
        claim: the claim span of the question.
        names: from ``source_names``.

    Returns:
        The claim to encode on its own.
    """
    kept = [w for w in claim.split() if not set(tokenize([w])[0]) & names]
    return " ".join(kept) or claim


def named_source(claim: str, names: frozenset[str]) -> str | None:
    """The source a "claim" names when the claim is little more than that name ("the
    proposal where Stadszaken is cited"): the name words, or None.

    Args:
        claim: the claim span of the question.
        names: from ``source_names``.

    Returns:
        The words that name a source when at most one other term is left, else None.
    """
    words = claim.split()
    named = [w for w in words if set(tokenize([w])[0]) & names]
    rest = tokenize([" ".join(w for w in words if w not in named)])[0]
    if not named or len(set(rest) - FRAME_TERMS) > 1:
        return None
    return " ".join(named)


def mixed(question_rows: list[tuple], claim_rows_: list[tuple], weight: float) -> list[tuple]:
    """Rows scored ``(1 - weight) x`` the first score ``+ weight x`` the second, best first.

    A sentence missing from one list (a lookup that returns only its best rows) scores
    that list's lowest score there.

    Args:
        question_rows: ``claim_sentences`` rows scored with the question's vector.
        claim_rows_: the same sentences scored with the claim's own vector.
        weight: the claim's share in [0, 1].

    Returns:
        ``claim_sentences`` rows with the mixed score.
    """
    def key(row):
        return row[1].id, row[5]
    first = {key(r): r[0] for r in question_rows}
    second = {key(r): r[0] for r in claim_rows_}
    floor_first = min(first.values(), default=0.0)
    floor_second = min(second.values(), default=0.0)
    rows = {key(r): r for r in [*claim_rows_, *question_rows]}
    out = [((1 - weight) * first.get(k, floor_first) + weight * second.get(k, floor_second),
            *row[1:]) for k, row in rows.items()]
    return sorted(out, key=lambda r: -r[0])


def claim_rows(retriever, question: str, claim: str, vector) -> list[tuple]:
    """Every article sentence scored against a claim question, best first.

    Args:
        retriever: the search over the loaded index.
        question: the whole question.
        claim: its claim span (``cite.detect.claim_span``), or "".
        vector: the question's vector.

    Returns:
        ``claim_sentences`` rows: ``(score, passage, start, end, footnotes, position)``.
    """
    rows = claim_sentences(retriever, claim or question, vector)
    weight = TUNING.claim_vector_weight
    if weight and claim:
        own = claim_query(claim, source_names(retriever.index.references))
        claim_vector = retriever.embed_queries([own])[0]
        rows = mixed(rows, claim_sentences(retriever, own, claim_vector), weight)
    return rows


def quoted_spans(index, noted: tuple, lead: tuple, rows: list[tuple]) -> list[tuple]:
    """What a claim answer quotes: the sentences from the claim's own sentence to the one
    whose footnote backs it, one run of the passage in text order (after the claim's
    sentence when that lies elsewhere).

    A footnote mark often closes the sentence before or after the one that makes the
    claim, and a claim may run over two sentences. When the claim's sentence is the
    marked one (or lies elsewhere), the run is the marked sentence with its neighbours,
    the better-scoring against the claim first, as far as ``TUNING.claim_quote_chars``
    allows.

    Args:
        index: the loaded index.
        noted: the ``claim_sentences`` row whose footnote backs the claim.
        lead: the best row (the sentence that makes the claim).
        rows: every scored row, for the neighbours' scores.

    Returns:
        ``(passage, start, end)`` of each quote, the claim's sentence first.
    """
    passage, position = noted[1], noted[5]
    spans = index.sentence_spans[index.rows[passage.id]]
    low = high = position
    near_lead = lead[1].id == passage.id and abs(lead[5] - position) <= TUNING.claim_window
    if near_lead:
        low, high = min(lead[5], position), max(lead[5], position)
    if low == high:
        score = {r[5]: r[0] for r in rows if r[1].id == passage.id}
        near = [p for p in (position - 1, position + 1) if 0 <= p < len(spans)]
        for p in sorted(near, key=lambda p: -score.get(p, float("-inf"))):
            if spans[max(high, p)][1] - spans[min(low, p)][0] <= TUNING.claim_quote_chars:
                low, high = min(low, p), max(high, p)
    if spans[high][1] - spans[low][0] > TUNING.claim_quote_chars:
        low = high = position
    run = (passage, spans[low][0], spans[high][1])
    return [run] if near_lead or lead is noted else [(lead[1], lead[2], lead[3]), run]
