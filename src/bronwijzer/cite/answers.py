"""Answers to questions about the article's citations, in the usual ``Answer`` form.

``answer_citation_question`` recognises the question (``cite.detect``) and answers it
from the lookups of ``cite.lookup``:

- a footnote question quotes the sentences that carry the footnote, with its references;
- a source question, the sentences that cite the best-matching references;
- a claim question looks for the article sentence that makes the claim among *all*
  sentences; when that sentence carries no footnote, the answer says so, shows the
  sentence as source [1] and counts as declined;
- a question about the sources as a set ("which publications of this publisher are
  cited?") is answered from the reference list, each reference with its footnote;
- a question about a footnote the article does not have is declined with the reason.
"""

from __future__ import annotations

from bronwijzer.cite.detect import detect_citation_question, presumes_footnote
from bronwijzer.cite.claims import (claim_rows, named_source, placed_evidence, quoted_spans,
                                    source_names)
from bronwijzer.cite.lookup import claim_evidence, footnote_citing, reference_set
from bronwijzer.cite.references import find_references, footnote_refs
from bronwijzer.errors import CiteError
from bronwijzer.phrases import phrase
from bronwijzer.quotes import citations_of, footnote_superscripts, refs_of
from bronwijzer.records import Answer, Citation, Hit, Source


def answer_citation_question(retriever, question: str, vector, hits: list[Hit],
                             lang: str) -> Answer | None:
    """An answer for a question about the citations themselves, or None for others.

    Args:
        retriever: the search over the loaded index (``search.retrieve.Retriever``).
        question: the question.
        vector: its query vector.
        hits: its passages.
        lang: the answer's language.

    Returns:
        a ``cite-*`` answer (declined for an unknown footnote or a claim whose
        sentence has no footnote), or None when the question is not about
        citations or its lookup finds nothing.
    """
    fingerprint = getattr(retriever.embedder, "fingerprint", None)
    found = detect_citation_question(question, vector, fingerprint)
    if not found:
        return None
    index = retriever.index
    refs = index.references
    if found["kind"] == "set":
        return set_answer(index, question, lang, found["query"], hits)
    if found["kind"] == "claim":
        name = named_source(found["query"], source_names(refs))
        if name is None:
            return _claim_answer(retriever, question, found["query"], vector, hits, lang)
        found = {"kind": "source", "query": name}
    try:
        if found["kind"] == "footnote":
            missing = [n for n in found["footnotes"] if not any(r.footnote == n for r in refs)]
            if missing:
                return no_footnote_answer(question, lang, missing[0], refs, hits)
            frames = [_footnote_frame(index, n, lang, hits) for n in found["footnotes"]]
            notes = [note for frame_notes, _ in frames for note in frame_notes]
            head = " ".join(h for _, h in frames)
        else:
            notes, head = _source_frame(index, found["query"], lang)
    except CiteError:
        return None
    return _cited_answer(index, question, lang, notes, head, hits, found["kind"])


def _claim_answer(retriever, question: str, claim: str, vector, hits: list[Hit],
                  lang: str) -> Answer | None:
    """The footnotes of the sentence that makes the claim, or a decline when it has none.

    The answer quotes first the run of sentences from the claim to its footnote mark
    (``cite.claims.quoted_spans``), then names every source of the footnotes.
    """
    rows = claim_rows(retriever, question, claim, vector)
    noted, bare = claim_evidence(rows, presumes_footnote(question))
    placed = placed_evidence(question, retriever.index, rows) if noted or bare else None
    if placed is not None:
        noted, bare = placed, None
    if bare is not None:
        return no_source_answer(retriever.index, question, lang, bare, hits)
    if noted is None:
        return None
    doc, numbers = noted[1].doc, noted[4]
    refs = [r.raw for r in retriever.index.references if r.footnote in numbers and r.doc == doc]
    head = phrase("cite-claim", lang, notes=", ".join(map(str, numbers)), refs="; ".join(refs))
    spans = quoted_spans(retriever.index, noted, rows[0], rows)
    return _cited_answer(retriever.index, question, lang, [(doc, n) for n in numbers], head,
                         hits, "claim", lead=spans)


def _footnote_frame(index, n: int, lang: str, hits: list[Hit]) -> tuple[list, str]:
    """The footnote of the document that ranks first among those having footnote ``n``."""
    refs = footnote_refs(n, index.references)
    docs = [h.passage.doc for h in hits] + [r.doc for r in refs]
    doc = next(d for d in docs if any(r.doc == d for r in refs))
    refs = [r for r in refs if r.doc == doc]
    return [(doc, n)], phrase("cite-footnote", lang, n=n, refs="; ".join(r.raw for r in refs))


def _source_frame(index, query: str, lang: str) -> tuple[list[int], str]:
    matches = find_references(query, index.references)
    if not matches:
        raise CiteError(query)
    best = [r for r, s in matches if s >= matches[0][1] * 0.9][:3]
    notes = list(dict.fromkeys((r.doc, r.footnote) for r in best))
    return notes, phrase("cite-source", lang, ref=best[0].raw,
                         notes=", ".join(str(n) for _, n in notes))


def _source_number(sources: list[Source], passage, sentence: str, refs) -> int:
    """The number of ``passage`` among ``sources``, adding it (quoting ``sentence``) if new."""
    for source in sources:
        if source.hit.passage.id == passage.id:
            return source.number
    start = max(passage.text.find(sentence), 0)
    hit = Hit(passage=passage, score=1.0, rank=len(sources) + 1)
    sources.append(Source(len(sources) + 1, hit, sentence, start, start + len(sentence),
                          refs_of(passage, refs)))
    return len(sources)


def _cited_answer(index, question, lang, notes, head, hits, kind, lead=None) -> Answer:
    """Quote the citing sentences of ``notes`` (``(doc, n)`` pairs); their passages rank first.

    ``lead`` (``(passage, start, end)`` spans): the sentences that make a claim,
    quoted first; the citing sentences they hold are not quoted again.
    """
    by_id = index.by_id
    refs = index.references
    sources: list[Source] = []
    quotes, first = [], []
    citing = [c for doc, n in notes for c in footnote_citing(index, n, doc)[:2]]
    for passage, start, end in lead or ():
        sentence = passage.text[start:end].strip()
        citing = [c for c in citing if c.sentence not in sentence]
        number = _source_number(sources, passage, sentence, refs)
        first.append(f"«{footnote_superscripts(sentence)}» [{number}]")
    for c in citing:
        number = _source_number(sources, by_id[c.passage_id], c.sentence, refs)
        quote = f"«{footnote_superscripts(c.sentence)}» [{number}]"
        if quote not in quotes:
            quotes.append(quote)
    # the passages that carry the footnotes rank first, then the claim's own
    cited = {c.passage_id for c in citing} | ({lead[-1][0].id} if lead else set())
    top = sorted((s.hit for s in sources), key=lambda h: h.passage.id not in cited)
    ranked = top + [h for h in hits if h.passage.id not in {t.passage.id for t in top}]
    ranked = [Hit(h.passage, h.score, r, h.dense, h.bm25) for r, h in enumerate(ranked, 1)]
    text = " ".join([*first, head, *([phrase("cited-at", lang), *quotes] if quotes else [])])
    return Answer(question=question, lang=lang, text=text, abstained=False, confidence=1.0,
                  sources=tuple(sources), citations=citations_of(sources),
                  hits=tuple(ranked[:max(len(hits), len(top))]), kind=f"cite-{kind}")


def _ranked(first: list[Hit], hits: list[Hit]) -> tuple[Hit, ...]:
    """``first``, then the other hits, numbered again from rank 1."""
    ids = {h.passage.id for h in first}
    ranked = first + [h for h in hits if h.passage.id not in ids]
    return tuple(Hit(h.passage, h.score, r, h.dense, h.bm25) for r, h in enumerate(ranked, 1))


def no_source_answer(index, question: str, lang: str, row: tuple, hits: list[Hit]) -> Answer:
    """The declined answer for a claim whose sentence carries no footnote."""
    passage = row[1]
    start, end = row[2], row[3]
    sentence = passage.text[start:end].strip()
    hit = Hit(passage=passage, score=1.0, rank=1)
    source = Source(1, hit, sentence, start, end, refs_of(passage, index.references))
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


def set_answer(index, question: str, lang: str, query: str, hits: list[Hit]) -> Answer | None:
    """The answer to a question about the sources as a set, or None when none match.

    Every matching reference is listed with its footnote and ``[k]`` pointing at
    the passage that cites it; ``citations`` holds each reference.
    """
    refs = reference_set(query, index.references)
    if not refs:
        return None
    by_id = index.by_id
    sources: list[Source] = []
    items = []
    for ref in refs:
        item = f"{ref.raw} ({phrase('footnote', lang)} {ref.footnote})"
        citing = footnote_citing(index, ref.footnote, ref.doc)
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
