"""The interface's own words in Dutch and English (answers' words are in ``bronwijzer.phrases``).

``ui_lang`` picks the language from the browser's ``Accept-Language`` header (Dutch when
Dutch is preferred over English, else English); ``word(key, lang)`` gives a phrase.
"""

from __future__ import annotations

import re

LANGS = ("nl", "en")
WORDS: dict[str, dict[str, str]] = {
    "why": {"nl": "Waarom", "en": "Why"},
    "about": {"nl": "over", "en": "about"},
    "ask": {"nl": "Vraag", "en": "Ask"},
    "clear": {"nl": "Wissen", "en": "Clear"},
    "placeholder": {"nl": "Stel een vraag…", "en": "Ask a question…"},
    "export-md": {"nl": "Gesprek downloaden (.md)", "en": "Download conversation (.md)"},
    "export-docx": {"nl": "Gesprek downloaden (.docx)", "en": "Download conversation (.docx)"},
    "copy-link": {"nl": "Link kopiëren", "en": "Copy link"},
    "copy-md": {"nl": "Kopiëren als Markdown", "en": "Copy as Markdown"},
}


def word(key: str, lang: str) -> str:
    """The phrase ``key`` in ``lang`` (English for any other language).

    Args:
        key: a key of ``WORDS``.
        lang: ``nl`` or ``en``.

    Returns:
        The phrase.
    """
    table = WORDS[key]
    return table.get(lang, table["en"])


def ui_lang(accept_language: str | None, default: str = "en") -> str:
    """The interface language for an ``Accept-Language`` header.

    Args:
        accept_language: e.g. ``"nl-NL,nl;q=0.9,en;q=0.8"``.
        default: when neither Dutch nor English is asked for.

    Returns:
        ``nl`` or ``en``: the one with the higher weight (the first on a tie).
    """
    best: tuple[float, str] | None = None
    for part in str(accept_language or "").split(","):
        m = re.match(r"\s*([A-Za-z]{2})(?:-[\w-]+)?\s*(?:;\s*q\s*=\s*([0-9.]+))?", part)
        if not m or m.group(1).lower() not in LANGS:
            continue
        try:
            q = float(m.group(2)) if m.group(2) else 1.0
        except ValueError:
            continue
        if best is None or q > best[0]:
            best = (q, m.group(1).lower())
    return best[1] if best else default
