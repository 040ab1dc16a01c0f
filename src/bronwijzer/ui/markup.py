"""The only markup the UI makes in Python, and its inline styles; templates use these.

``esc`` makes any text inert: HTML special characters, plus the characters Markdown,
LaTeX and template engines act on, become entities. ``doc_html`` is document text escaped,
its line breaks kept and its footnote markers ``[n]`` as superscripts; ``link`` an
outbound http(s) link (anything else gives ""). ``STYLE`` holds the inline styles (the
chatbot's sanitizer keeps ``style``, so answers look the same there and in ``gr.HTML``).
"""

from __future__ import annotations

import html
import re

from bronwijzer.text import MARKER

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
    "warn": "color:#78350f;border:1px solid #d97706;border-radius:8px;padding:6px 12px;"
            "background:#fffbeb;margin-top:4px;font-size:0.9em;",
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


def esc(text: object) -> str:
    """``text`` as inert HTML text (quotes included; Markdown/LaTeX/template characters too)."""
    return html.escape("" if text is None else str(text), quote=True).translate(_EXTRA)


def _lines(text: str) -> str:
    return esc(text).replace("\r\n", "\n").replace("\n", "<br>")


def link(url: object, text: str | None = None) -> str:
    """A safe outbound link, or "" when ``url`` is not http(s)."""
    if not isinstance(url, str) or not re.match(r"https?://[^\s\"'<>]+$", url.strip(), re.I):
        return ""
    url = url.strip()
    return (f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow" '
            f'style="color:#1d4ed8;text-decoration:underline;">{esc(text or url)}</a>')


def _footnote_marks(escaped: str) -> str:
    """Style the ``[n]`` footnote markers of already escaped text."""
    return MARKER.sub(lambda m: f'<sup style="{STYLE["footnote"]}" title="footnote {m.group(1)}">'
                                f'[{m.group(1)}]</sup>', escaped)


def doc_html(text: str) -> str:
    """Document text as HTML: escaped, line breaks as ``<br>``, footnote markers as ``<sup>``."""
    return _footnote_marks(_lines(text))
