"""Answers for a person at a terminal: wrapped to its width, quotes, sources and footnotes marked.

``answer_for_terminal`` takes the ``ask --json`` dict. On a terminal (``styled``) the
source markers ``[k]`` are bold cyan, quotes bold, footnotes yellow and links underlined;
``NO_COLOR`` in the environment turns colour off. Piped output uses ``present.text.answer_to_text``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap

from bronwijzer.phrases import confidence_words
from bronwijzer.phrases import phrase as message

_CODES = {"bold": "1", "dim": "2", "italic": "3", "underline": "4", "cyan": "36",
          "yellow": "33", "red": "31", "green": "32"}
_MARK = re.compile(r"(\[\d+\])|(«[^»]*»?)|(⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾)")


def wants_style(stream=None) -> bool:
    """Whether to style output: a terminal, and ``NO_COLOR`` not set.

    Args:
        stream: the output (default ``sys.stdout``).

    Returns:
        True to use ANSI styles.
    """
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def width(stream=None) -> int:
    """The terminal's width (at most 100 columns, for reading), 80 when unknown.

    Args:
        stream: unused; the width is the controlling terminal's.

    Returns:
        Columns, between 40 and 100.
    """
    return max(40, min(100, shutil.get_terminal_size((80, 24)).columns))


def _style(text: str, *names: str) -> str:
    return f"\033[{';'.join(_CODES[n] for n in names)}m{text}\033[0m"


def _mark(text: str) -> str:
    """Markers bold cyan, quotes bold, footnote superscripts yellow."""
    def sub(m: re.Match) -> str:
        if m.group(1):
            return _style(m.group(1), "bold", "cyan")
        if m.group(2):
            return _style(m.group(2), "bold")
        return _style(m.group(3), "yellow")
    return _MARK.sub(sub, text)


def _wrap(text: str, cols: int, indent: str = "", styled: bool = True) -> list[str]:
    lines = textwrap.wrap(" ".join(text.split()), cols, initial_indent=indent,
                          subsequent_indent=indent, break_on_hyphens=False) or [indent]
    if not styled:
        return lines
    out, quoting = [], False
    for line in lines:  # a quote that runs over lines stays bold on each of them
        head, rest = "", line
        if quoting:
            end = line.find("»")
            head, rest = (line, "") if end < 0 else (line[:end + 1], line[end + 1:])
            head = _style(head, "bold")
        out.append(head + _mark(rest))
        opened, closed = line.rfind("«"), line.rfind("»")
        quoting = opened > closed if max(opened, closed) >= 0 else quoting
    return out


def answer_for_terminal(data: dict, cols: int | None = None, styled: bool = True) -> str:
    """An answer dict as wrapped (and, if ``styled``, marked) text for a terminal.

    Args:
        data: the answer in its ``ask --json`` form.
        cols: the width (default: the terminal's).
        styled: use ANSI bold/colour.

    Returns:
        The text, without a trailing newline.
    """
    cols, lang = cols or width(), data.get("lang") or "en"
    head = (lambda t: _style(t, "bold")) if styled else (lambda t: t)
    lines = []
    if data.get("understood_as"):
        lines += _wrap(f"{message('understood', lang)}: {data['understood_as']}", cols, "", False)
    answer = data.get("answer") or ""
    if data.get("abstained") and data.get("reason"):
        answer += f" ({data['reason']})"  # why it declines
    if data.get("abstained"):
        lines.append(_style(answer, "bold", "red") if styled else answer)
    else:
        lines += _wrap(answer, cols, styled=styled)
    if data.get("abstained"):
        lines += ["", head(f"{message('related', lang)}:")]
        for p in (data.get("passages") or [])[:3]:
            lines += _wrap(f"- {p.get('label')}: {p.get('text')}", cols, "  ", False)[:3]
    elif data.get("sources"):
        lines += ["", head(f"{message('sources', lang)}:")]
        for s in data["sources"]:
            number = f"[{s['number']}]"
            lines.append("  " + (_style(number, "bold", "cyan") if styled else number) + " "
                         + (_style(s.get("label") or "", "bold") if styled else s.get("label") or ""))
            lines += _wrap(f"«{s.get('quote') or ''}»", cols, "      ", styled)
    lines += _footnotes(data.get("citations") or [], cols, lang, styled)
    value = float(data.get("confidence") or 0)
    confidence = f"({message('confidence', lang)}: {confidence_words(value, lang)}, {value:.2f})"
    lines += ["", _style(confidence, "dim") if styled else confidence]
    return "\n".join(lines)


def _footnotes(notes: list[dict], cols: int, lang: str, styled: bool) -> list[str]:
    """The footnote references, numbers in yellow and links underlined when styled."""
    if not notes:
        return []
    title = f"{message('references', lang)}:"
    lines = ["", _style(title, "bold") if styled else title]
    several = len({c.get("doc") for c in notes}) > 1  # numbering is per document
    for c in notes:
        label = f"{c.get('doc') + ' ' if several else ''}{c['footnote']}."
        url = f" <{c['url']}>" if c.get("url") else ""
        body = textwrap.wrap(f"{label} {c['reference']}{url}", cols, initial_indent="  ",
                             subsequent_indent="     ", break_on_hyphens=False)
        if styled:
            body = [re.sub(r"<(https?://[^>]+)>", lambda m: _style(m.group(1), "underline"),
                           line.replace(f"  {label}", "  " + _style(label, "yellow"), 1))
                    for line in body]
        lines += body
    return lines
