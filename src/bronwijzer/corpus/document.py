"""What reading any source file shares: the error type, the bytes, the blocks, a fallback title.

Used by :mod:`bronwijzer.pdf` and :mod:`bronwijzer.sources` (which re-exports
:class:`IngestError`, the error the readers raise for a file that cannot be read).
"""

from __future__ import annotations

import re
from pathlib import Path

from bronwijzer.errors import IngestError
from bronwijzer.records import Block


def ingest_failure(name: str, reason: str) -> IngestError:
    """An ``IngestError`` for ``name`` with a bare ``reason``."""
    return IngestError(f"{name}: {reason}", reason)


def read_bytes(path: Path, name: str) -> bytes:
    """The file's bytes; unreadable or empty files raise ``IngestError``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ingest_failure(name, f"cannot read file: {exc}") from exc
    if not data:
        raise ingest_failure(name, "empty file")
    return data


def assemble_blocks(paras: list[tuple[str, int | None, str | None]]) -> tuple[str, tuple[Block, ...]]:
    """The document text (paragraphs joined by a blank line) and its numbered blocks."""
    blocks, pos = [], 0
    for number, (text, page, label) in enumerate(paras, 1):
        blocks.append(Block(text=text, start=pos, end=pos + len(text), number=number,
                            page=page, page_label=label))
        pos += len(text) + 2
    return "\n\n".join(p[0] for p in paras), tuple(blocks)


def first_line(text: str) -> str:
    """A fallback title: the first line, cut at a word before 200 characters."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 200 else line[:200].rsplit(" ", 1)[0] + "…"


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the paragraphs of a plain text, stripped of surrounding white space.

    Paragraphs are separated by blank lines; a text without blank lines has one
    paragraph per line.
    """
    separator = re.compile(r"\n\s*\n" if re.search(r"\n\s*\n", text) else r"\n")
    spans, position = [], 0
    for match in [*separator.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[position:end]
        if piece.strip():
            start = position + len(piece) - len(piece.lstrip())
            spans.append((start, position + len(piece.rstrip())))
        position = match.end() if match else len(text)
    return spans
