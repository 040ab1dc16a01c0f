"""Citation lookup on a loaded engine: footnotes, sources, claims.

``cite_footnote``, ``cite_source`` and ``cite_claim`` return JSON-ready dicts
(documented in the README); ``answer_citation_question`` turns a question
about the citations themselves into an ``Answer`` of the usual form.
"""

from __future__ import annotations

from .answer import citations_of, message, refs_of
from .cite import CiteError, citing_sentences, detect_citation_question, find_references, \
    footnote_refs
from .present import label, reference_dict
from .records import Answer, Hit, Source

FRAMES = {
    "footnote": {"nl": "Voetnoot {n} verwijst naar {refs}",
                 "en": "Footnote {n} refers to {refs}"},
    "source": {"nl": "{ref} wordt aangehaald in voetnoot {notes}.",
               "en": "{ref} is cited in footnote {notes}."},
    "claim": {"nl": "Deze bewering wordt onderbouwd met voetnoot {notes}: {refs}",
              "en": "This claim is backed by footnote {notes}: {refs}"},
    "at": {"nl": "Dit staat bij:", "en": "It is cited at:"},
}


def _article_passages(engine):
    return [p for p in engine.index.passages if p.source_of is None]


def _citing(engine, n: int) -> list[dict]:
    return [{"sentence": c.sentence, "doc": c.doc, "location": c.location,
             "passage_id": c.passage_id} for c in citing_sentences(_article_passages(engine), n)]


def _source_passages(engine, ref, query: str, k: int = 3) -> list[dict]:
    """Passages of a cited source's own document that best match ``query``."""
    key = (ref.footnote, ref.position)
    if not any(p.source_of == key for p in engine.index.passages):
        return []
    hits = engine.retriever.search(query, k, where=lambda p: p.source_of == key)
    return [{"label": label(h.passage, engine.index.references), "doc": h.passage.doc,
             "location": h.passage.location, "text": h.passage.text, "score": round(h.score, 6)}
            for h in hits]


def cite_footnote(engine, n: int) -> dict:
    """Footnote ``n``: its references, the sentences that carry it, the source's passages.

    Raises:
        CiteError: when the article has no footnote ``n``.
    """
    refs = footnote_refs(n, engine.index.references)
    citing = _citing(engine, n)
    query = " ".join(c["sentence"] for c in citing) or refs[0].title
    return {"kind": "footnote", "footnote": n, "citing": citing,
            "references": [{**reference_dict(r), "authors": list(r.authors), "year": r.year,
                            "title": r.title, "publisher": r.publisher,
                            "source_passages": _source_passages(engine, r, query)} for r in refs]}


def cite_source(engine, text: str) -> dict:
    """References matching an author, organisation, title word or year, with where they are used.

    Raises:
        CiteError: when no reference matches.
    """
    matches = find_references(text, engine.index.references)
    if not matches:
        raise CiteError(f"no cited source matches {text!r}")
    return {"kind": "source", "query": text, "matches": [
        {**reference_dict(r), "authors": list(r.authors), "year": r.year, "title": r.title,
         "publisher": r.publisher, "score": round(score, 4), "citing": _citing(engine, r.footnote)}
        for r, score in matches]}


def cite_claim(engine, text: str, k: int = 5) -> dict:
    """The footnoted sentences of the article that make a claim, best first.

    Raises:
        CiteError: when the article has no footnoted passages.
    """
    hits = engine.retriever.search(text, k, where=lambda p: bool(p.footnotes) and not p.source_of)
    if not hits:
        raise CiteError("the corpus has no footnoted passages")
    vector = engine.retriever.embed_queries([text])[0]
    matches = []
    for hit in hits:
        sentence, notes = _best_marked_sentence(engine, hit, vector)
        refs = [r for r in engine.index.references if r.footnote in notes]
        matches.append({"sentence": sentence, "doc": hit.passage.doc,
                        "location": hit.passage.location, "footnotes": notes,
                        "score": round(hit.score, 6), "passage": hit.passage.text,
                        "references": [{**reference_dict(r), "source_passages":
                                        _source_passages(engine, r, text)} for r in refs]})
    return {"kind": "claim", "claim": text, "matches": matches}


def _best_marked_sentence(engine, hit: Hit, vector) -> tuple[str, list[int]]:
    """The sentence of a hit closest to the query among those up to a footnote marker."""
    from .chunk import footnotes_in
    index = engine.index
    row = next(i for i, p in enumerate(index.passages) if p.id == hit.passage.id)
    spans = index.sentence_spans[row]
    first = index.sentence_offsets[row]
    cosines = index.sentence_vectors[first:first + len(spans)] @ vector
    best, best_notes, best_score = "", [], -2.0
    for (start, end), cosine in zip(spans, cosines):
        sentence = hit.passage.text[start:end]
        notes = list(footnotes_in(sentence)) or _next_notes(hit.passage.text, end)
        if notes and cosine > best_score:
            best, best_notes, best_score = sentence, notes, float(cosine)
    return best, best_notes


def _next_notes(text: str, end: int) -> list[int]:
    """Footnotes of the next marker after a sentence (a claim often spans sentences)."""
    from .chunk import MARKER
    match = MARKER.search(text, end)
    return [int(match.group(1))] if match and match.start() - end < 400 else []


def answer_citation_question(engine, question: str, vector, hits: list[Hit],
                             lang: str) -> Answer | None:
    """An answer for a question about the citations themselves, or None for others."""
    found = detect_citation_question(question)
    if not found:
        return None
    try:
        if found["kind"] == "footnote":
            notes, head = _footnote_frame(engine, found["footnote"], lang)
        elif found["kind"] == "source":
            notes, head = _source_frame(engine, found["query"], lang)
        else:
            notes, head = _claim_frame(engine, found["query"], lang)
    except CiteError:
        return None
    return _cited_answer(engine, question, lang, notes, head, hits, found["kind"])


def _footnote_frame(engine, n: int, lang: str) -> tuple[list[int], str]:
    refs = footnote_refs(n, engine.index.references)
    return [n], FRAMES["footnote"][lang].format(n=n, refs="; ".join(r.raw for r in refs))


def _source_frame(engine, query: str, lang: str) -> tuple[list[int], str]:
    matches = find_references(query, engine.index.references)
    if not matches:
        raise CiteError(query)
    best = [r for r, s in matches if s >= matches[0][1] * 0.9][:3]
    notes = list(dict.fromkeys(r.footnote for r in best))
    return notes, FRAMES["source"][lang].format(ref=best[0].raw,
                                                notes=", ".join(map(str, notes)))


def _claim_frame(engine, claim: str, lang: str) -> tuple[list[int], str]:
    result = cite_claim(engine, claim, k=1)
    notes = result["matches"][0]["footnotes"]
    refs = [r.raw for r in engine.index.references if r.footnote in notes]
    return notes, FRAMES["claim"][lang].format(notes=", ".join(map(str, notes)),
                                               refs="; ".join(refs))


def _cited_answer(engine, question, lang, notes, head, hits, kind) -> Answer:
    """Quote the citing sentences of ``notes``; their passages rank first."""
    by_id = {p.id: p for p in engine.index.passages}
    sources, quotes, top = [], [], []
    for n in notes:
        for c in citing_sentences(_article_passages(engine), n)[:2]:
            passage = by_id[c.passage_id]
            if passage.id not in {s.hit.passage.id for s in sources}:
                start = passage.text.find(c.sentence)
                hit = Hit(passage=passage, score=1.0, rank=len(top) + 1)
                top.append(hit)
                sources.append(Source(len(sources) + 1, hit, c.sentence, max(start, 0),
                                      max(start, 0) + len(c.sentence),
                                      refs_of(passage, engine.index.references)))
            number = next(s.number for s in sources if s.hit.passage.id == passage.id)
            quotes.append(f"«{c.sentence}» [{number}]")
    ranked = top + [h for h in hits if h.passage.id not in {t.passage.id for t in top}]
    ranked = [Hit(h.passage, h.score, r, h.dense, h.bm25) for r, h in enumerate(ranked, 1)]
    text = " ".join([head, FRAMES["at"][lang], *quotes]) if quotes else head
    return Answer(question=question, lang=lang, text=text, abstained=False, confidence=1.0,
                  sources=tuple(sources), citations=citations_of(sources),
                  hits=tuple(ranked[:max(len(hits), len(top))]), kind=f"cite-{kind}")


def to_text(result: dict) -> str:
    """A readable rendering of a lookup result."""
    lines = []
    if result["kind"] == "footnote":
        lines.append(f"Footnote {result['footnote']}:")
        lines += [f"  {r['reference']}" + (f" <{r['url']}>" if r["url"] else "")
                  for r in result["references"]]
        lines += [f"  cited at {c['doc']} {c['location']}: «{c['sentence']}»" for c in result["citing"]]
    elif result["kind"] == "source":
        for m in result["matches"]:
            lines.append(f"[{m['footnote']}.{m['position']}] {m['reference']}")
            lines += [f"    {c['doc']} {c['location']}: «{c['sentence']}»" for c in m["citing"]]
    else:
        for m in result["matches"]:
            lines.append(f"{m['doc']} {m['location']} [{', '.join(map(str, m['footnotes']))}]: "
                         f"«{m['sentence']}»")
            lines += [f"    {r['reference']}" for r in m["references"]]
    return "\n".join(lines)
