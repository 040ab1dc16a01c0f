"""The chat answer's HTML and the helpers every UI template uses; every text from a
document or a user is escaped.

The markup is in ``ui/templates/`` (``answer.html``, ``answer_text.html``, ``note.html``,
rendered by ``ui.templating``); here the answer is cut into what they show (runs of
sentences with their badges, quoted pieces of the sources). The only markup made here:
``doc_html`` (document text through ``esc`` — HTML special characters, plus the
characters Markdown, LaTeX and template engines act on — with its footnote markers as
superscripts) and ``link`` (http/https only). Styles (``STYLE``) are inline so the output
looks the same inside the chatbot (whose sanitizer keeps ``style``) and in ``gr.HTML``,
whatever CSS the app was launched with. Each render is one line: Markdown treats it as
a single raw-HTML block.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from bronwijzer.phrases import phrase
from bronwijzer.text import MARKER, short
from bronwijzer.ui.markup import STYLE, doc_html, esc, link  # noqa: F401 - the UI's helpers
from bronwijzer.ui.templating import render_inline


def note(kind: str, text: str, **cls: str) -> str:
    """One line of text in a box (``templates/note.html``), the text escaped.

    Args:
        kind: its ``STYLE`` (``ok``, ``error``, ``muted``...); an error starts with ⚠.
        text: the line.
        **cls: ``cls=`` its class (default ``bw-<kind>``; "" for none).

    Returns:
        The ``div``.
    """
    return render_inline("note.html", kind=kind, text=text, **cls)


def render_error(text: str) -> str:
    """An error line: ``div.bw-error``."""
    return note("error", text)


def render_ok(text: str) -> str:
    """A status or result line: ``div.bw-ok``."""
    return note("ok", text)


def _spans(source: dict, segments: list[str]) -> list[tuple[int, int]]:
    """Where the passage is quoted: the source's quote and every answer sentence found in it."""
    text, spans = source.get("text") or "", []
    start, end = source.get("quote_start"), source.get("quote_end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        spans.append((start, end))
    for segment in segments:
        at = text.find(segment) if segment else -1
        if at >= 0:
            spans.append((at, at + len(segment)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def quote_pieces(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The passage cut at the quoted spans: ``(text, quoted)`` in order."""
    out, pos = [], 0
    for start, end in spans:
        out += [(text[pos:start], False), (text[start:end], True)]
        pos = end
    return out + [(text[pos:], False)]


def source_view(source: dict, segments: list[str] = ()) -> dict:
    """A numbered source card's values (``answer.html``): label, passage pieces, references."""
    text = source.get("text") or ""
    return {"number": source["number"], "label": source.get("label") or source.get("doc"),
            "pieces": quote_pieces(text, _spans(source, list(segments))),
            "references": source.get("references") or []}


def _is_source_marker(text: str, m: re.Match, passages: dict[str, str], since: int) -> bool:
    """Whether ``[k]`` points at source k, rather than being a footnote marker of the quote.

    Footnote markers stand in the quoted passage itself, after the same words (the
    words since the previous marker, ``since``).
    """
    if m.group(1) not in passages or (m.end() < len(text) and not text[m.end()].isspace()):
        return False
    tail = " ".join(text[max(since, m.start() - 80):m.start()].split()[-4:])
    return not passages[m.group(1)] or f"{tail} [{m.group(1)}]" not in passages[m.group(1)]


def _markers(text: str, sources: list[dict]) -> list[tuple[re.Match, bool]]:
    """Every ``[n]`` of the answer, and whether it points at a source."""
    passages = {str(s["number"]): " ".join((s.get("text") or "").split()) for s in sources}
    found, since = [], 0
    for m in MARKER.finditer(text):
        found.append((m, _is_source_marker(text, m, passages, since)))
        since = m.end()
    return found


def quoted_segments(text: str, sources: list[dict]) -> dict[str, list[str]]:
    """The answer's sentences by the source number they are marked with."""
    segments: dict[str, list[str]] = {}
    start = 0
    for m, is_source in _markers(text, sources):
        if is_source:
            segments.setdefault(m.group(1), []).append(text[start:m.start()].strip(" «»"))
            start = m.end()
    return segments


# Words that, opening a sentence (first or second word), point back at something said before.
# Function words of Dutch and English (closed classes), not tuned values.
REFERRING_OPENERS = frozenset("""
dit dat deze die daarom daardoor daarmee daarbij hiermee hierdoor hierbij zo zulke dergelijke
this that these those it they such thus therefore hence
""".split())
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[^\s])")


def _source_runs(text: str, sources: list[dict]) -> list[tuple[str, str | None]]:
    """The answer as ``(sentence, source number or None)``, footnote markers left in the text."""
    runs, start = [], 0
    for m, is_source in _markers(text, sources):
        if is_source:
            runs.append((text[start:m.start()], m.group(1)))
            start = m.end()
    if text[start:].strip():
        runs.append((text[start:], None))
    return runs


def _refers_back(sentence: str) -> bool:
    words = re.findall(r"[\w’']+", sentence.lower())[:2]
    return any(w in REFERRING_OPENERS for w in words)


def context_before(sentence: str, passage: str) -> str:
    """The passage's sentence just before ``sentence`` (what a referring opener points at).

    Args:
        sentence: an answer sentence quoted from the passage.
        passage: the source passage's text.

    Returns:
        The sentence before it in the passage, or "" when it opens the passage or is not in it.
    """
    at = passage.find(sentence.strip(" «»")) if sentence.strip() else -1
    if at <= 0:
        return ""
    before = [p for p in _SENTENCE_END.split(passage[:at].strip()) if p.strip()]
    return before[-1].strip() if before else ""


def _hover_text(source: dict) -> str:
    """A badge's tooltip: its source's place and passage (shortened)."""
    text = " ".join(str(source.get("text") or source.get("quote") or "").split())
    return f"{source.get('label') or source.get('doc') or ''}: {short(text, 600)}".strip(": ")


def answer_runs(text: str, sources: list[dict]) -> list[dict]:
    """The answer's runs of sentences for ``answer_text.html``.

    Args:
        text: the answer with its ``[k]`` markers.
        sources: its numbered sources.

    Returns:
        Per sentence: ``sentence`` (footnote markers left in), ``context`` (the passage's
        sentence a referring opener points at, or ""), ``badge`` (``number`` and ``title``
        at the end of a run from one source, else None).
    """
    by_number = {str(s["number"]): s for s in sources}
    runs, out = _source_runs(text, sources), []
    for i, (sentence, number) in enumerate(runs):
        prev_number = runs[i - 1][1] if i else None
        next_number = runs[i + 1][1] if i + 1 < len(runs) else None
        source = by_number.get(number or "", {})
        context = ""
        if number and number != prev_number and _refers_back(sentence):
            context = context_before(sentence, source.get("text") or "")
        badge = ({"number": number, "title": _hover_text(source)}
                 if number and number != next_number else None)
        out.append({"sentence": sentence.strip(), "context": context, "badge": badge})
    return out


def render_answer_text(text: str, sources: list[dict]) -> str:
    """The answer as text: one badge per run of sentences from one source.

    A badge shows its source's quote on hover (``title``) and scrolls to the source on
    click (the page script); a run opening with a referring word ("Dit komt omdat…")
    is preceded by the passage's sentence it refers to, in grey. Footnote markers of
    the quoted text stay superscripts (``templates/answer_text.html``).

    Args:
        text: the answer with its ``[k]`` markers.
        sources: its numbered sources.

    Returns:
        HTML on one line.
    """
    return render_inline("answer_text.html", runs=answer_runs(text, sources))


def _answer_words(lang: str) -> dict[str, str]:
    return {key: phrase(key, lang)
            for key in ("confidence", "references", "related", "sources", "why")}


def render_answer(data: dict, lang: str | None = None) -> str:
    """A chat answer: text with markers, confidence, then the numbered sources (or related).

    Args:
        data: the answer in its ``ask --json`` form.
        lang: the labels' language (default: the answer's).

    Returns:
        HTML on one line (``templates/answer.html``).
    """
    lang = lang or data.get("lang") or "en"  # the interface's language, else the answer's
    abstained = bool(data.get("abstained"))
    sources, answer = data.get("sources") or [], data.get("answer") or ""
    segments = {} if abstained else quoted_segments(answer, sources)
    related = [{"label": p.get("label") or p.get("doc"), "text": short(p.get("text") or "", 420)}
               for p in (data.get("passages") or [])[:3]]
    return render_inline(
        "answer.html", abstained=abstained, answer=data.get("answer"), reason=data.get("reason"),
        confidence=float(data.get("confidence") or 0.0), words=_answer_words(lang),
        related=related, text="" if abstained else Markup(render_answer_text(answer, sources)),
        sources=[source_view(s, segments.get(str(s["number"]), [])) for s in sources])


def count(n: int, word: str) -> str:
    """``1 document``, ``2 documents``."""
    return f"{n} {word}{'' if n == 1 else 's'}"

