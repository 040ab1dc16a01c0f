"""Small text helpers shared by every stage: folding, footnote markers, shortening,
sentence splitting, the distinct texts of a list."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_UP = "A-ZÀ-ÖØ-Þ"
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


_ABBREVIATIONS = frozenset(
    "z.j. o.a. bijv. bv. e.g. i.e. etc. nr. no. blz. p. pp. ca. dr. mr. ir. prof. drs. "
    "m.b.t. t.o.v. e.d. d.w.z. resp. incl. excl. vs. jr. sr. st. mrs. ms. mw. dhr. fig. "
    "art. red. ed. eds. vol. cf. al. zgn. i.p.v. m.n. a.s. n.a.v.".split())
_BOUNDARY_RE = re.compile(r"[.?!…]+[’”'\")\]]*(?=\s+[\[(‘“\"'" + _UP + r"\d])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a passage text.

    Splits after ``.``/``?``/``!`` (with closing quotes) followed by a capital,
    digit or opening quote, and at line breaks; not after initials (``M.``),
    abbreviations (``z.j.``, ``o.a.``, ...) or inside decimals. A footnote marker
    before the full stop (``keuzes [3].``) stays with its sentence.

    Args:
        text: the passage text.

    Returns:
        ``(start, end)`` offsets of each sentence, whitespace trimmed, in order.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for m in _BOUNDARY_RE.finditer(text, line.start(), line.end()):
            if _is_abbreviation(text, line.start(), m.start()):
                continue
            spans.append((start, m.end()))
            start = m.end()
        spans.append((start, line.end()))
    return [s for s in (_trim(text, a, b) for a, b in spans) if s[0] < s[1]]


def _is_abbreviation(text: str, lo: int, dot: int) -> bool:
    """Whether the punctuation at ``dot`` ends an initial or a known abbreviation."""
    if text[dot] != ".":
        return False
    word = text[lo:dot + 1].split()[-1] if text[lo:dot + 1].split() else ""
    word = word.lstrip("([‘“\"'")
    return bool(re.fullmatch(rf"[{_UP}]\.", word)) or word.lower() in _ABBREVIATIONS


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Shrink a span to exclude surrounding whitespace."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def distinct(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """The distinct texts in first-seen order and each text's row among them: a text that
    recurs in a build (a report's stock phrases) is embedded once.

    Args:
        texts: the texts, repeats allowed.

    Returns:
        ``(distinct texts, for each of texts its row in them)``.
    """
    rows: dict[str, int] = {}
    at = [rows.setdefault(t, len(rows)) for t in texts]
    return list(rows), at
