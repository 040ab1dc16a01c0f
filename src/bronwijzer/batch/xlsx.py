"""The ``.xlsx`` side of batch output: the sidecar of rows and the one-time workbook.

A workbook cannot be appended to, and rewriting it after every batch costs time
quadratic in the list's length. So rows go to a sidecar JSON-lines file as they
come, and :func:`save_xlsx` writes the workbook once (openpyxl's write-only mode),
ready to read: text wrapped, the header row bold and frozen, a filter on every column.
"""

from __future__ import annotations

import json
from pathlib import Path

from bronwijzer.batch.conventions import COLUMNS

_CELL_LIMIT = 32767  # characters in an Excel cell
_WIDTHS = (14, 50, 70, 10, 11, 80, 12, 40)


def sidecar(path: Path) -> Path:
    """Where the rows of an ``.xlsx`` output wait until the workbook is written.

    Args:
        path: the ``.xlsx`` output.

    Returns:
        ``<name>.xlsx.partial.jsonl`` beside it.
    """
    return path.with_name(path.name + ".partial.jsonl")


_FRESH = '{"fresh": true}\n'  # first line of a run that replaces the workbook


def rows_text(rows: list[list], fresh: bool = False) -> str:
    """Rows as sidecar lines (one JSON array a line), after the fresh-run line if asked."""
    return (_FRESH if fresh else "") + "".join(
        json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows)


def sidecar_rows(path: Path) -> tuple[bool, list[list]]:
    """The complete rows of a sidecar.

    Args:
        path: the sidecar (may be missing).

    Returns:
        Whether it comes from a run that replaces the workbook (not a resume), and
        its rows in ``COLUMNS`` order; a line cut short by a hard kill is dropped.
    """
    if not path.exists():
        return False, []
    rows = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for line in text.split("\n"):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, list) and len(row) == len(COLUMNS) and str(row[0] or "").strip():
            rows.append(row)
    return text.startswith(_FRESH), rows


def save_xlsx(path: Path, rows: list[list]) -> None:
    """Write a one-sheet workbook in one pass (formulas kept as text, cells clipped), its
    text wrapped and aligned to the top, the header bold and frozen, a filter on it.

    Args:
        path: the file to write.
        rows: the header, then the rows.

    Returns:
        None.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    book = Workbook(write_only=True)
    sheet = book.create_sheet("answers")
    width = max((len(r) for r in rows), default=0)
    for n, size in enumerate(_WIDTHS[:width], 1):
        sheet.column_dimensions[get_column_letter(n)].width = size
    sheet.freeze_panes = "A2"
    if width:
        sheet.auto_filter.ref = f"A1:{get_column_letter(width)}{max(len(rows), 2)}"
    wrap, bold = Alignment(wrap_text=True, vertical="top"), Font(bold=True)
    for n, values in enumerate(rows):
        sheet.append([_cell(sheet, v, bold if n == 0 else None, wrap) for v in values])
    book.save(path)


def _cell(sheet, value, font, alignment):
    """A write-only cell: text cleaned of characters Excel refuses and clipped, "=…" as text."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:_CELL_LIMIT]
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s" if cell.data_type == "f" else cell.data_type
    cell.alignment = alignment
    if font is not None:
        cell.font = font
    return cell
