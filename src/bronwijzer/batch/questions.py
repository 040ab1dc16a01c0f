"""Reading question lists: ``.jsonl``, ``.csv``, ``.xlsx`` or ``.txt``.

``.jsonl``: ``question``, optional ``id``, other fields kept. ``.csv``: the question and id
columns found by their usual Dutch and English names in any case (``QUESTION_NAMES``,
``ID_NAMES``) or named by the caller; the delimiter (, ; tab or |) read from the header
line; UTF-8 with or without BOM, cp1252 as a fallback. ``.xlsx``: the first sheet, same
columns. ``.txt``: a question a line. The readers yield raw items
``(n, id, question, extra, error)``; :func:`bronwijzer.batch.runner.read_questions` turns
them into ``Row``s.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from bronwijzer.errors import BatchInputError

INPUT_FORMATS = (".jsonl", ".csv", ".xlsx", ".txt")
# Usual names, in order of preference, matched in any case; any other column can be named.
QUESTION_NAMES = ("question", "questions", "vraag", "vragen", "vraagstelling")
ID_NAMES = ("id", "nr", "nr.", "nummer", "no", "no.", "number", "#", "volgnummer")
DELIMITERS = ",;\t|"
ONE_COLUMN = "\x1f"  # delimiter for a one-column CSV, so commas in questions never split
# A cell starting with one of these is a formula to a spreadsheet ("CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ListForm:
    """How a question list is written, for its answers to follow (None: not applicable)."""

    column: str | None = None  # the question column's name, lower case (.csv/.xlsx)
    delimiter: str | None = None  # a CSV's delimiter (``ONE_COLUMN``: it has one column)
    encoding: str | None = None  # a CSV's encoding, as read ("utf-8-sig", "utf-8", "cp1252")
    ascii: bool = False  # a CSV with only ASCII characters (nothing tells how it was saved)


def checked_suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    """The lowered extension of ``path``, refused unless it is one of ``allowed``.

    Args:
        path: the file.
        allowed: the extensions accepted (``".csv"``, ...).
        what: "input" or "output", for the message.

    Returns:
        The extension, lower case.

    Raises:
        BatchInputError: another extension.
    """
    if path.suffix.lower() not in allowed:
        raise BatchInputError(f"{path.name}: unsupported {what} file type "
                              f"{path.suffix or '(none)'!r}; supported: {', '.join(allowed)}")
    return path.suffix.lower()


def read_text(path: Path) -> tuple[str, str]:
    """A text file's text and the encoding it was read with.

    Args:
        path: the file.

    Returns:
        The text and ``"utf-8-sig"`` (UTF-8 with a BOM), ``"utf-8"`` or ``"cp1252"``.

    Raises:
        BatchInputError: the file is neither UTF-8 nor cp1252.
    """
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig", "cp1252")
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    raise BatchInputError(f"{path.name} is not UTF-8 text")


def norm_id(value) -> str | None:
    """An id as text (``3.0`` -> ``"3"``), with the quote put before a formula removed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        text = text[1:]
    return text or None


def json_item(n: int, line: str) -> tuple:
    """``(id, question, extra, error)`` of one JSON line (``error`` set when it is bad)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        return None, None, {}, f"line {n} is not valid JSON ({error.msg}, column {error.colno})"
    if not isinstance(obj, dict):
        return None, None, {}, f"line {n} is not a JSON object"
    extra = {k: v for k, v in obj.items() if k not in ("id", "question")}
    return obj.get("id"), obj.get("question"), extra, None


def line_items(path: Path, jsonl: bool) -> Iterator[tuple]:
    """Raw items of a ``.jsonl`` (an object a line) or ``.txt`` (a question a line)."""
    for n, line in enumerate(read_text(path)[0].split("\n"), 1):
        if line.strip():
            yield (n, *json_item(n, line)) if jsonl else (n, None, line, {}, None)


def sniff_delimiter(text: str, columns: tuple[str, ...]) -> str:
    """Of , ; tab |: the one splitting the header line into one of ``columns`` and most others.

    Args:
        text: the CSV text.
        columns: lowered column names that the header should hold.

    Returns:
        The delimiter; ``ONE_COLUMN`` when none splits the header.
    """
    first = next((line for line in text.split("\n") if line.strip()), "")
    names = {d: [n.strip().lower() for n in next(csv.reader([first], delimiter=d), [])]
             for d in DELIMITERS}
    best = max(names, key=lambda d: (any(c in names[d] for c in columns), len(names[d])))
    return best if len(names[best]) > 1 else ONE_COLUMN


def csv_table(path: Path, column: str | None = None) -> list[tuple[int, list]]:
    """The rows of a CSV question list as ``(line number, cells)``.

    Raises:
        BatchInputError: unreadable text or CSV.
    """
    return _csv(path, column)[0]


def _csv(path: Path, column: str | None) -> tuple[list[tuple[int, list]], ListForm]:
    """The rows of a CSV, and its delimiter and encoding (the column is found later)."""
    text, encoding = read_text(path)
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # overlong questions: bad rows
    form = ListForm(None, sniff_delimiter(text, wanted_names(column)), encoding, text.isascii())
    reader = csv.reader(io.StringIO(text), delimiter=form.delimiter)
    try:
        return [(reader.line_num, row) for row in reader], form
    except csv.Error as error:
        raise BatchInputError(f"{path.name}: unreadable CSV near line {reader.line_num} "
                              f"({error})") from None


def sheet_table(path: Path) -> list[tuple[int, list]]:
    """The rows of the first sheet of a workbook as ``(row number, cells)``.

    Raises:
        BatchInputError: not a readable .xlsx file.
    """
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as error:
        raise BatchInputError(f"{path.name} is not a readable .xlsx file ({error})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True) if book.worksheets else []
        return [(n, list(cells)) for n, cells in enumerate(rows, 1)]
    finally:
        book.close()


def wanted_names(column: str | None) -> tuple[str, ...]:
    """Names the question column may have: the one chosen first, then ``QUESTION_NAMES``."""
    return ((column.strip().lower(),) if column and column.strip() else ()) + QUESTION_NAMES


def find_column(names: list[str], chosen: str | None, usual: tuple[str, ...]) -> int:
    """The index of a column in a lowered header.

    Args:
        names: the header's names, lower case.
        chosen: the name the user gave (any case), or None.
        usual: the names to try, in order, when none was given.

    Returns:
        The column's index, or -1 when there is none.
    """
    wanted = (chosen.strip().lower(),) if chosen and chosen.strip() else usual
    return next((names.index(w) for w in wanted if w in names), -1)


def table_header(table: list[tuple[int, list]]) -> list[str]:
    """The header (first non-empty row) of a table of ``(row number, cells)``, as text.

    Args:
        table: the rows of a sheet or CSV.

    Returns:
        The header's cells, stripped ("" for empty ones).
    """
    rows = [cells for _, cells in table if any(str(c or "").strip() for c in cells)]
    return ["" if c is None else str(c).strip() for c in (rows[0] if rows else [])]


def _columns(header: list[str], name: str, column: str | None,
             id_column: str | None) -> tuple[int, int]:
    """The question and id columns' indexes (id -1: none), or a clear error."""
    names = [h.lower() for h in header]
    q_col = find_column(names, column, QUESTION_NAMES)
    id_col = find_column(names, id_column, ID_NAMES)
    found = ", ".join(repr(h) for h in header if h) or "none"
    if q_col < 0:
        what = (f"no column {column!r}" if column
                else f"no question column (looked for {', '.join(QUESTION_NAMES)})")
        raise BatchInputError(f"{name} has {what}; columns found: {found}. "
                              "Choose one with --column NAME")
    if id_column and id_col < 0:
        raise BatchInputError(f"{name} has no column {id_column!r}; columns found: {found}")
    return q_col, -1 if id_col == q_col else id_col


def table_items(table: list[tuple[int, list]], name: str, column: str | None = None,
                id_column: str | None = None) -> Iterator[tuple]:
    """Raw items of a table whose first non-empty row is a header with a question column.

    Raises:
        BatchInputError: no question column, or no column ``id_column`` (raised by this
            call itself, not while iterating).
    """
    rows = [(n, cells) for n, cells in table if any(str(c or "").strip() for c in cells)]
    header = table_header(rows)
    q_col, id_col = _columns(header, name, column, id_column)

    def items() -> Iterator[tuple]:
        for n, cells in rows[1:]:
            cell = dict(enumerate(cells)).get
            extra = {h: cell(j) for j, h in enumerate(header) if h and j not in (q_col, id_col)}
            question = cell(q_col)  # numbers in a question cell count as text
            question = question if question is None or isinstance(question, str) else str(question)
            yield n, cell(id_col), question, extra, None
    return items()


def read_items(path: Path, column: str | None = None,
               id_column: str | None = None) -> tuple[Iterator[tuple], ListForm]:
    """The raw items of a question list, and how it is written.

    Args:
        path: a ``.jsonl``, ``.csv``, ``.xlsx`` or ``.txt`` file.
        column: the question column of a .csv/.xlsx (any case; default: ``QUESTION_NAMES``).
        id_column: the id column (default: ``ID_NAMES``).

    Returns:
        Items ``(n, id, question, extra, error)`` in file order, and the list's ``ListForm``.

    Raises:
        BatchInputError: unsupported extension, no question column, unreadable file.
    """
    kind = checked_suffix(path, INPUT_FORMATS, "input")
    if kind not in (".csv", ".xlsx"):
        return line_items(path, jsonl=kind == ".jsonl"), ListForm()
    table, form = _csv(path, column) if kind == ".csv" else (sheet_table(path), ListForm())
    items = table_items(table, path.name, column, id_column)
    header = [h.lower() for h in table_header(table)]
    return items, replace(form, column=header[find_column(header, column, QUESTION_NAMES)])
