"""Page-level helpers for reading PDFs: running heads and feet, the word list that tells
real hyphens from line-break ones, and whether a page's last paragraph runs on onto the
next page."""

from __future__ import annotations

import math
import re
from collections import Counter

_BAND = 3  # lines at the top/bottom of a page searched for running heads/feet


def vocabulary(pages: list[list[str]]) -> set[str]:
    """The document's words, lower case, plus every head of a hyphenated word with its
    hyphen ("woon-werkbalans" adds "woon-"): what a real hyphen at a line end can be.

    Args:
        pages: the lines of every page (and of every note).

    Returns:
        The set of words and hyphenated heads.
    """
    words = {w.lower() for page in pages for ln in page for w in re.findall(r"\w+(?:-\w+)*", ln)}
    heads = {"-".join(w.split("-")[:k]) + "-" for w in words if "-" in w
             for k in range(1, w.count("-") + 1)}
    return words | heads


def filled_pages(pages: list[list[str]], bottom: int) -> list[bool]:
    """Whether each page's text runs down to the bottom of the text area.

    Args:
        pages: the lines of every page ("" for vertical gaps), running feet removed.
        bottom: the lowest line index of any page before running feet were removed.

    Returns:
        One flag per page.
    """
    return [max((i for i, ln in enumerate(page) if ln), default=0) >= 0.85 * bottom
            for page in pages]


def full_last_line(page: list[str], width: int) -> bool:
    """Whether the page's last line runs the full width (on a page filled to the bottom,
    its paragraph goes on on the next page).

    Args:
        page: the page's lines.
        width: the length of a full line, in characters.

    Returns:
        True for a full last line.
    """
    last = next((ln for ln in reversed(page) if ln), "")
    return bool(width) and len(last) >= 0.85 * width


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.lower())).strip()


def _band(lines: list[str]) -> list[int]:
    idx = [i for i, ln in enumerate(lines) if ln]
    return sorted(set(idx[:_BAND] + idx[-_BAND:]))


def _edge_number(line: str) -> int | None:
    """The number a line ends with ("Pagina 12", "Hoofdstuk 2 Inleiding 13", "- 7 -")."""
    m = re.search(r"(?<![\d.,])(\d{1,3})\W{0,3}$", line)
    return int(m.group(1)) if m else None


def running_lines(pages: list[list[str]], labels: list[str | None] | None = None) -> list[set[int]]:
    """Running heads/feet: lines at the top/bottom of pages that recur on many pages
    (digits masked), that carry the printed page number (physical page + a common
    offset), or that are the page's own printed label ("iv" on front matter).

    Args:
        pages: every page's lines ("" for gaps).
        labels: the printed label of each page (``/PageLabels``), when known.

    Returns:
        The indices of the running lines, per page.
    """
    n = len(pages)
    labels = labels or [None] * n
    own = [{i for i in _band(lines) if label and lines[i].strip(" -–").lower() == label.lower()}
           for lines, label in zip(pages, labels)]
    if n < 2:
        return own
    need = n if n <= 3 else max(3, math.ceil(0.4 * n))
    counts = Counter(k for lines in pages for k in {_key(lines[i]) for i in _band(lines)})
    offsets = Counter(x - number for number, lines in enumerate(pages, 1)
                      for x in {_edge_number(lines[i]) for i in _band(lines)} - {None})
    offset, hits = offsets.most_common(1)[0] if offsets else (None, 0)
    return [mine | {i for i in _band(lines) if counts[_key(lines[i])] >= need
                    or (hits >= need and _edge_number(lines[i]) == number + offset)}
            for number, (lines, mine) in enumerate(zip(pages, own), 1)]
