"""Small text helpers shared by every stage: folding, footnote markers, shortening."""

from __future__ import annotations

import re
import unicodedata

# A footnote marker in a document's clean text: ``[12]``.
MARKER = re.compile(r"\[(\d{1,3})\]")


def fold(text: str) -> str:
    """Lower case without accents: ``Comité`` -> ``comite``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def short(text: str, limit: int = 200) -> str:
    """The text on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
