"""PDF footnotes: markers found by their smaller, raised glyphs; notes at the page bottom.

pypdf's ``visitor_text`` gives every piece of text with its position and font size.
Pieces are grouped into lines by baseline. The body size is the size most characters
have. A *marker* is a piece of 1–3 digits, clearly smaller than the body text and
raised above its line's baseline; it becomes `` [n]`` after the word it follows,
so the words and punctuation around it stay ("verkennen¹⁹. Dit" -> "verkennen [19]. Dit").
The *notes* are the small-print lines below the last body-size line of a page, each
starting with its number (raised or not); they are kept out of the body.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_SMALL = 0.9      # a note line's font is at most this share of the body size
_MARKER = 0.85    # a marker's font is at most this share of the body size
_RAISE = 0.15     # ... and its baseline this share of the body size above the line's


@dataclass
class Line:
    """One printed line: its baseline, main font size and text pieces ``(x, y, size, text)``."""

    y: float
    size: float = 0.0
    pieces: list = field(default_factory=list)


@dataclass
class GlyphPage:
    """A page read by glyphs: body lines (text with markers, "" for gaps) and notes by number."""

    lines: list[str]
    notes: dict[int, list[str]]
    last_full: bool = False


def _width_of(font_dict, cache: dict):
    """A function giving a text's width in em for the font (an estimate when unknown)."""
    key = id(font_dict)
    if key not in cache:
        try:
            from pypdf.generic._font import Font
            font = Font.from_font_resource(font_dict)
            cache[key] = lambda text: font.get_text_width(text) / 1000.0
        except Exception:  # noqa: BLE001 - no metrics: half an em per character
            cache[key] = lambda text: 0.5 * len(text)
    return cache[key]


def _pieces(page) -> list[tuple]:
    """The page's text pieces ``(x, y, size, text, width, spaces before, space after,
    rise unknown)``.

    pypdf reports the text matrix of the text object, not advanced by the text shown
    before in it, and no text rise: a piece shown in the same text object as the one
    before is placed after it, and its rise counts as unknown.
    """
    out, fonts, last = [], {}, {"key": None, "end": 0.0}

    def visit(text, cm, tm, font_dict, font_size):
        text = (text or "").replace("\n", "")
        key = (*tm, *cm)
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
        size = float(font_size) * scale
        width = _width_of(font_dict, fonts) if font_dict is not None else (lambda t: 0.5 * len(t))
        same = key == last["key"]
        x = last["end"] if same else tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        last["key"], last["end"] = key, x + width(text) * size
        if not text.strip():
            if text and out:   # a space of its own: the piece before ends a word
                out[-1] = (*out[-1][:6], True, out[-1][7])
            return
        out.append((x, y, size, text.strip(), width(text.rstrip()) * size,
                    len(text) - len(text.lstrip()), text[-1:].isspace(), same))

    from pypdf.errors import LimitReachedError
    try:
        page.extract_text(visitor_text=visit)
    except LimitReachedError:
        raise  # a decompression bomb refuses the file (corpus/limits.py)
    except Exception:  # noqa: BLE001 - a page pypdf cannot walk gives no pieces
        return []
    return out


def body_size(pages: list[list[tuple]]) -> float:
    """The font size most characters of the document have."""
    sizes = Counter()
    for pieces in pages:
        for _, _, size, text, *_ in pieces:
            if size:
                sizes[round(size, 1)] += len(text.strip())
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _lines(pieces, body: float) -> list[Line]:
    """Pieces grouped by baseline, top to bottom; raised small digits join the line below."""
    lines: list[Line] = []
    tolerance = 0.35 * body
    normal = sorted((p for p in pieces if p[2]), key=lambda p: (-p[1], p[0]))
    for piece in normal:
        if _is_marker_piece(piece, body):
            continue
        line = next((ln for ln in lines if abs(ln.y - piece[1]) <= tolerance), None)
        if line is None:
            line = Line(piece[1])
            lines.append(line)
        line.pieces.append(piece)
    for piece in normal:
        if _is_marker_piece(piece, body):
            below = [ln for ln in lines if 0 <= piece[1] - ln.y <= 0.8 * body]
            if below:
                min(below, key=lambda ln: piece[1] - ln.y).pieces.append(piece)
            else:
                lines.append(Line(piece[1], pieces=[piece]))
    for line in lines:
        line.pieces.sort(key=lambda p: p[0])
        sizes = Counter()
        for p in line.pieces:
            sizes[round(p[2], 1)] += len(p[3].strip()) * (0 if _is_marker_piece(p, body) else 1)
        top = sizes.most_common(1)
        line.size = top[0][0] if top and top[0][1] else max(p[2] for p in line.pieces)
    return sorted(lines, key=lambda ln: -ln.y)


def _is_marker_piece(piece, body: float) -> bool:
    return bool(re.fullmatch(r"\s*\d{1,3}\s*", piece[3])) and 0 < piece[2] <= _MARKER * body


def _raised(piece, line: Line, body: float) -> bool:
    """Raised above the line's baseline (or set in the same text object as the text
    before it, where pypdf cannot tell the rise)."""
    return piece[1] - line.y >= _RAISE * body or (piece[7] and piece[0] > line.pieces[0][0])


def line_text(line: Line, body: float, known: set[int] | None = None) -> tuple[str, int | None]:
    """The line's text with markers as `` [n]``, and the number it starts with when it
    starts with a raised small number (a note's number). A marker sticks to the word
    before it; after it, a space stands only where the next glyph is set apart, so the
    words and punctuation around a marker stay as printed ("verkennen [19]. Dit").
    """
    text, lead, previous, after_marker = "", None, None, None
    for piece in line.pieces:
        chunk = piece[3]
        if _is_marker_piece(piece, body) and _raised(piece, line, body):
            number = int(chunk)
            if not text:
                lead = number
                continue
            if known is None or number in known:
                text, after_marker = f"{text.rstrip()} [{number}]", piece[0] + piece[4]
                previous = None
                continue
        if after_marker is not None:
            # pypdf puts one space of its own before text that follows a change of font
            spaced = piece[5] >= 2 or piece[0] - after_marker > 0.12 * piece[2]
        elif previous is not None:
            spaced = previous[6] or piece[5] or piece[0] - (previous[0] + previous[4]) > 0.25 * piece[2]
        else:
            spaced = False
        text += (" " if spaced and text else "") + chunk
        previous, after_marker = piece, None
    return " ".join(text.split()), lead


def note_start(line: Line, body: float) -> tuple[int, str] | None:
    """``(number, text)`` when the line starts a note: small print led by its number."""
    if not line.size or line.size > _SMALL * body:
        return None
    text, lead = line_text(line, body, known=set())
    if lead is not None and text:
        return lead, text
    m = re.match(r"(\d{1,3})[.)]?\s+(\S.*)$", text)
    return (int(m.group(1)), m.group(2)) if m else None


def split_page(lines: list[Line], body: float) -> tuple[list[Line], dict[int, list[str]]]:
    """The body lines and the notes (their text lines by number) of one page.

    Small print below the last body line but above the first numbered note is the
    continuation of a note from the page before: it is kept under number 0.
    """
    last_body = max((i for i, ln in enumerate(lines) if ln.size > _SMALL * body), default=-1)
    notes: dict[int, list[str]] = {}
    current, cut = None, len(lines)
    for i in range(last_body + 1, len(lines)):
        start = note_start(lines[i], body)
        if start is not None and (current is None or start[0] > current):
            current = start[0]
            notes[current] = [start[1]]
            cut = min(cut, i)
        elif lines[i].size <= _SMALL * body:
            text = line_text(lines[i], body, known=set())[0]
            if text and not re.fullmatch(r"[\divxlc]{1,6}", text, re.I):
                notes.setdefault(current or 0, []).append(text)
    if 0 in notes and len(notes) > 1:
        cut = min(cut, last_body + 1)
    elif 0 in notes:
        del notes[0]      # small print without any note: a caption or a foot, not a note
    return lines[:cut], notes


def _carry_over(split: list) -> dict[int, list[str]]:
    """All notes by number, a note's continuation on the next page joined to it."""
    notes: dict[int, list[str]] = {}
    last = None
    for _, found in split:
        for n, text in found.items():
            if n == 0 and last is not None:
                notes[last] += text
            elif n:
                notes[n], last = list(text), n
    return notes


def read_glyph_pages(pages) -> tuple[list[list[Line]], float]:
    """Every page's lines by glyph position, and the body font size.

    Args:
        pages: pypdf page objects.

    Returns:
        ``(lines per page, body size)``.
    """
    pieces = [_pieces(page) for page in pages]
    body = body_size(pieces)
    return [_lines(p, body) for p in pieces], body


def gap_lines(lines: list[Line], body: float, known: set[int]) -> list[str]:
    """Body lines as text, with "" for each quarter body size of vertical distance
    (the form :func:`bronwijzer.corpus.pdf.read_pdf` groups into paragraphs)."""
    out: list[str] = []
    previous = None
    for line in lines:
        if previous is not None:
            out += [""] * max(0, round((previous - line.y) / (0.25 * body)) - 1)
        out.append(line_text(line, body, known)[0])
        previous = line.y
    return out


def _multi_column(glyph: list[list[Line]], body: float) -> bool:
    """Whether many body lines have a gutter-wide gap inside (columns side by side): such
    pages are read in stream order by the plain reader instead (their notes are lost)."""
    lines = [ln for page in glyph for ln in page if ln.size > _SMALL * body]
    wide = sum(any(b[0] - (a[0] + a[4]) > 2 * body for a, b in zip(ln.pieces, ln.pieces[1:]))
               for ln in lines)
    return bool(lines) and wide >= 0.3 * len(lines)


def footnoted_pages(pages, labels: list[str | None] | None = None
                    ) -> tuple[list[list[str]], dict[int, list[str]], list[bool]] | None:
    """The pages' body lines (markers as `` [n]``) and the notes, when the PDF has footnotes.

    Args:
        pages: pypdf page objects.
        labels: the printed page labels, when known (a line that is one is a page number).

    Returns:
        ``(lines per page, note lines by number, page filled down to its notes)``, or
        None when no raised marker has a note of its number at a page bottom (then the
        PDF is read as plain text).
    """
    from bronwijzer.corpus.pdf_pages import running_lines
    glyph, body = read_glyph_pages(pages)
    if not body or _multi_column(glyph, body):
        return None
    texts = [[line_text(ln, body)[0] for ln in lines] for lines in glyph]
    glyph = [[ln for i, ln in enumerate(lines) if i not in drop]    # heads and feet out first
             for lines, drop in zip(glyph, running_lines(texts, labels))]
    split = [split_page(lines, body) for lines in glyph]
    notes = _carry_over(split)
    markers = {int(p[3]) for lines, _ in split for ln in lines for p in ln.pieces
               if _is_marker_piece(p, body) and _raised(p, ln, body)}
    known = markers & set(notes)
    if not known:
        return None
    texts = [[ln.y for ln in lines if ln.size > _SMALL * body] for lines, _ in split]
    lowest = min((y for ys in texts for y in ys), default=0.0)
    filled = []
    for all_lines, (body_lines, _), ys in zip(glyph, split, texts):
        below = all_lines[len(body_lines)].y if len(all_lines) > len(body_lines) else lowest
        filled.append(bool(ys) and ys[-1] - below <= 5 * body)
    pages = [gap_lines(lines, body, known) for lines, _ in split]
    return pages, {n: notes[n] for n in sorted(known)}, filled
