"""Answers and hits as plain text for the terminal."""

from __future__ import annotations

from bronwijzer.phrases import confidence_words, phrase
from bronwijzer.present.dicts import label
from bronwijzer.quotes import refs_of
from bronwijzer.records import Answer, Hit, Reference
from bronwijzer.text import short


def answer_to_text(answer: Answer, references: tuple[Reference, ...]) -> str:
    """A readable answer for the terminal: the answer, its sources, its footnotes."""
    lines = [answer.text, ""]
    if answer.abstained and answer.extra.get("reason"):
        lines[0] += f" ({answer.extra['reason']})"
    if answer.abstained and not answer.sources:  # a declined claim still shows its sentence
        lines.append(f"{phrase('related', answer.lang)}:")
        for hit in answer.hits[:3]:
            lines.append(f"  - {label(hit.passage, references)}: {short(hit.passage.text)}")
    else:
        lines.append(f"{phrase('sources', answer.lang)}:")
        for s in answer.sources:
            lines.append(f"  [{s.number}] {label(s.hit.passage, references)}: «{s.quote}»")
    if answer.citations:
        lines += ["", f"{phrase('references', answer.lang)}:"]
        several = len({c.doc for c in answer.citations}) > 1   # numbering is per document
        for c in answer.citations:
            url = f" <{c.url}>" if c.url else ""
            lines.append(f"  {c.doc + ' ' if several else ''}{c.footnote}. {c.reference}{url}")
    words = confidence_words(answer.confidence, answer.lang)
    lines.append(f"\n({phrase('confidence', answer.lang)}: {words}, {answer.confidence:.2f})")
    return "\n".join(lines)


def hits_to_text(hits: list[Hit], references: tuple[Reference, ...]) -> str:
    lines = []
    for hit in hits:
        lines.append(f"{hit.rank}. {label(hit.passage, references)}  (score {hit.score:.4f})")
        lines.append(f"   {short(hit.passage.text, 400)}")
        for ref in refs_of(hit.passage, references):
            lines.append(f"   [{ref.footnote}] {ref.raw}")
    return "\n".join(lines)


def lookup_to_text(result: dict) -> str:
    """A readable rendering of a lookup result."""
    lines = []
    if result["kind"] == "footnote":
        lines.append(f"Footnote {result['footnote']} of {result.get('doc', '?')}:")
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
