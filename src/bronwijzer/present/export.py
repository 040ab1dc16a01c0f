"""Answers to take along: one answer as Markdown, a conversation as Markdown or ``.docx``.

Works on answers in their ``ask --json`` form. The answer keeps its ``[k]`` markers;
the article's footnote superscripts (``⁽¹²⁾``) become Markdown footnotes (``[^12]``)
whose text is the footnote's reference, with its link when known.
"""

from __future__ import annotations

import re
from pathlib import Path

from bronwijzer.escape import no_raw_html
from bronwijzer.phrases import phrase as message

_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPER_NOTE = re.compile(r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾")


def _lang(data: dict) -> str:
    return data.get("lang") if data.get("lang") in ("nl", "en") else "en"


def footnotes_of(data: dict) -> list[dict]:
    """The footnote references of an answer, once each, in footnote order.

    Args:
        data: the answer in its ``ask --json`` form.

    Returns:
        Reference dicts (sources' references and citations, deduplicated).
    """
    seen: dict[tuple, dict] = {}
    refs = [r for s in data.get("sources") or [] for r in s.get("references") or []]
    refs += data.get("citations") or []
    for ref in refs:
        key = (ref.get("footnote"), ref.get("position"))
        seen.setdefault(key, ref)
    return [seen[k] for k in sorted(seen, key=lambda k: (k[0] or 0, k[1] or 0))]


def _note_lines(refs: list[dict]) -> list[str]:
    by_note: dict[int, list[str]] = {}
    for ref in refs:
        text = str(ref.get("reference") or "").strip() + (f" <{ref['url']}>" if ref.get("url") else "")
        by_note.setdefault(ref.get("footnote"), []).append(text)
    return [f"[^{n}]: {'; '.join(texts)}" for n, texts in by_note.items()]


def answer_markdown(data: dict) -> str:
    """One answer as Markdown: question, answer with ``[k]``, numbered sources, footnotes.

    Args:
        data: the answer in its ``ask --json`` form.

    Returns:
        Markdown text.
    """
    lang = _lang(data)
    lines = [f"**{message('question', lang)}:** {data.get('question', '')}"]
    if data.get("understood_as"):
        lines.append(f"*{message('understood', lang)}: {data['understood_as']}*")
    text = _SUPER_NOTE.sub(lambda m: f"[^{m.group(1).translate(_SUPER)}]", data.get("answer") or "")
    lines += ["", text, ""]
    sources = data.get("sources") or []
    if sources:
        lines.append(f"**{message('sources', lang)}**")
        for s in sources:
            notes = "".join(f"[^{n}]" for n in s.get("footnotes") or [])
            lines.append(f"[{s.get('number')}] {s.get('label') or s.get('doc')}: "
                         f"«{' '.join(str(s.get('quote') or '').split())}»{notes}")
    elif data.get("abstained") and data.get("passages"):
        lines.append(f"**{message('related', lang)}**")
        lines += [f"- {p.get('label') or p.get('doc')}" for p in data["passages"][:3]]
    notes = _note_lines(footnotes_of(data))
    if notes:
        lines += ["", f"**{message('references', lang)}**", "", *notes]
    return no_raw_html("\n".join(lines).strip() + "\n")  # raw HTML shown as text (issue 21)


def conversation_markdown(turns: list[dict], title: str = "Bronwijzer") -> str:
    """A whole conversation as one Markdown document.

    Args:
        turns: the answers, in order, in their ``ask --json`` form.
        title: the document's heading.

    Returns:
        Markdown; footnote labels are numbered per turn (``[^2-15]``) so they never clash.
    """
    parts = [f"# {title}\n"]
    for n, data in enumerate(turns, 1):
        # footnote labels are made unique per turn so the document's footnotes do not clash
        body = re.sub(r"\[\^(\d+)\]", lambda m: f"[^{n}-{m.group(1)}]", answer_markdown(data))
        parts.append(f"## {n}. {no_raw_html(str(data.get('question', '')))}\n\n{body}")
    return "\n".join(parts)


def conversation_docx(turns: list[dict], path: Path, title: str = "Bronwijzer") -> Path:
    """Write a conversation as a Word document with real footnotes and hyperlinks.

    Each answer is a section of its own, so its footnotes are numbered from 1; the
    article's footnote markers in the answer (``⁽¹²⁾``) and each source's footnotes
    become Word footnotes holding the reference (its URL a hyperlink). Sources are
    numbered ``[k]`` as in the answer (no list style counting on across answers); a
    decline keeps its reason and the related passages.

    Args:
        turns: the answers, in order, in their ``ask --json`` form.
        path: where to write the ``.docx``.
        title: the document title.

    Returns:
        ``path``.
    """
    from docx import Document
    from docx.enum.section import WD_SECTION

    from bronwijzer.present.wordnotes import Footnotes, clean
    doc = Document()
    notes = Footnotes(doc)
    doc.add_heading(title, level=0)
    for n, data in enumerate(turns, 1):
        if n > 1:
            doc.add_section(WD_SECTION.CONTINUOUS)
        _docx_turn(doc, notes, n, data, clean)
    doc.save(str(path))
    return path


def _docx_turn(doc, notes, n: int, data: dict, clean) -> None:
    """One answer: question, how it was understood, the text, sources or related passages."""
    lang = _lang(data)
    refs = _refs_by_note(data)
    doc.add_heading(f"{n}. {clean(data.get('question'))}", level=1)
    if data.get("understood_as"):
        doc.add_paragraph().add_run(f"{message('understood', lang)}: "
                                    f"{clean(data['understood_as'])}").italic = True
    paragraph = doc.add_paragraph()
    text = str(data.get("answer") or "")
    pos = 0
    for m in _SUPER_NOTE.finditer(text):
        paragraph.add_run(clean(text[pos:m.start()]))
        _footnote(notes, paragraph, refs.get(int(m.group(1).translate(_SUPER)), []))
        pos = m.end()
    paragraph.add_run(clean(text[pos:]))
    if data.get("abstained") and data.get("reason"):
        doc.add_paragraph().add_run(clean(data["reason"])).italic = True
    if data.get("sources"):
        doc.add_heading(message("sources", lang), level=2)
    for s in data.get("sources") or []:
        line = doc.add_paragraph(clean(f"[{s.get('number')}] {s.get('label') or s.get('doc')}: "
                                       f"«{' '.join(str(s.get('quote') or '').split())}»"))
        for note in s.get("footnotes") or []:
            _footnote(notes, line, refs.get(note, []))
    if data.get("abstained") and data.get("passages"):
        doc.add_heading(message("related", lang), level=2)
        for p in data["passages"][:3]:
            doc.add_paragraph().add_run(clean(p.get("label") or p.get("doc"))).bold = True
            doc.add_paragraph(clean(" ".join(str(p.get("text") or "").split())))


def _refs_by_note(data: dict) -> dict[int, list[dict]]:
    by_note: dict[int, list[dict]] = {}
    for ref in footnotes_of(data):
        by_note.setdefault(ref.get("footnote"), []).append(ref)
    return by_note


def _footnote(notes, paragraph, refs: list[dict]) -> None:
    """One Word footnote for an article footnote: its references, the first URL a link."""
    if not refs:
        return
    text = "; ".join(str(r.get("reference") or "").strip() for r in refs)
    url = next((r["url"] for r in refs if str(r.get("url") or "").startswith(("http://",
                                                                             "https://"))), None)
    notes.add(paragraph, text, url)
