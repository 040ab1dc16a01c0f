"""The interface's language: ``ui_lang`` picks it from the browser's ``Accept-Language``
header (Dutch when Dutch is preferred over English, else English). The words themselves,
the interface's and the answers', are in one table: ``bronwijzer.phrases.PHRASES``.
"""

from __future__ import annotations

import re

LANGS = ("nl", "en")


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
