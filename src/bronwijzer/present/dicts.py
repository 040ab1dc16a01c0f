"""Present: answers and hits as JSON-ready dicts and as plain text."""

from __future__ import annotations

from bronwijzer.answer.compose import message, refs_of
from bronwijzer.records import Answer, Hit, Reference

SOURCE_PREFIX = "sources/"


def label(passage, references: tuple[Reference, ...]) -> str:
    """Where a passage stands: ``ruimte-voor-economie-en-werk.txt ¶12`` or ``Rli (2023), p. 12``."""
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


def reference_dict(ref: Reference) -> dict:
    return {"footnote": ref.footnote, "position": ref.position, "reference": ref.raw,
            "short": ref.short, "url": ref.url}


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
        "citations": [{"footnote": c.footnote, "position": c.position,
                       "reference": c.reference, "url": c.url} for c in answer.citations],
        "passages": [hit_to_dict(h, references) for h in answer.hits],
        **answer.extra,
    }


def answer_to_text(answer: Answer, references: tuple[Reference, ...]) -> str:
    """A readable answer for the terminal: the answer, its sources, its footnotes."""
    lines = [answer.text, ""]
    if answer.abstained:
        lines.append(f"{message('related', answer.lang)}:")
        for hit in answer.hits[:3]:
            lines.append(f"  - {label(hit.passage, references)}: {short(hit.passage.text)}")
    else:
        lines.append(f"{message('sources', answer.lang)}:")
        for s in answer.sources:
            lines.append(f"  [{s.number}] {label(s.hit.passage, references)}: «{s.quote}»")
    if answer.citations:
        lines += ["", f"{message('references', answer.lang)}:"]
        for c in answer.citations:
            url = f" <{c.url}>" if c.url else ""
            lines.append(f"  {c.footnote}. {c.reference}{url}")
    lines.append(f"\n({message('confidence', answer.lang)} {answer.confidence:.2f})")
    return "\n".join(lines)


def hits_to_text(hits: list[Hit], references: tuple[Reference, ...]) -> str:
    lines = []
    for hit in hits:
        lines.append(f"{hit.rank}. {label(hit.passage, references)}  (score {hit.score:.4f})")
        lines.append(f"   {short(hit.passage.text, 400)}")
        for ref in refs_of(hit.passage, references):
            lines.append(f"   [{ref.footnote}] {ref.raw}")
    return "\n".join(lines)


def short(text: str, limit: int = 200) -> str:
    """The text on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
