"""Writing answer files batch by batch, and re-reading them to resume.

Output by extension: ``.jsonl`` (answer dict + ``id`` + the input's other fields), ``.csv``
or ``.xlsx`` with the columns of ``COLUMNS`` under headers, delimiter and byte order mark
that follow the question list (:mod:`bronwijzer.batch.conventions`). Written as it goes:
after each batch jsonl/csv are appended, flushed and fsynced. An ``.xlsx`` cannot be
appended to, so its rows go to a sidecar ``<name>.xlsx.partial.jsonl`` as they come
(appended, fsynced) and the workbook is written once, when the run ends or is interrupted
(temp file + ``os.replace``), then the sidecar is removed (:mod:`bronwijzer.batch.xlsx`):
linear time for any length. Without ``resume`` an existing output is replaced only when the
first batch is done (written beside it and swapped in; an ``.xlsx`` when the run ends).
With ``resume`` the ids in the output (error records included) and in a sidecar left by a
hard kill are skipped; a record cut short is dropped and answered again; an output in
another layout (other headers, delimiter or language) is rewritten in this one.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from bronwijzer.batch.conventions import COLUMNS, Conventions, canonical
from bronwijzer.batch.questions import (
    FORMULA_START,
    json_item,
    norm_id,
    read_text,
    sheet_table,
    sniff_delimiter,
)
from bronwijzer.batch.xlsx import rows_text, save_xlsx, sidecar, sidecar_rows
from bronwijzer.errors import BatchInputError
from bronwijzer.files import atomic_write

log = logging.getLogger(__name__)

OUTPUT_FORMATS = (".jsonl", ".csv", ".xlsx")


def inert(value):
    """A text cell a spreadsheet shows as text: a quote before a formula's first character."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def flat_row(record: dict) -> list:
    """A record as the values of ``COLUMNS``: sources one per line, footnotes "12, 13".

    Args:
        record: an answer record (``ask --json`` shape + ``id``) or an error record.

    Returns:
        The row's values (booleans and numbers as they are).
    """
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


def csv_line(values: Iterable, conventions: Conventions) -> str:
    """One CSV line in ``conventions`` (delimiter, yes/no words, decimal mark)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=conventions.delimiter).writerow(
        [conventions.cell(v) for v in values])
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


@dataclass(frozen=True)
class Earlier:
    """What an existing output holds: its ids, its complete records (.jsonl lines, or
    .csv/.xlsx rows in ``COLUMNS`` order), and whether it can be appended to as it is."""

    ids: set[str]
    records: str | list[list]
    intact: bool


def _earlier_jsonl(path: Path) -> Earlier:
    """An existing .jsonl output: intact when no line is cut short or without an id."""
    *lines, tail = read_text(path)[0].split("\n")
    kept = [(line, row_id) for line in lines if (row_id := norm_id(json_item(0, line)[0]))]
    return Earlier({i for _, i in kept}, "".join(f"{line}\n" for line, _ in kept),
                   len(kept) == len(lines) and not tail)


def _earlier_table(path: Path, conventions: Conventions) -> Earlier:
    """An existing .csv/.xlsx output: intact when in this layout (headers, delimiter),
    UTF-8 and nothing cut short."""
    if path.suffix.lower() == ".xlsx":
        table, intact = [cells for _, cells in sheet_table(path)], True
    else:
        text, encoding = read_text(path)
        delimiter = sniff_delimiter(text, ("id",))
        table, intact = _csv_rows(text, delimiter)
        intact = intact and delimiter == conventions.delimiter and encoding != "cp1252"
    header = list(table[0]) if table else list(conventions.headers)
    keys = [canonical(h) for h in header]
    if "id" not in keys:
        raise BatchInputError(f"cannot resume: {path.name} has no 'id' column")
    rows = [[dict(enumerate(cells)).get(keys.index(c)) if c in keys else None for c in COLUMNS]
            for cells in table[1:]]
    kept = [row for row in rows if norm_id(row[0])]
    same_layout = [str(h).strip().lower() for h in header] == list(conventions.headers)
    return Earlier({norm_id(r[0]) for r in kept}, kept, intact and same_layout and kept == rows)


class OutputFile:
    """The output file, written batch by batch; ``done`` holds the ids already in it."""

    def __init__(self, path: Path, resume: bool, conventions: Conventions = Conventions()):
        self.path = path
        self.kind = path.suffix.lower()
        self.conventions = conventions
        self.done: set[str] = set()
        self._handle = None
        self.rows: list[list] = []  # .xlsx: all rows, written to the workbook at close()
        self._pending = False  # .xlsx: the workbook is to be (re)written at close()
        self._fresh = False  # .xlsx: not resuming: the sidecar says the old workbook is void
        # .jsonl/.csv: what the first batch is written after, beside the old file; None: append
        self._start: str | None = ""
        if self.kind == ".csv":
            self._start = ("\ufeff" if conventions.bom else "") + csv_line(conventions.headers,
                                                                            conventions)
        if self.kind == ".xlsx":
            self._open_xlsx(resume)
        elif resume and path.exists():
            self._resume_text()

    def _resume_text(self) -> None:
        """Earlier records of a .jsonl/.csv: appended to when intact, else rewritten."""
        if self.kind == ".jsonl":
            earlier = _earlier_jsonl(self.path)
            kept = earlier.records
        else:
            earlier = _earlier_table(self.path, self.conventions)
            self.rows = earlier.records
            kept = "".join(csv_line(row, self.conventions) for row in self.rows)
        self.done = earlier.ids
        if not earlier.intact:
            log.warning("%s: rewriting the earlier output (damaged or other layout)", self.path.name)
        self._start = None if earlier.intact else self._start + kept

    def _open_xlsx(self, resume: bool) -> None:
        """Earlier rows (workbook, then a sidecar left by a hard kill) when resuming."""
        side = sidecar(self.path)
        if not resume:
            side.unlink(missing_ok=True)
            self._fresh = True  # a hard kill must not mix the old workbook into a resume
            return
        fresh, extra = sidecar_rows(side)
        earlier = (_earlier_table(self.path, self.conventions).records
                   if self.path.exists() and not fresh else [])
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
            self._write_xlsx([flat_row(r) for r in records])
        else:
            text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n"
                           if self.kind == ".jsonl"
                           else csv_line(map(inert, flat_row(r)), self.conventions)
                           for r in records)
            if self._start is not None:
                atomic_write(self.path, (self._start + text).encode("utf-8"))
                self._start = None
            elif text:
                self._handle = self._handle or open(self.path, "a", encoding="utf-8", newline="")
                self._sync(text)
        self.done.update(r["id"] for r in records)

    def _write_xlsx(self, rows: list[list]) -> None:
        """Keep the rows for the workbook and append them to the sidecar."""
        self.rows.extend(rows)
        self._pending = True
        if rows:
            first = self._handle is None and self._fresh
            self._handle = self._handle or open(sidecar(self.path), "a", encoding="utf-8")
            self._sync(rows_text(rows, first))

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
            header = list(self.conventions.headers)
            atomic_write(self.path, lambda tmp: save_xlsx(tmp, [header, *self.rows]))
            sidecar(self.path).unlink(missing_ok=True)
            self._pending = False
