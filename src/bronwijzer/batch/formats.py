"""Reading question files and writing (and, to resume, re-reading) answer files for batches.

Input by extension: ``.jsonl`` (``question``, optional ``id``, other fields kept), ``.csv``
(the question and id columns found by their usual Dutch and English names in any case,
``QUESTION_NAMES``/``ID_NAMES``, or named by the caller; delimiter , ; tab or | read
from the header line;
UTF-8 with or without BOM, cp1252 as a fallback), ``.xlsx`` (first sheet) or ``.txt`` (a
question a line). The readers yield raw items ``(n, id, question, extra, error)``;
:func:`bronwijzer.batch.runner.read_questions` turns them into ``Row``s.

Output by extension: ``.jsonl`` (answer dict + ``id`` + the input's other fields), ``.csv``
(UTF-8 with BOM, comma) or ``.xlsx``, with ``COLUMNS``. Written as it goes: after each batch
jsonl/csv are appended, flushed and fsynced. An ``.xlsx`` cannot be appended to, so its rows
go to a sidecar ``<name>.xlsx.partial.jsonl`` as they come (appended, fsynced) and the
workbook is written once, when the run ends or is interrupted (temp file + ``os.replace``),
then the sidecar is removed (:mod:`bronwijzer.batch.xlsx`): linear time for any length.
Without ``resume`` an existing output is replaced only when the first batch is done (written
beside it and swapped in; an ``.xlsx`` when the run ends). With ``resume`` the ids in the
output (error records included) and in a sidecar left by a hard kill are skipped; a record
cut short is dropped and answered again.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from pathlib import Path
from typing import Iterable, Iterator

from bronwijzer.errors import BatchInputError
from bronwijzer.batch.columns import ID_NAMES, QUESTION_NAMES, find_column, table_header
from bronwijzer.batch.xlsx import COLUMNS, rows_text, save_xlsx, sidecar, sidecar_rows
from bronwijzer.files import atomic_write

log = logging.getLogger(__name__)

INPUT_FORMATS = (".jsonl", ".csv", ".xlsx", ".txt")
OUTPUT_FORMATS = (".jsonl", ".csv", ".xlsx")
_ONE_COLUMN = "\x1f"  # delimiter for a one-column CSV, so commas in questions never split


def checked_suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    if path.suffix.lower() not in allowed:
        raise BatchInputError(f"{path.name}: unsupported {what} file type "
                         f"{path.suffix or '(none)'!r}; supported: {', '.join(allowed)}")
    return path.suffix.lower()


def _text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    raise BatchInputError(f"{path.name} is not UTF-8 text")


def norm_id(value) -> str | None:
    """An id as text (``3.0`` -> ``"3"``), with the quote ``inert`` put before it removed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    if text[:1] == "'" and text[1:2] in _FORMULA_START:
        text = text[1:]
    return text or None


# A cell starting with one of these is a formula to a spreadsheet ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """A text cell a spreadsheet shows as text: a quote before a formula's first character."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _json_item(n: int, line: str) -> tuple:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        return None, None, {}, f"line {n} is not valid JSON ({error.msg}, column {error.colno})"
    if not isinstance(obj, dict):
        return None, None, {}, f"line {n} is not a JSON object"
    extra = {k: v for k, v in obj.items() if k not in ("id", "question")}
    return obj.get("id"), obj.get("question"), extra, None


def line_items(path: Path, jsonl: bool) -> Iterator[tuple]:
    for n, line in enumerate(_text(path).split("\n"), 1):
        if line.strip():
            yield (n, *_json_item(n, line)) if jsonl else (n, None, line, {}, None)


def _delimiter(text: str, columns: tuple[str, ...]) -> str:
    """Of , ; tab |: the one splitting the header line into one of ``columns`` and most others."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    names = {d: [n.strip().lower() for n in next(csv.reader([first], delimiter=d), [])]
             for d in ",;\t|"}
    best = max(names, key=lambda d: (any(c in names[d] for c in columns), len(names[d])))
    return best if len(names[best]) > 1 else _ONE_COLUMN


def csv_table(path: Path, column: str | None = None) -> list[tuple[int, list]]:
    text = _text(path)
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # overlong questions: bad rows
    names = ((column.strip().lower(),) if column else ()) + QUESTION_NAMES
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text, names))
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise BatchInputError(f"{path.name}: unreadable CSV near line {reader.line_num} ({error})") from None


def sheet_table(path: Path) -> list[tuple[int, list]]:
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


def table_items(table: list[tuple[int, list]], name: str, column: str | None = None,
                 id_column: str | None = None) -> Iterator[tuple]:
    """Items of a table whose first non-empty row is a header with a question column."""
    rows = [(n, cells) for n, cells in table if any(str(c or "").strip() for c in cells)]
    header = table_header(rows)
    names = [h.lower() for h in header]
    q_col = find_column(names, column, QUESTION_NAMES)
    id_col = find_column(names, id_column, ID_NAMES)
    found = ", ".join(repr(h) for h in header if h) or "none"
    if q_col < 0:
        what = f"no column {column!r}" if column else \
            f"no question column (looked for {', '.join(QUESTION_NAMES)})"
        raise BatchInputError(f"{name} has {what}; columns found: {found}. "
                         "Choose one with --column NAME")
    if id_column and id_col < 0:
        raise BatchInputError(f"{name} has no column {id_column!r}; columns found: {found}")
    if id_col == q_col:
        id_col = -1

    def items() -> Iterator[tuple]:
        for n, cells in rows[1:]:
            cell = dict(enumerate(cells)).get
            extra = {h: cell(j) for j, h in enumerate(header) if h and j not in (q_col, id_col)}
            question = cell(q_col)  # numbers in a question cell count as text
            question = question if question is None or isinstance(question, str) else str(question)
            yield n, cell(id_col), question, extra, None
    return items()


def _flat(record: dict) -> list:
    """A record as the values of ``COLUMNS``: sources one per line, footnotes "12, 13"."""
    if record.get("error"):
        return [record["id"], record.get("question") or "", "", None, None, "", "", record["error"]]
    sources = [s for s in record.get("sources") or [] if isinstance(s, dict)]
    lines = [f"[{s.get('number', i)}] " + " ".join(str(s[k]) for k in ("doc", "location") if s.get(k))
             + ": " + " ".join(str(s.get("quote") or s.get("text") or "").split())
             for i, s in enumerate(sources, 1)]
    notes = [c.get("footnote") for c in record.get("citations") or [] if isinstance(c, dict)]
    confidence = record.get("confidence")
    if confidence is not None:
        confidence = round(confidence, 4) if isinstance(confidence, (int, float)) else str(confidence)
    return [record["id"], record.get("question") or "", str(record.get("answer") or ""),
            bool(record.get("abstained")), confidence,
            "\n".join(lines), ", ".join(str(n) for n in dict.fromkeys(notes) if n is not None), ""]


def _csv_line(values: Iterable) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(
        ["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in values])
    return buffer.getvalue()


def _csv_rows(text: str, delimiter: str) -> tuple[list[list[str]], bool]:
    """The complete records of a CSV text, and whether its end was intact."""
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter, strict=True):
            rows.append(row)
    except csv.Error:  # a record cut short inside quotes
        return rows, False
    return (rows, True) if text.endswith("\n") else (rows[:-1], False)


def _earlier_jsonl(path: Path) -> tuple[set[str], str, bool]:
    """Ids, complete lines and intactness of an existing .jsonl output."""
    *lines, tail = _text(path).split("\n")
    kept = [(line, row_id) for line in lines if (row_id := norm_id(_json_item(0, line)[0]))]
    return {i for _, i in kept}, "".join(f"{line}\n" for line, _ in kept), \
        len(kept) == len(lines) and not tail


def _earlier_table(path: Path) -> tuple[set[str], list[list], bool]:
    """Ids, rows in ``COLUMNS`` order and intactness (our layout, nothing cut) of a .csv/.xlsx."""
    if path.suffix.lower() == ".xlsx":
        table, intact = [cells for _, cells in sheet_table(path)], True
    else:
        text = _text(path)
        table, intact = _csv_rows(text, delimiter := _delimiter(text, ("id",)))
        intact = intact and delimiter == ","
    names = ["" if c is None else str(c).strip().lower() for c in (table[0] if table else COLUMNS)]
    if "id" not in names:
        raise BatchInputError(f"cannot resume: {path.name} has no 'id' column")
    rows = [[dict(enumerate(cells)).get(names.index(c)) if c in names else None for c in COLUMNS]
            for cells in table[1:]]
    kept = [row for row in rows if norm_id(row[0])]
    return {norm_id(r[0]) for r in kept}, kept, intact and names == list(COLUMNS) and kept == rows



class OutputFile:
    """The output file, written batch by batch; ``done`` holds the ids already in it."""

    def __init__(self, path: Path, resume: bool):
        self.path, self.kind, self.done, self._handle = path, path.suffix.lower(), set(), None
        self.rows: list[list] = []  # .xlsx: all rows, written to the workbook at close()
        self._pending = False  # .xlsx: the workbook is to be (re)written at close()
        self._fresh = False  # .xlsx: not resuming: the sidecar says the old workbook is void
        # .jsonl/.csv: what the first batch is written after, beside the old file; None: append
        self._start: str | None = "\ufeff" + _csv_line(COLUMNS) if self.kind == ".csv" else ""
        if self.kind == ".xlsx":
            self._open_xlsx(resume)
        elif resume and path.exists():
            if self.kind == ".jsonl":
                self.done, kept, intact = _earlier_jsonl(path)
            else:
                self.done, self.rows, intact = _earlier_table(path)
                kept = "".join(_csv_line(row) for row in self.rows)
            if not intact:
                log.warning("%s: rewriting the earlier output (damaged or other layout)", path.name)
            self._start = None if intact else self._start + kept

    def _open_xlsx(self, resume: bool) -> None:
        """Earlier rows (workbook, then a sidecar left by a hard kill) when resuming."""
        side = sidecar(self.path)
        if not resume:
            side.unlink(missing_ok=True)
            self._fresh = True  # a hard kill must not mix the old workbook into a resume
            return
        fresh, extra = sidecar_rows(side)
        earlier = _earlier_table(self.path)[1] if self.path.exists() and not fresh else []
        for row in earlier + extra:
            if norm_id(row[0]) not in self.done:
                self.done.add(norm_id(row[0]))
                self.rows.append(row)
        self._pending = side.exists()
        if self._pending:  # rewritten whole: a line cut short must not swallow the next
            atomic_write(side, rows_text(extra, fresh).encode("utf-8"))

    def write(self, records: list[dict]) -> None:
        """Append a batch (flushed, fsynced) or swap in the whole file with it."""
        if self.kind == ".xlsx":
            rows = [_flat(r) for r in records]
            self.rows.extend(rows)
            self._pending = True
            if rows:
                first = self._handle is None and self._fresh
                self._handle = self._handle or open(sidecar(self.path), "a", encoding="utf-8")
                self._sync(rows_text(rows, first))
        else:
            text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n"
                           if self.kind == ".jsonl" else _csv_line(map(inert, _flat(r))) for r in records)
            if self._start is not None:
                data = (self._start + text).encode("utf-8")
                atomic_write(self.path, data)
                self._start = None
            elif text:
                self._handle = self._handle or open(self.path, "a", encoding="utf-8", newline="")
                self._sync(text)
        self.done.update(r["id"] for r in records)

    def _sync(self, text: str) -> None:
        self._handle.write(text)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        """Close the file; an ``.xlsx`` is written now, once, and its sidecar removed."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self.kind == ".xlsx" and self._pending:
            atomic_write(self.path, lambda tmp: save_xlsx(tmp, [list(COLUMNS), *self.rows]))
            sidecar(self.path).unlink(missing_ok=True)
            self._pending = False
