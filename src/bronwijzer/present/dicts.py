"""Answers, hits and citation lookups as JSON-ready dicts (the ``ask --json`` form that batch
files hold, and the ``cite --json`` form)."""

from __future__ import annotations

from bronwijzer.quotes import refs_of
from bronwijzer.records import Answer, ClaimLookup, FootnoteLookup, Hit, Reference, SourceLookup

SOURCE_PREFIX = "sources/"


def label(passage, references: tuple[Reference, ...]) -> str:
    """Where a passage stands: ``artikel.txt ¶12`` or ``Jansen (2023), p. 12``."""
    if passage.source_of:
        refs = refs_of(passage, references)
        if refs:
            return f"{refs[0].short}, {passage.location}"
    return f"{passage.doc} {passage.location}"


def hit_to_dict(hit: Hit, references: tuple[Reference, ...]) -> dict:
    """A ranked passage in the ``ask --json`` form."""
    p = hit.passage
    return {
        "rank": hit.rank, "id": p.id, "doc": p.doc, "location": p.location,
        "label": label(p, references), "text": p.text, "score": round(hit.score, 6),
        "dense": None if hit.dense is None else round(hit.dense, 6),
        "bm25": None if hit.bm25 is None else round(hit.bm25, 6),
        "footnotes": list(p.footnotes), "source_of": list(p.source_of) if p.source_of else None,
        "references": [r.raw for r in refs_of(p, references)],
    }


def reference_dict(ref: Reference, full: bool = False) -> dict:
    """A reference as JSON: doc, footnote, position, reference (its text), short, url.

    Args:
        ref: the reference.
        full: also its parts: authors, year, title, publisher.

    Returns:
        The dict (the one form every command and the UI use).
    """
    data = {"doc": ref.doc, "footnote": ref.footnote, "position": ref.position, "reference": ref.raw,
            "short": ref.short, "url": ref.url}
    if full:
        data.update(authors=list(ref.authors), year=ref.year, title=ref.title,
                    publisher=ref.publisher)
    return data


def answer_to_dict(answer: Answer, references: tuple[Reference, ...]) -> dict:
    """An answer in the ``ask --json`` form (what ``score.py`` reads)."""
    sources = [{
        "number": s.number, "id": s.hit.passage.id, "doc": s.hit.passage.doc,
        "location": s.hit.passage.location, "label": label(s.hit.passage, references),
        "quote": s.quote, "quote_start": s.quote_start, "quote_end": s.quote_end,
        "text": s.hit.passage.text, "score": round(s.hit.score, 6),
        "footnotes": list(s.hit.passage.footnotes),
        "references": [reference_dict(r) for r in s.references],
    } for s in answer.sources]
    return {
        "question": answer.question, "lang": answer.lang, "kind": answer.kind,
        "answer": answer.text, "abstained": answer.abstained,
        "confidence": round(answer.confidence, 4), "sources": sources,
        "citations": [{"doc": c.doc, "footnote": c.footnote, "position": c.position,
                       "reference": c.reference, "url": c.url} for c in answer.citations],
        "passages": [hit_to_dict(h, references) for h in answer.hits],
        **answer.extra,
    }


def _citing_dicts(citing) -> list[dict]:
    return [{"sentence": c.sentence, "doc": c.doc, "location": c.location,
             "passage_id": c.passage_id} for c in citing]


def _source_passage_dicts(hits, references: tuple[Reference, ...]) -> list[dict]:
    return [{"label": label(h.passage, references), "doc": h.passage.doc,
             "location": h.passage.location, "text": h.passage.text, "score": round(h.score, 6)}
            for h in hits]


def lookup_to_dict(lookup: FootnoteLookup | SourceLookup | ClaimLookup,
                   references: tuple[Reference, ...]) -> dict:
    """A citation lookup in the ``cite --json`` form (documented in the README).

    Args:
        lookup: the record of ``cite.lookup.cite_footnote``, ``cite_source`` or ``cite_claim``.
        references: every reference of the index (for the source passages' labels).

    Returns:
        ``{"kind": "footnote" | "source" | "claim", ...}``.
    """
    if isinstance(lookup, FootnoteLookup):
        return {"kind": "footnote", "doc": lookup.doc, "footnote": lookup.footnote,
                "citing": _citing_dicts(lookup.citing),
                "references": [{**reference_dict(c.reference, full=True), "source_passages":
                                _source_passage_dicts(c.passages, references)}
                               for c in lookup.references]}
    if isinstance(lookup, SourceLookup):
        return {"kind": "source", "query": lookup.query, "matches": [
            {**reference_dict(c.reference, full=True), "score": round(c.score, 4),
             "citing": _citing_dicts(c.citing)} for c in lookup.matches]}
    return {"kind": "claim", "claim": lookup.claim, "matches": [
        {"sentence": m.sentence, "doc": m.passage.doc, "location": m.passage.location,
         "footnotes": list(m.footnotes), "score": round(m.score, 6), "passage": m.passage.text,
         "references": [{**reference_dict(c.reference, full=True), "source_passages":
                         _source_passage_dicts(c.passages, references)} for c in m.references]}
        for m in lookup.matches]}
