"""Showing what a user typed as plain text, whatever renders it (issue 21).

``plain_html`` is for HTML that a Markdown renderer may also read (Gradio's chatbot): HTML
is escaped, and so is every character of Markdown, LaTeX and template syntax, so that
``[link](http://x)`` and ``![](http://x/img.png)`` show as typed instead of becoming a link
or an image that loads. ``no_raw_html`` is for Markdown files (the conversation export):
raw HTML shows as text there.
"""

from __future__ import annotations

import html
import re

_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "$`*_~\\|{}[]()!#+-:"})


def plain_html(text: object) -> str:
    """``text`` as inert HTML text: HTML, Markdown (links, images, emphasis), LaTeX and
    template characters all shown as typed.

    Args:
        text: what the user typed (None: "").

    Returns:
        HTML text; ``html.unescape`` gives ``text`` back.
    """
    return html.escape("" if text is None else str(text), quote=True).translate(_INERT)


_AUTOLINK = re.compile(r"&lt;(https?://[^\s<>]+)>")


def no_raw_html(markdown: str) -> str:
    """Markdown with its raw HTML made text (``<`` and ``&`` as entities); Markdown's own
    autolinks (``<https://...>``) stay links."""
    text = markdown.replace("&", "&amp;").replace("<", "&lt;")
    return _AUTOLINK.sub(r"<\1>", text)
