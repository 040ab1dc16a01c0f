"""HTML for the browser UI, built by hand: every text from a document or a user is escaped.

Only the tags written here are markup; document text goes through ``esc`` (HTML
special characters, plus the characters Markdown, LaTeX and template engines act
on), URLs through ``link`` (http/https only). Styles are inline so the output
looks the same inside the chatbot (whose sanitizer keeps ``style``) and in
``gr.HTML``, whatever CSS the app was launched with. Each render is one line:
Markdown treats it as a single raw-HTML block.
"""

from __future__ import annotations

import html
import re

from bronwijzer.phrases import phrase
from bronwijzer.ui.i18n import word
from bronwijzer.text import MARKER, short

_EXTRA = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;",
                        "*": "&#42;", "_": "&#95;", "~": "&#126;", "\\": "&#92;", "|": "&#124;"})
INK = "color:#1f2937;"
STYLE = {
    "card": INK + "border:1px solid #d1d5db;border-radius:8px;padding:8px 10px;margin:8px 0;"
                  "background:#f9fafb;",
    "answer": INK + "font-size:1.02em;line-height:1.55;margin:0 0 6px 0;",
    "abstain": "color:#7c2d12;border:2px dashed #ea580c;border-radius:8px;padding:10px 12px;"
               "background:#fff7ed;margin:0 0 6px 0;",
    "error": "color:#7f1d1d;border:1px solid #dc2626;border-radius:8px;padding:8px 12px;"
             "background:#fef2f2;",
    "ok": "color:#14532d;border:1px solid #16a34a;border-radius:8px;padding:8px 12px;"
          "background:#f0fdf4;",
    "badge": "display:inline-block;background:#1d4ed8;color:#fff;border-radius:4px;"
             "padding:0 4px;font-size:0.85em;font-weight:600;",
    "footnote": "color:#6b7280;font-size:0.8em;",
    "label": "font-weight:600;" + INK,
    "passage": INK + "font-size:0.93em;line-height:1.5;margin:4px 0;",
    "mark": "background:#fde68a;color:#111827;padding:0 1px;",
    "refs": INK + "font-size:0.92em;margin:4px 0 0 0;padding-left:18px;",
    "muted": "color:#6b7280;font-size:0.85em;",
    "head": INK + "font-weight:600;margin:8px 0 2px 0;",
    "table": INK + "border-collapse:collapse;width:100%;font-size:0.92em;background:#fff;",
    "cell": "border:1px solid #d1d5db;padding:4px 6px;text-align:left;vertical-align:top;",
}
_CONFIDENCE = ((0.8, "#15803d"), (0.5, "#b45309"), (0.0, "#b91c1c"))


def esc(text: object) -> str:
    """``text`` as inert HTML text (quotes included; Markdown/LaTeX/template characters too)."""
    return html.escape("" if text is None else str(text), quote=True).translate(_EXTRA)


def _lines(text: str) -> str:
    return esc(text).replace("\r\n", "\n").replace("\n", "<br>")


def tag(name: str, style: str, inner: str, **attrs: str) -> str:
    style = STYLE.get(style, style)
    extra = (f' style="{style}"' if style else "") + "".join(f' {k}="{esc(v)}"'
                                                            for k, v in attrs.items())
    return f"<{name}{extra}>{inner}</{name}>"


def link(url: object, text: str | None = None) -> str:
    """A safe outbound link, or "" when ``url`` is not http(s)."""
    if not isinstance(url, str) or not re.match(r"https?://[^\s\"'<>]+$", url.strip(), re.I):
        return ""
    url = url.strip()
    return (f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow" '
            f'style="color:#1d4ed8;text-decoration:underline;">{esc(text or url)}</a>')


def _footnote_marks(escaped: str) -> str:
    """Style the ``[n]`` footnote markers of already escaped text."""
    return MARKER.sub(lambda m: tag("sup", "footnote", f"[{m.group(1)}]",
                                      title=f"footnote {m.group(1)}"), escaped)


def doc_html(text: str) -> str:
    return _footnote_marks(_lines(text))


def render_error(text: str) -> str:
    return tag("div", "error", "⚠ " + esc(text), **{"class": "bw-error"})


def render_ok(text: str) -> str:
    return tag("div", "ok", esc(text), **{"class": "bw-ok"})


def render_reference(ref: dict) -> str:
    """One footnote reference: ``[3] Author (2023) Title. … link``."""
    number = f"[{esc(ref.get('footnote'))}]"
    anchor = link(ref.get("url"), "link ↗")
    return (f'<li class="bw-ref">{tag("span", "label", number)} {esc(ref.get("reference"))}'
            f'{" " + anchor if anchor else ""}</li>')


def _references(refs: list[dict], lang: str) -> str:
    if not refs:
        return ""
    items = "".join(render_reference(r) for r in refs)
    return (tag("div", "muted", esc(phrase("references", lang)) + ":")
            + tag("ul", "refs", items))


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


def render_quote_passage(text: str, spans: list[tuple[int, int]]) -> str:
    """The passage with the quoted spans in ``<mark>``."""
    out, pos = [], 0
    for start, end in spans:
        out += [doc_html(text[pos:start]),
                tag("mark", "mark", doc_html(text[start:end]), **{"class": "bw-quote"})]
        pos = end
    return "".join(out) + doc_html(text[pos:])


def render_source(source: dict, lang: str, segments: list[str] = ()) -> str:
    """A numbered source card: label, passage with the quotes marked, footnote references."""
    head = (tag("span", "badge", f"[{esc(source['number'])}]") + " "
            + tag("span", "label", esc(source.get("label") or source.get("doc"))))
    body = render_quote_passage(source.get("text") or "", _spans(source, list(segments)))
    return tag("div", "card", head + tag("div", "passage", body)
               + _references(source.get("references") or [], lang),
               **{"class": f"bw-source bw-n-{esc(source['number'])}"})


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


def render_answer_text(text: str, sources: list[dict]) -> str:
    """The answer as text: one badge per run of sentences from one source.

    A badge shows its source's quote on hover (``title``) and scrolls to the source on
    click (the page script); a run opening with a referring word ("Dit komt omdat…")
    is preceded by the passage's sentence it refers to, in grey. Footnote markers of
    the quoted text stay superscripts.
    """
    by_number = {str(s["number"]): s for s in sources}
    runs, out = _source_runs(text, sources), []
    for i, (sentence, number) in enumerate(runs):
        prev_number = runs[i - 1][1] if i else None
        source = by_number.get(number or "", {})
        if number and number != prev_number and _refers_back(sentence):
            context = context_before(sentence, source.get("text") or "")
            if context:
                out.append(tag("span", "muted", "(… " + _footnote_marks(_lines(context)) + ") ",
                               **{"class": "bw-context"}))
        out.append(("" if not i else " ") + _footnote_marks(_lines(sentence.strip())))
        next_number = runs[i + 1][1] if i + 1 < len(runs) else None
        if number and number != next_number:
            out.append(" " + tag("span", "badge", f"[{esc(number)}]",
                                 **{"class": f"bw-marker bw-n-{esc(number)}", "role": "link",
                                    "title": _hover_text(source)}))
    return "".join(out)


def render_confidence(confidence: float, lang: str) -> str:
    color = next(c for limit, c in _CONFIDENCE if confidence >= limit)
    pill = (f"display:inline-block;border:1px solid {color};color:{color};border-radius:10px;"
            "padding:0 8px;font-size:0.8em;background:#fff;")
    return tag("span", pill, f"{esc(phrase('confidence', lang))} {confidence:.2f}",
                **{"class": "bw-confidence"})


def _related(passages: list[dict], lang: str) -> str:
    items = "".join(
        tag("div", "card", tag("span", "label", esc(p.get("label") or p.get("doc")))
             + tag("div", "passage", doc_html(short(p.get("text") or "", 420))))
        for p in passages[:3])
    return tag("div", "head", esc(phrase("related", lang)) + ":") + items if items else ""


def render_answer(data: dict, lang: str | None = None) -> str:
    """A chat answer: text with markers, confidence, then the numbered sources (or related)."""
    lang = lang or data.get("lang") or "en"  # the interface's language, else the answer's
    confidence = render_confidence(float(data.get("confidence") or 0.0), lang)
    if data.get("abstained"):
        reason = data.get("reason")
        why = tag("div", "margin-top:4px;", esc(word("why", lang)) + ": " + esc(reason),
                  **{"class": "bw-reason"}) if reason else ""
        box = tag("div", "abstain", "⊘ " + tag("b", "", esc(data.get("answer")))
                  + " " + confidence + why, **{"class": "bw-abstain"})
        return tag("div", "", box + _related(data.get("passages") or [], lang),
                    **{"class": "bw-answer"})
    sources, answer = data.get("sources") or [], data.get("answer") or ""
    text = tag("div", "answer", render_answer_text(answer, sources) + " " + confidence,
                **{"class": "bw-text"})
    segments = quoted_segments(answer, sources)
    cards = "".join(render_source(s, lang, segments.get(str(s["number"]), [])) for s in sources)
    block = (f'<details open class="bw-sources"><summary style="{STYLE["head"]}cursor:pointer;">'
             f'{esc(phrase("sources", lang))} ({len(sources)})</summary>{cards}</details>')
    return tag("div", "", text + (block if sources else ""), **{"class": "bw-answer"})


def count(n: int, word: str) -> str:
    """``1 document``, ``2 documents``."""
    return f"{n} {word}{'' if n == 1 else 's'}"

