"""Batch answering of question lists, independent of how answers are produced.

Input: a ``.jsonl``, ``.csv``, ``.xlsx`` or ``.txt`` question list (read by
:mod:`bronwijzer.batch.questions`). A missing id becomes ``row-<n>`` (n: line or sheet row);
a repeated id makes a bad row ``<id>@row-<n>``. Bad rows and failed answers become error
records.

Good questions go to ``answer_fn`` in batches of ``batch_size`` (bad rows ride along); a
failed batch is retried one question at a time. The output (``.jsonl``, ``.csv`` or
``.xlsx`` with ``COLUMNS``, in the list's delimiter and language:
:mod:`bronwijzer.batch.conventions`) is written after each batch by
:mod:`bronwijzer.batch.answers`; with ``resume`` the ids already in it are skipped.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from tqdm import tqdm

from bronwijzer.batch.answers import OUTPUT_FORMATS, OutputFile
from bronwijzer.batch.conventions import COLUMNS, conventions_for  # noqa: F401 - COLUMNS re-exported
from bronwijzer.batch.questions import (
    ID_NAMES,  # noqa: F401 - re-exported
    INPUT_FORMATS,
    QUESTION_NAMES,
    checked_suffix,
    csv_table,
    norm_id,
    read_items,
    sheet_table,
    table_header,
)
from bronwijzer.errors import BatchInputError

log = logging.getLogger(__name__)

_CLIP = 300  # characters of a question in an error record


@dataclass(frozen=True)
class Row:
    """One input question; ``error`` is a short message for a bad row."""

    id: str
    question: str | None
    extra: dict = field(default_factory=dict, hash=False)
    error: str | None = None


@dataclass(frozen=True)
class Summary:
    """What a run did: answered (not abstained), declined, failed, skipped (resumed)."""

    answered: int
    declined: int
    failed: int
    skipped: int
    output: Path


def _check(question, max_chars: int) -> tuple[str | None, str | None]:
    if question is None:
        return None, "question is missing"
    if not isinstance(question, str):
        return None, f"question is not text ({type(question).__name__})"
    question = question.strip()
    if not question:
        return question, "question is empty"
    if len(question) > max_chars:
        return question, f"question is {len(question)} characters; the limit is {max_chars}"
    return question, None


def _rows(items: Iterable[tuple], max_chars: int) -> Iterator[Row]:
    seen: dict[str, int] = {}
    for n, raw_id, question, extra, error in items:
        row_id = norm_id(raw_id) or f"row-{n}"
        if row_id in seen:
            error = f"duplicate id {row_id!r} (first on row {seen[row_id]})"
            row_id = f"{row_id}@row-{n}"
        seen.setdefault(row_id, n)
        question, problem = _check(question, max_chars)
        yield Row(row_id, question, extra, error or problem)


def read_questions(path: Path, max_chars: int = 2000, column: str | None = None,
                   id_column: str | None = None) -> Iterator[Row]:
    """Read a question list; bad rows come back with ``error`` set.

    Args:
        path: a ``.jsonl``, ``.csv``, ``.xlsx`` or ``.txt`` file.
        max_chars: longer questions make bad rows.
        column: the question column of a .csv/.xlsx (any case); default: the first of
            ``QUESTION_NAMES`` ("question", "vraag", ...) found.
        id_column: the id column; default: the first of ``ID_NAMES`` ("id", "nr", ...).

    Returns:
        The ``Row``s in file order (blank lines and empty rows skipped).

    Raises:
        BatchInputError: unsupported extension, no ``question`` column, unreadable file
            (raised by this call itself, not while iterating).
    """
    return _rows(read_items(Path(path), column, id_column)[0], max_chars)


def question_columns(path: Path) -> tuple[list[str], str | None]:
    """The header of a .csv/.xlsx question list and the question column found in it.

    Returns:
        The column names and the one ``read_questions`` would take (None: none found);
        ``([], None)`` for .jsonl/.txt.

    Raises:
        ValueError: unsupported extension or unreadable file.
    """
    path = Path(path)
    kind = checked_suffix(path, INPUT_FORMATS, "input")
    if kind not in (".csv", ".xlsx"):
        return [], None
    header = table_header(csv_table(path) if kind == ".csv" else sheet_table(path))
    lowered = [h.lower() for h in header]
    found = next((header[lowered.index(n)] for n in QUESTION_NAMES if n in lowered), None)
    return [h for h in header if h], found


def _call(answer_fn: Callable[[list[str]], list[dict]], questions: list[str]) -> list[dict]:
    results = answer_fn(list(questions))
    if not (isinstance(results, list) and len(results) == len(questions)
            and all(isinstance(r, dict) for r in results)):
        size = len(results) if isinstance(results, list) else "?"
        raise TypeError(f"answer_fn gave a {type(results).__name__} of {size} for "
                        f"{len(questions)} questions; expected that many dicts")
    return results


def _answers(answer_fn, questions: list[str]) -> list[dict | str]:
    """An answer dict or error message per question; a failed batch is retried one by one."""
    try:
        return _call(answer_fn, questions)
    except Exception as error:  # noqa: BLE001 - any failure of answer_fn is recorded
        if len(questions) == 1:
            return [f"{type(error).__name__}: {error}"[:_CLIP]]
        log.warning("a batch of %d failed (%s); retrying one by one", len(questions), error)
    return [_answers(answer_fn, [q])[0] for q in questions]


def _record(row: Row, result: dict | str) -> dict:
    if isinstance(result, str):
        question = row.question
        if question and len(question) > _CLIP:
            question = question[:_CLIP] + "…"
        record = {"id": row.id, "question": question, "error": result}
    else:
        record = {"id": row.id, **{k: v for k, v in result.items() if k != "id"}}
        record.setdefault("question", row.question)
    return {**record, **{k: v for k, v in row.extra.items() if k not in record}}


def _records(chunk: list[Row], answer_fn) -> list[dict]:
    good = [row for row in chunk if row.error is None]
    answers = iter(_answers(answer_fn, [r.question for r in good]) if good else [])
    return [_record(row, row.error or next(answers)) for row in chunk]


def _chunks(rows: list[Row], batch_size: int) -> Iterator[list[Row]]:
    """Runs of rows holding ``batch_size`` good questions (bad rows ride along)."""
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if sum(r.error is None for r in chunk) >= batch_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_paths(input_path: Path, output_path: Path, batch_size: int) -> None:
    """Refuse an unsupported output type, a batch size below 1, or output equal to input."""
    checked_suffix(output_path, OUTPUT_FORMATS, "output")
    if batch_size < 1:
        raise BatchInputError(f"batch_size must be at least 1, not {batch_size}")
    if output_path.exists() and input_path.exists() and os.path.samefile(input_path, output_path):
        raise BatchInputError(f"{output_path.name}: the output would overwrite the input")


def _answer_all(todo: list[Row], answer_fn, batch_size: int, output: OutputFile, bar) -> dict:
    """Answer ``todo`` batch by batch into ``output``; the counts of answered/declined/failed."""
    counts = {"answered": 0, "declined": 0, "failed": 0}
    for chunk in _chunks(todo, batch_size):
        records = _records(chunk, answer_fn)
        output.write(records)
        for r in records:
            counts["failed" if r.get("error") else
                   "declined" if r.get("abstained") else "answered"] += 1
        bar.update(len(chunk))
        bar.set_postfix(counts, refresh=False)
    output.write([])  # an output even when nothing was left to answer
    return counts


def run_batch(input_path: Path, output_path: Path,
              answer_fn: Callable[[list[str]], list[dict]], *, resume: bool = False,
              batch_size: int = 32, max_chars: int = 2000, progress: bool = True,
              column: str | None = None, id_column: str | None = None) -> Summary:
    """Answer every question of ``input_path`` into ``output_path``, batch by batch.

    Args:
        input_path: a ``.jsonl``, ``.csv``, ``.xlsx`` or ``.txt`` question list.
        output_path: a ``.jsonl``, ``.csv`` or ``.xlsx`` file, written as the run goes.
        answer_fn: takes a list of questions, returns one ``ask --json``-shaped dict each.
        resume: skip the ids already in ``output_path`` and append the rest; otherwise
            an existing output is replaced once the first batch is done.
        batch_size: questions per ``answer_fn`` call.
        max_chars: longer questions become error records.
        progress: show a tqdm progress bar on stderr.
        column, id_column: the question and id columns (see ``read_questions``).

    Returns:
        A ``Summary`` of answered, declined, failed and skipped questions.

    Raises:
        BatchInputError: unsupported file type, no question column, unreadable input,
            output equal to input, or ``batch_size`` below 1.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    _check_paths(input_path, output_path, batch_size)
    items, form = read_items(input_path, column, id_column)
    rows = list(_rows(items, max_chars))
    conventions = conventions_for(form, [r.question for r in rows if r.error is None])
    output = OutputFile(output_path, resume, conventions)
    todo = [row for row in rows if row.id not in output.done]
    with tqdm(total=len(rows), initial=len(rows) - len(todo), disable=not progress,
              file=sys.stderr, unit="q", desc=output_path.name) as bar:
        try:
            counts = _answer_all(todo, answer_fn, batch_size, output, bar)
        finally:
            output.close()
    return Summary(**counts, skipped=len(rows) - len(todo), output=output_path)
