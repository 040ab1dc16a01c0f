"""Citation lookup: footnotes, sources, claims, and the sentences that make a claim.

Every function takes a ``retriever`` (``search.retrieve.Retriever``: its ``index``,
``search`` and ``embed_queries``); the engine passes its own. The lookups return frozen
records (``FootnoteLookup``, ``SourceLookup``, ``ClaimLookup``); ``present.dicts`` turns
them into the JSON documented in the README. ``cite.answers`` builds answers on them.
"""

from __future__ import annotations

import re

import numpy as np

from bronwijzer.cite.references import (CitingSentence, citing_sentences, find_references,
                                        footnote_refs, resolve_doc)
from bronwijzer.errors import CiteError
from bronwijzer.index.lexical import tokenize
from bronwijzer.index.passages import DOC, FOOTNOTED
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
from bronwijzer.search.fusion import top_rows
from bronwijzer.settings import TUNING

# Words for the government as a publisher ("bronnen van de rijksoverheid").
_GOVERNMENT = re.compile(r"\b(?:rijksoverheid|overheid|government|rijk|kabinet|cabinet"
                         r"|ministeri\w*|ministr\w*)\b", re.I)


def footnote_citing(index, n: int, doc: str | None = None) -> list[CitingSentence]:
    """``citing_sentences`` of footnote ``n`` (of ``doc``; None: any document) among the
    article passages, reading only the passages whose sentences the index's table of
    marked sentences lists for ``n``: a library's other footnoted passages are not parsed
    and searched again for each footnote asked about.

    Args:
        index: the loaded ``Index``.
        n: the footnote number.
        doc: the document whose footnote it is, or None.

    Returns:
        One entry per distinct sentence, in passage order.
    """
    marked = np.asarray(index.cols.marked)
    rows = np.unique(marked[marked[:, 2] == n, 0]) if len(marked) else marked[:0, 0]
    if doc is not None and len(rows):
        docs = index.cols.docs
        code = docs.index(doc) if doc in docs else -1
        rows = rows[np.asarray(index.cols.table)[rows, DOC] == code]
    return citing_sentences([index.passages[row] for row in rows.tolist()], n, doc)


def _source_passages(retriever, ref: Reference, query: str, k: int = 3) -> tuple:
    """Passages of a cited source's own document that best match ``query``."""
    rows = retriever.index.cols.source_rows((ref.footnote, ref.position))
    if not len(rows):
        return ()
    keep = np.zeros(len(retriever.index.passages), dtype=bool)
    keep[rows] = True
    return tuple(retriever.search(query, k, where=keep))


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
    citing = tuple(footnote_citing(index, n, doc))
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
    return SourceLookup(query=text, matches=tuple(
        CitedSource(r, score=score, citing=tuple(footnote_citing(index, r.footnote, r.doc)))
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
    fused = retriever.fused_scores(text, vector, index.cols.mask(FOOTNOTED))
    top = _top(fused)
    scored = sorted(((index.sentence_cosine(row, position, vector)
                      + TUNING.claim_passage_weight * _score(fused, row) / top,
                      p, s, e, notes)
                     for row, position, p, s, e, notes in candidates), key=lambda c: -c[0])
    matches = []
    for score, passage, start, end, notes in scored[:k]:
        refs = [r for r in index.references if r.footnote in notes and r.doc == passage.doc]
        matches.append(ClaimMatch(score, passage, start, end, tuple(notes), tuple(
            CitedSource(r, _source_passages(retriever, r, text)) for r in refs)))
    return ClaimLookup(claim=text, matches=tuple(matches))


def marked_sentences(index) -> list[tuple[int, int, Passage, int, int, list[int]]]:
    """Every article sentence with a footnote marker (from the index's table of them).

    Returns:
        ``(passage row, sentence position, passage, start, end, footnotes)`` tuples, in
        passage and sentence order.
    """
    result = []
    for row, notes in _marked_rows(index, np.flatnonzero(index.cited_mask)).items():
        passage, spans = index.passages[row], index.sentence_spans[row]
        for position, found in notes.items():
            result.append((row, position, passage, *spans[position], found))
    return result


def _marked_rows(index, rows) -> dict[int, dict[int, list[int]]]:
    """The footnotes of the marked sentences of passages ``rows`` (sorted):
    ``{row: {sentence position: footnotes}}``, only rows with marked sentences."""
    marked = np.asarray(index.cols.marked)
    found: dict[int, dict[int, list[int]]] = {}
    starts = np.searchsorted(marked[:, 0], rows)
    ends = np.searchsorted(marked[:, 0], rows, side="right")
    for row, start, end in zip(np.asarray(rows).tolist(), starts.tolist(), ends.tolist()):
        for _, position, note in marked[start:end].tolist():
            found.setdefault(row, {}).setdefault(position, []).append(note)
    return found


def _top(fused: np.ndarray) -> float:
    """The best finite fused score (1.0 when none, or when it is 0)."""
    finite = fused[np.isfinite(fused)]
    return (float(finite.max()) if len(finite) else 1.0) or 1.0


def _score(fused: np.ndarray, row: int) -> float:
    """A passage's fused score; 0 for a passage the search did not return."""
    value = float(fused[row])
    return value if np.isfinite(value) else 0.0


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
    chosen, fused, top = _claim_candidates(retriever, claim, vector)
    terms = set(tokenize([claim])[0]) - FRAME_TERMS if TUNING.claim_lexical_weight else set()
    marked = _marked_rows(index, np.array(sorted(chosen), dtype=np.int64))
    rows = []
    for row in sorted(chosen):
        passage, spans = index.passages[row], index.sentence_spans[row]
        cosines = index.sentences_of(row) @ vector
        bonus = TUNING.claim_passage_weight * _score(fused, row) / top
        notes = marked.get(row, {})
        for position in chosen[row] or range(len(spans)):
            start, end = spans[position]
            lexical = TUNING.claim_lexical_weight * shared_terms(terms, passage.text[start:end])
            rows.append((float(cosines[position]) + bonus + lexical, passage, start, end,
                         notes.get(position, []), position))
    return sorted(rows, key=lambda r: -r[0])


def _claim_candidates(retriever, claim: str, vector) -> tuple[dict, np.ndarray, float]:
    """The article sentences a claim is scored against, the passages' fused scores and
    the best article passage's (the scale of the passage bonus).

    Up to ``settings.claim_scan_max_passages`` article passages: every sentence of every
    article passage, with the fused scores of a search among the article passages. Above:
    the sentences of the ``settings.candidates`` best article passages of the claim's
    search, and the ``settings.candidates`` best footnote-marked sentences (their vectors
    against the claim's, plus their passage's share of the best fused score); the fused
    scores only where they are read (``Retriever.fused_head_scores``), and only the rows
    fused are looked at, not every passage.

    Returns:
        ``({passage row: sentence positions, or None for all}, fused scores by row (read
        only at article rows), the best article passage's fused score or 1.0)``.
    """
    index, settings = retriever.index, retriever.settings
    if index.claim_passages <= settings.claim_scan_max_passages:
        fused = retriever.fused_scores(claim, vector, index.article_mask)
        return dict.fromkeys(np.flatnonzero(index.claim_mask).tolist()), fused, _top(fused)
    marked = np.asarray(index.cols.marked)
    # read below: the best article passages, the best article passage (the scale of the
    # bonus) and the marked sentences' passages
    rows, fused = retriever.fused_head_scores(
        claim, vector, [(index.claim_mask, settings.candidates),
                        (np.asarray(index.article_mask), 1)],
        marked[:, 0] if len(marked) else None)
    rows = rows[np.isfinite(fused[rows]) & index.article_mask[rows]]
    top = _top(fused[rows])
    found = rows[index.claim_mask[rows]]
    chosen: dict = dict.fromkeys(found[top_rows(fused[found], settings.candidates)].tolist())
    if len(marked):  # (marked sentences are article sentences)
        at = fused[marked[:, 0]]
        bonus = np.where(np.isfinite(at), at, 0.0) / top
        score = index.marked_vectors @ vector + TUNING.claim_passage_weight * bonus
        for row, position, _ in marked[np.argsort(-score, kind="stable")[:settings.candidates]].tolist():
            if row not in chosen or chosen[row] is not None:
                chosen[row] = sorted({*(chosen.get(row) or ()), position})
    return chosen, fused, top


def claim_evidence(rows: list[tuple], footnoted: bool = False) -> tuple[tuple | None, tuple | None]:
    """Which sentence backs a claim: ``(footnoted, unfootnoted)``, at most one set.

    The best sentence when it has a footnote; else the best footnoted sentence
    within ``TUNING.claim_window`` sentences of it in its passage; else the best
    footnoted sentence anywhere within ``TUNING.claim_footnote_margin``; else the best
    sentence itself, as the unfootnoted one. ``(None, None)`` when no sentence
    reaches ``TUNING.claim_min_score`` (the text does not make the claim).
    A question that says the claim's sentence has a footnote (``footnoted``) gets the
    best footnoted sentence, without the margin.

    Args:
        rows: from ``claim_sentences``, best first.
        footnoted: whether the question presumes a footnote mark at the claim.

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
    if noted is not None and (footnoted or noted[0] >= best[0] - TUNING.claim_footnote_margin):
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
