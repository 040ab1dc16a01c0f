"""Feedback on answers: one JSON line per vote in ``feedback.jsonl`` in the project home.

Each line holds the question, the answer (its ``ask --json`` dict), the vote ("up" or
"down"), an optional comment and the time (UTC, ISO 8601). A line is written with one
``os.write`` of the whole line under a lock (a thread lock and ``flock`` for other
processes), then fsynced: a stop mid-write cannot leave half a line behind an earlier
one, and a line cut short by a crash is skipped when reading. ``export_csv`` writes
the votes as a spreadsheet-friendly CSV (``bronwijzer feedback --csv FILE``).
Questions, stored answers and the file are bounded (``Settings.feedback_*``): a visitor
cannot fill the disk.
"""

from __future__ import annotations

import csv
import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

from bronwijzer.errors import FeedbackError
from bronwijzer.settings import Settings

_DEFAULTS = Settings()

FILE_NAME = "feedback.jsonl"
VOTES = ("up", "down")
MAX_COMMENT = 2000
CSV_COLUMNS = ("time", "vote", "question", "answer", "comment", "sources", "footnotes")
_LOCK = threading.Lock()


def record(question: str, answer: dict | None, vote: str, comment: str = "",
           settings: Settings = _DEFAULTS) -> dict:
    """A feedback record, checked.

    Args:
        question: the question as asked (at most ``settings.max_question_chars``).
        answer: the answer in its ``ask --json`` form (at most
            ``settings.feedback_max_answer_kb`` as JSON).
        vote: "up" or "down" (also accepted: 👍/👎, like/dislike, true/false).
        comment: optional free text (cut to ``MAX_COMMENT`` characters).
        settings: the limits.

    Returns:
        The record to append.

    Raises:
        FeedbackError: an unknown vote, an empty or over-long question, an answer too large.
    """
    vote = _vote(vote)
    if not isinstance(question, str) or not question.strip():
        raise FeedbackError("feedback needs the question it is about")
    if len(question) > settings.max_question_chars:
        raise FeedbackError(f"the question is {len(question):,} characters; the limit is "
                            f"{settings.max_question_chars:,}")
    if answer is not None and not isinstance(answer, dict):
        raise FeedbackError("the answer must be the answer's JSON object")
    size = len(json.dumps(answer, ensure_ascii=False, default=str).encode("utf-8"))
    if size > settings.feedback_max_answer_kb * 1024:
        raise FeedbackError(f"the answer is {size / 1024:,.0f} KB; the limit is "
                            f"{settings.feedback_max_answer_kb} KB")
    return {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "question": question.strip(), "answer": answer, "vote": vote,
            "comment": str(comment or "").strip()[:MAX_COMMENT]}


def _vote(vote) -> str:
    text = str(vote).strip().lower()
    aliases = {"up": "up", "👍": "up", "like": "up", "liked": "up", "true": "up", "+1": "up",
               "down": "down", "👎": "down", "dislike": "down", "disliked": "down",
               "false": "down", "-1": "down"}
    if text not in aliases:
        raise FeedbackError(f"a vote is 'up' or 'down', not {vote!r}")
    return aliases[text]


def append(path: Path, entry: dict, settings: Settings = _DEFAULTS) -> None:
    """Append one record as one line: a single ``os.write`` under a lock, then fsync.

    A file past ``settings.feedback_max_mb`` is first moved to ``feedback.1.jsonl``
    (replacing the one before), so feedback never takes more than twice that.

    Args:
        path: the ``feedback.jsonl`` file (created when missing).
        entry: the record (see ``record``).
        settings: the size limit.
    """
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        _rotate(path, settings.feedback_max_mb * 1024 * 1024 - len(line))
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            _flock(fd)
            if os.lseek(fd, 0, os.SEEK_END) and not _ends_with_newline(path):
                os.write(fd, b"\n")  # an earlier line cut short by a crash stays apart
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


def _rotate(path: Path, room: int) -> None:
    """Move ``path`` aside (to ``*.1.jsonl``) when it holds more than ``room`` bytes."""
    try:
        if path.stat().st_size > room:
            os.replace(path, path.with_suffix(".1.jsonl"))
    except FileNotFoundError:
        pass


def _flock(fd: int) -> None:
    try:
        import fcntl
        fcntl.flock(fd, fcntl.LOCK_EX)  # released by close
    except ImportError:  # pragma: no cover - not on POSIX
        pass


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def read(path: Path) -> list[dict]:
    """The records of a feedback file; lines that are not whole JSON objects are skipped.

    Args:
        path: the ``feedback.jsonl`` file (missing: no records).

    Returns:
        The records, oldest first.
    """
    if not path.exists():
        return []
    entries = []
    for line in path.read_text("utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def export_csv(path: Path, out: Path) -> int:
    """Write the feedback as CSV (UTF-8 with BOM, one row per vote).

    Args:
        path: the ``feedback.jsonl`` file.
        out: the CSV file to write.

    Returns:
        The number of rows written.
    """
    entries = read(path)
    with open(out, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for e in entries:
            answer = e.get("answer") if isinstance(e.get("answer"), dict) else {}
            sources = "; ".join(str(s.get("label") or s.get("doc") or "")
                                for s in answer.get("sources") or [] if isinstance(s, dict))
            notes = ", ".join(str(c.get("footnote")) for c in answer.get("citations") or []
                              if isinstance(c, dict))
            writer.writerow([_cell(v) for v in (e.get("time"), e.get("vote"), e.get("question"),
                                                answer.get("answer"), e.get("comment"), sources,
                                                notes)])
    return len(entries)


def _cell(value) -> str:
    """Text for a CSV cell; a leading = + - @ TAB or CR is quoted so spreadsheets do not
    run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
