"""Passages on demand: an index opens without making a Python record per passage.

A build stores, beside ``passages.jsonl``, the columns that searches, filters and
citation lookups need, as plain arrays (memory-mapped when opened)::

    passage_offsets.npy  int64 (n + 1): byte offset of each passage's line in passages.jsonl
    passage_columns.npy  int64 (n, 7): document code, start, end, paragraph, flags
                         (1: an article passage, 2: it carries footnotes), and the
                         (footnote, position) of the reference its document is (-1: none)
    passage_docs.json    the document names the codes index
    passage_ids.npy      the passage ids (bytes), sorted; passage_id_rows.npy: their rows
    spans.npy            int32 (sentences, 2): every passage's sentence spans, in order
    span_offsets.npy     int64 (n + 1): the row of each passage's first sentence
    marked.npy           int64 (m, 3): (passage row, sentence position, footnote) for every
                         footnote marker of an article sentence, in passage and sentence order

A ``Passage`` is parsed from its line when asked for (``LazyPassages``; recent ones are
kept). A build made before these files were stored gets them computed when it opens.
"""

from __future__ import annotations

import json
import mmap
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from bronwijzer.records import Passage

ARTICLE, FOOTNOTED = 1, 2  # flag bits of passage_columns.npy
DOC, START, END, PARAGRAPH, FLAGS, SOURCE_NOTE, SOURCE_POSITION = range(7)
KEPT_RECORDS = 4096  # passages kept parsed (a small index stays whole in memory)
_ARRAYS = ("passage_columns", "passage_ids", "passage_id_rows", "spans", "span_offsets",
           "marked")


def passage_to_dict(p: Passage, spans) -> dict:
    """A passage and its sentence spans as the JSON object of its passages.jsonl line."""
    data = asdict(p)
    data["footnotes"] = list(p.footnotes)
    data["source_of"] = list(p.source_of) if p.source_of else None
    data["sentences"] = [list(s) for s in spans]
    return data


def passage_from_dict(data: dict) -> tuple[Passage, tuple[tuple[int, int], ...]]:
    """The passage and its sentence spans of a passages.jsonl object."""
    spans = tuple(tuple(s) for s in data.pop("sentences", []))
    data["footnotes"] = tuple(data.get("footnotes") or ())
    data["source_of"] = tuple(data["source_of"]) if data.get("source_of") else None
    return Passage(**data), spans


@dataclass(frozen=True, eq=False)
class Columns:
    """The per-passage arrays of an index (see the module docstring)."""

    docs: tuple[str, ...]
    table: np.ndarray
    ids: np.ndarray
    id_rows: np.ndarray
    spans: np.ndarray
    span_offsets: np.ndarray
    marked: np.ndarray

    @classmethod
    def of(cls, passages, spans) -> Columns:
        """The columns of passage records and their sentence spans (one pass).

        Args:
            passages: the ``Passage`` records, in index order.
            spans: each passage's sentence spans.

        Returns:
            The ``Columns``.
        """
        from bronwijzer.index.chunk import footnotes_in
        codes: dict[str, int] = {}
        table, ids, flat, counts, marked = [], [], [], [], []
        for row, (p, found) in enumerate(zip(passages, spans)):
            flags = (ARTICLE if p.source_of is None else 0) | (FOOTNOTED if p.footnotes else 0)
            source = p.source_of or (-1, -1)
            table.append((codes.setdefault(p.doc, len(codes)), p.start, p.end, p.paragraph,
                          flags, source[0], source[1]))
            ids.append(p.id.encode("utf-8"))
            flat += found
            counts.append(len(found))
            if flags == ARTICLE | FOOTNOTED:
                marked += [(row, position, n) for position, (s, e) in enumerate(found)
                           for n in footnotes_in(p.text[s:e]) if n in p.footnotes]
        ids_array = np.array(ids, dtype=bytes) if ids else np.zeros(0, dtype="S1")
        order = np.argsort(ids_array, kind="stable")
        return cls(docs=tuple(codes), table=np.array(table, dtype=np.int64).reshape(-1, 7),
                   ids=ids_array[order], id_rows=order.astype(np.int64),
                   spans=np.array(flat, dtype=np.int32).reshape(-1, 2),
                   span_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                   marked=np.array(marked, dtype=np.int64).reshape(-1, 3))

    def save(self, folder: Path) -> None:
        """Write the columns into a build folder."""
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, _field(name)))
        (folder / "passage_docs.json").write_text(json.dumps(list(self.docs), ensure_ascii=False),
                                                  encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Columns | None:
        """A build's stored columns, memory-mapped; None for a build made without them."""
        if not (folder / "passage_docs.json").is_file():
            return None
        docs = tuple(json.loads((folder / "passage_docs.json").read_text(encoding="utf-8")))
        arrays = {_field(name): np.load(folder / f"{name}.npy", allow_pickle=False,
                                        mmap_mode="r") for name in _ARRAYS}
        return cls(docs=docs, **arrays)

    @cached_property
    def positions(self) -> np.ndarray:
        """Each passage's place in its document (``doc_positions``)."""
        table = np.asarray(self.table)
        out = np.zeros(len(table), dtype=np.float32)
        if not len(table):
            return out
        order = np.lexsort((table[:, PARAGRAPH], table[:, START], table[:, DOC]))
        docs = table[order, DOC]
        first = np.flatnonzero(np.concatenate([[True], docs[1:] != docs[:-1]]))
        sizes = np.diff(np.append(first, len(order)))
        place = np.arange(len(order)) - np.repeat(first, sizes)
        out[order] = place / np.maximum(np.repeat(sizes, sizes) - 1, 1)
        return out

    def mask(self, flags: int) -> np.ndarray:
        """Whether each passage has all of ``flags`` (``ARTICLE``, ``FOOTNOTED``)."""
        return (np.asarray(self.table[:, FLAGS]) & flags) == flags

    def doc_rows(self, doc: str) -> np.ndarray:
        """The rows of a document's passages, in index order."""
        if doc not in self.docs:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.asarray(self.table[:, DOC]) == self.docs.index(doc))

    def source_rows(self, key: tuple[int, int]) -> np.ndarray:
        """The rows of the passages of the document that is reference ``key``."""
        table = np.asarray(self.table)
        return np.flatnonzero((table[:, SOURCE_NOTE] == key[0])
                              & (table[:, SOURCE_POSITION] == key[1]))


def _field(name: str) -> str:
    return {"passage_columns": "table", "passage_ids": "ids", "passage_id_rows": "id_rows"}.get(
        name, name)


class LazyPassages(Sequence):
    """The passages of a passages.jsonl file, each parsed when asked for.

    Args:
        path: the passages.jsonl file.
        offsets: the byte offset of each line, and the file's length last.
    """

    def __init__(self, path: Path, offsets: np.ndarray) -> None:
        self._offsets = offsets
        with open(path, "rb") as handle:
            self._data = (mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                          if len(offsets) > 1 else b"")
        self._kept: OrderedDict[int, Passage] = OrderedDict()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        found = self._kept.get(row)
        if found is None:
            line = self._data[int(self._offsets[row]):int(self._offsets[row + 1])]
            found = passage_from_dict(json.loads(line))[0]
            self._kept[row] = found
            if len(self._kept) > KEPT_RECORDS:
                self._kept.popitem(last=False)
        return found

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __eq__(self, other) -> bool:
        return _same_items(self, other)

    __hash__ = None


def _same_items(sequence: Sequence, other) -> bool:
    """Whether ``other`` is a sequence (not a string) with equal items (as tuples compare)."""
    if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
        return NotImplemented
    return len(sequence) == len(other) and all(a == b for a, b in zip(sequence, other))


class Spans(Sequence):
    """Each passage's sentence spans, as tuples, from the ``spans`` column."""

    def __init__(self, columns: Columns) -> None:
        self._columns = columns

    def __len__(self) -> int:
        return len(self._columns.span_offsets) - 1

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        offsets = self._columns.span_offsets
        part = self._columns.spans[int(offsets[row]):int(offsets[row + 1])]
        return tuple(tuple(span) for span in np.asarray(part).tolist())

    def __eq__(self, other) -> bool:
        return _same_items(self, other)

    __hash__ = None


class IdRows(Mapping):
    """The row of each passage id (a binary search in the sorted ids)."""

    def __init__(self, columns: Columns) -> None:
        self._columns = columns

    def __getitem__(self, key: str) -> int:
        ids = self._columns.ids
        wanted = key.encode("utf-8") if isinstance(key, str) else b""
        at = int(np.searchsorted(ids, wanted))
        if not wanted or at >= len(ids) or ids[at] != wanted:
            raise KeyError(key)
        return int(self._columns.id_rows[at])

    def __len__(self) -> int:
        return len(self._columns.ids)

    def __iter__(self):
        return (bytes(i).decode("utf-8") for i in self._columns.ids)


class ById(Mapping):
    """The passage of each id, made when asked for."""

    def __init__(self, rows: IdRows, passages: Sequence) -> None:
        self._rows, self._passages = rows, passages

    def __getitem__(self, key: str) -> Passage:
        return self._passages[self._rows[key]]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self):
        return iter(self._rows)


def line_offsets(path: Path) -> np.ndarray:
    """The byte offsets of the lines of a passages.jsonl file written without offsets."""
    with open(path, "rb") as handle:
        if not handle.seek(0, 2):
            return np.zeros(1, dtype=np.int64)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
            size = len(data)
    if not len(ends) or ends[-1] != size:  # a last line without its newline
        ends = np.append(ends, size)
    return np.concatenate([[0], ends]).astype(np.int64)


def write_passages(folder: Path, passages, spans) -> None:
    """Write passages.jsonl, its line offsets and the columns of a build.

    Args:
        folder: the new build folder.
        passages: the ``Passage`` records, in index order.
        spans: each passage's sentence spans.
    """
    passages, spans = list(passages), list(spans)
    offsets = [0]
    with open(folder / "passages.jsonl", "wb") as handle:
        for p, found in zip(passages, spans):
            line = (json.dumps(passage_to_dict(p, found), ensure_ascii=False) + "\n").encode()
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    np.save(folder / "passage_offsets.npy", np.array(offsets, dtype=np.int64))
    Columns.of(passages, spans).save(folder)


def open_passages(folder: Path) -> tuple[LazyPassages, Columns]:
    """A build's passages (parsed on demand) and columns; computed for an older build.

    Raises:
        ValueError: when the files do not fit together (passages.jsonl written to or cut
            after the build, columns of another length).
    """
    path = folder / "passages.jsonl"
    offsets_file = folder / "passage_offsets.npy"
    offsets = (np.load(offsets_file, allow_pickle=False) if offsets_file.is_file()
               else line_offsets(path))
    if offsets.ndim != 1 or not len(offsets) or int(offsets[-1]) != path.stat().st_size:
        raise ValueError("passages.jsonl does not match its line offsets (changed or cut)")
    passages = LazyPassages(path, offsets)
    columns = Columns.load(folder)
    if columns is None:  # a build made before the columns were stored
        records = [passage_from_dict(json.loads(line)) for line in lines(path)]
        columns = Columns.of([p for p, _ in records], [s for _, s in records])
    if len(columns.table) != len(passages) or len(columns.span_offsets) != len(passages) + 1:
        raise ValueError("the passage files do not match passages.jsonl")
    return passages, columns


def lines(path: Path):
    """The non-blank lines of a text file, one at a time."""
    with open(path, encoding="utf-8") as handle:
        yield from (line for line in handle if line.strip())


def columns_of(index) -> Columns:
    """An index's columns (computed for an index-like object without them)."""
    found = getattr(index, "cols", None)
    return found if found is not None else Columns.of(index.passages, index.sentence_spans)


def _same_doc(index, passage: Passage) -> tuple[np.ndarray, np.ndarray]:
    """The rows of a passage's document, in index order, and their starts."""
    columns = columns_of(index)
    rows = columns.doc_rows(passage.doc)
    return rows, np.asarray(columns.table[rows, START])


def passage_before(index, passage: Passage) -> Passage | None:
    """The passage of the same document that starts last before ``passage`` (the first
    in index order among equals), or None."""
    rows, starts = _same_doc(index, passage)
    earlier = np.flatnonzero(starts < passage.start)
    if not len(earlier):
        return None
    return index.passages[int(rows[earlier[np.argmax(starts[earlier])]])]


def passages_after(index, passage: Passage, count: int) -> list[Passage]:
    """The ``count`` passages of the same document that start after ``passage``, by start
    (index order among equals)."""
    rows, starts = _same_doc(index, passage)
    later = np.flatnonzero(starts > passage.start)
    later = later[np.argsort(starts[later], kind="stable")][:max(count, 0)]
    return [index.passages[int(rows[i])] for i in later]


def doc_positions(index) -> np.ndarray:
    """Each passage's place in its document: from 0 (its first by start, then paragraph)
    to 1 (its last), as a float32 array by row (computed once per loaded index's columns:
    the passage ranker and the sentence ranker both read it)."""
    return columns_of(index).positions


def doc_extents(index) -> dict[str, int]:
    """Each document's largest passage end (its text's extent as the passages cover it)."""
    columns = columns_of(index)
    table = np.asarray(columns.table)
    ends = np.zeros(len(columns.docs), dtype=np.int64)
    np.maximum.at(ends, table[:, DOC], table[:, END])
    return {doc: int(end) for doc, end in zip(columns.docs, ends.tolist())}
