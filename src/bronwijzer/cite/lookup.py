"""Citation lookup: footnotes, sources, claims.

Every function takes ``live``, the engine's loaded index and retriever (``.index``,
``.retriever``); callers go through the ``Engine`` methods of the same names.

``cite_footnote``, ``cite_source`` and ``cite_claim`` return JSON-ready dicts
(documented in the README); ``answer_citation_question`` turns a question
about the citations themselves into an ``Answer`` of the usual form.
"""

from __future__ import annotations

from bronwijzer.answer.compose import citations_of, footnote_superscripts, refs_of
from bronwijzer.cite.answers import (
    claim_evidence,
    claim_sentences,
    no_footnote_answer,
    no_source_answer,
    set_answer,
)
from bronwijzer.cite.detect import detect_citation_question
from bronwijzer.cite.references import (
    citing_sentences,
    find_references,
    footnote_refs,
    resolve_doc,
)
from bronwijzer.errors import CiteError
from bronwijzer.phrases import phrase
from bronwijzer.present.dicts import label, reference_dict
from bronwijzer.records import Answer, Hit, Source
from bronwijzer.settings import TUNING


def _article_passages(live):
    return [p for p in live.index.passages if p.source_of is None]


def _citing(live, n: int, doc: str | None) -> list[dict]:
    return [{"sentence": c.sentence, "doc": c.doc, "location": c.location,
             "passage_id": c.passage_id}
            for c in citing_sentences(_article_passages(live), n, doc)]


def _source_passages(live, ref, query: str, k: int = 3) -> list[dict]:
    """Passages of a cited source's own document that best match ``query``."""
    key = (ref.footnote, ref.position)
    if not any(p.source_of == key for p in live.index.passages):
        return []
    hits = live.retriever.search(query, k, where=lambda p: p.source_of == key)
    return [{"label": label(h.passage, live.index.references), "doc": h.passage.doc,
             "location": h.passage.location, "text": h.passage.text, "score": round(h.score, 6)}
            for h in hits]


def cite_footnote(live, n: int, doc: str | None = None) -> dict:
    """Footnote ``n`` of a document: its references, the sentences that carry it, the
    source's passages.

    Args:
        live: the engine's live index and retriever.
        n: the footnote number.
        doc: the document (name, file name or stem); needed only when several
            documents have footnotes.

    Raises:
        CiteError: when the document has no footnote ``n``, or the document is unclear.
    """
    doc = resolve_doc(live.index.references, doc)
    refs = footnote_refs(n, live.index.references, doc)
    citing = _citing(live, n, doc)
    query = " ".join(c["sentence"] for c in citing) or refs[0].title
    return {"kind": "footnote", "doc": doc, "footnote": n, "citing": citing,
            "references": [{**reference_dict(r, full=True),
                            "source_passages": _source_passages(live, r, query)} for r in refs]}


def cite_source(live, text: str) -> dict:
    """References matching an author, organisation, title word or year, with where they are used.

    Raises:
        CiteError: when no reference matches.
    """
    matches = find_references(text, live.index.references)
    if not matches:
        raise CiteError(f"no cited source matches {text!r}")
    return {"kind": "source", "query": text, "matches": [
        {**reference_dict(r, full=True), "score": round(score, 4),
         "citing": _citing(live, r.footnote, r.doc)}
        for r, score in matches]}


def cite_claim(live, text: str, k: int = 5, vector=None) -> dict:
    """The footnoted sentences of the article that make a claim, best first.

    Every sentence that carries a footnote marker is scored by the cosine of its
    own vector to the claim, plus a small share of its passage's hybrid score.

    Args:
        live: the engine's live index and retriever.
        text: the claim.
        k: how many sentences.
        vector: the query vector when the caller has one (a question is encoded
            once); else the claim is embedded here.

    Returns:
        ``{"kind": "claim", "claim": text, "matches": [...]}``.

    Raises:
        CiteError: when the article has no footnoted sentences.
    """
    if vector is None:  # a question's own vector is passed in: it is encoded once
        vector = live.retriever.embed_queries([text])[0]
    candidates = marked_sentences(live.index)
    if not candidates:
        raise CiteError("the corpus has no footnoted sentences")
    passage_scores = {h.passage.id: h.score for h in live.retriever.search(
        text, len(live.index.passages), vector=vector, where=lambda p: bool(p.footnotes))}
    top = max(passage_scores.values(), default=1.0) or 1.0
    scored = sorted(((float(live.index.sentence_vectors[row] @ vector)
                      + TUNING.claim_passage_weight * passage_scores.get(p.id, 0.0) / top, p, s, e, notes)
                     for row, p, s, e, notes in candidates), key=lambda c: -c[0])
    matches = []
    for score, passage, start, end, notes in scored[:k]:
        refs = [r for r in live.index.references if r.footnote in notes and r.doc == passage.doc]
        matches.append({"sentence": passage.text[start:end], "doc": passage.doc,
                        "location": passage.location, "footnotes": notes,
                        "score": round(score, 6), "passage": passage.text,
                        "references": [{**reference_dict(r, full=True), "source_passages":
                                        _source_passages(live, r, text)} for r in refs]})
    return {"kind": "claim", "claim": text, "matches": matches}




def marked_sentences(index) -> list[tuple[int, object, int, int, list[int]]]:
    """Every article sentence with a footnote marker: (vector row, passage, start, end, notes)."""
    from bronwijzer.index.chunk import footnotes_in
    result = []
    offsets = index.sentence_offsets
    for number, (passage, spans) in enumerate(zip(index.passages, index.sentence_spans)):
        if passage.source_of or not passage.footnotes:
            continue
        for i, (start, end) in enumerate(spans):
            notes = [n for n in footnotes_in(passage.text[start:end]) if n in passage.footnotes]
            if notes:
                result.append((int(offsets[number]) + i, passage, start, end, notes))
    return result


def answer_citation_question(live, question: str, vector, hits: list[Hit],
                             lang: str) -> Answer | None:
    """An answer for a question about the citations themselves, or None for others.

    Args:
        live: the engine's loaded index and retriever.
        question: the question; vector: its query vector; hits: its passages.
        lang: the answer's language.

    Returns:
        a ``cite-*`` answer (declined for an unknown footnote or a claim whose
        sentence has no footnote), or None when the question is not about
        citations or its lookup finds nothing.
    """
    fingerprint = getattr(live.retriever.embedder, "fingerprint", None)
    found = detect_citation_question(question, vector, fingerprint)
    if not found:
        return None
    refs = live.index.references
    if found["kind"] == "set":
        return set_answer(live, question, lang, found["query"], hits)
    if found["kind"] == "claim":
        return _claim_answer(live, question, found["query"], vector, hits, lang)
    try:
        if found["kind"] == "footnote":
            missing = [n for n in found["footnotes"] if not any(r.footnote == n for r in refs)]
            if missing:
                return no_footnote_answer(question, lang, missing[0], refs, hits)
            frames = [_footnote_frame(live, n, lang, hits) for n in found["footnotes"]]
            notes = [note for frame_notes, _ in frames for note in frame_notes]
            head = " ".join(h for _, h in frames)
        else:
            notes, head = _source_frame(live, found["query"], lang)
    except CiteError:
        return None
    return _cited_answer(live, question, lang, notes, head, hits, found["kind"])


def _claim_answer(live, question: str, claim: str, vector, hits: list[Hit],
                  lang: str) -> Answer | None:
    """The footnotes of the sentence that makes the claim, or a decline when it has none."""
    rows = claim_sentences(live, claim or question, vector)
    noted, bare = claim_evidence(rows)
    if bare is not None:
        return no_source_answer(live, question, lang, bare, hits)
    if noted is None:
        return None
    doc, numbers = noted[1].doc, noted[4]
    refs = [r.raw for r in live.index.references if r.footnote in numbers and r.doc == doc]
    head = phrase("cite-claim", lang, notes=", ".join(map(str, numbers)), refs="; ".join(refs))
    return _cited_answer(live, question, lang, [(doc, n) for n in numbers], head, hits, "claim",
                         lead=rows[0])


def _footnote_frame(live, n: int, lang: str, hits: list[Hit]) -> tuple[list, str]:
    """The footnote of the document that ranks first among those having footnote ``n``."""
    refs = footnote_refs(n, live.index.references)
    docs = [h.passage.doc for h in hits] + [r.doc for r in refs]
    doc = next(d for d in docs if any(r.doc == d for r in refs))
    refs = [r for r in refs if r.doc == doc]
    return [(doc, n)], phrase("cite-footnote", lang, n=n, refs="; ".join(r.raw for r in refs))


def _source_frame(live, query: str, lang: str) -> tuple[list[int], str]:
    matches = find_references(query, live.index.references)
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


def _cited_answer(live, question, lang, notes, head, hits, kind, lead=None) -> Answer:
    """Quote the citing sentences of ``notes`` (``(doc, n)`` pairs); their passages rank first.

    ``lead`` (a ``claim_sentences`` row): the sentence that makes a claim, quoted
    first when it is not itself a citing sentence.
    """
    by_id = {p.id: p for p in live.index.passages}
    refs = live.index.references
    sources: list[Source] = []
    quotes, first = [], []
    citing = [c for doc, n in notes
              for c in citing_sentences(_article_passages(live), n, doc)[:2]]
    if lead is not None:
        sentence = lead[1].text[lead[2]:lead[3]].strip()
        if sentence not in {c.sentence for c in citing}:
            number = _source_number(sources, lead[1], sentence, refs)
            first.append(f"«{footnote_superscripts(sentence)}» [{number}]")
    for c in citing:
        number = _source_number(sources, by_id[c.passage_id], c.sentence, refs)
        quote = f"«{footnote_superscripts(c.sentence)}» [{number}]"
        if quote not in quotes:
            quotes.append(quote)
    # the passages that carry the footnotes rank first, then the claim's own
    cited = {c.passage_id for c in citing}
    top = sorted((s.hit for s in sources), key=lambda h: h.passage.id not in cited)
    ranked = top + [h for h in hits if h.passage.id not in {t.passage.id for t in top}]
    ranked = [Hit(h.passage, h.score, r, h.dense, h.bm25) for r, h in enumerate(ranked, 1)]
    text = " ".join([*first, head, phrase("cited-at", lang), *quotes]) if quotes else head
    return Answer(question=question, lang=lang, text=text, abstained=False, confidence=1.0,
                  sources=tuple(sources), citations=citations_of(sources),
                  hits=tuple(ranked[:max(len(hits), len(top))]), kind=f"cite-{kind}")
