"""Index: a folder of plain files, built beside the old one and switched atomically.

Layout of ``index/``::

    CURRENT                 name of the live build folder (replaced atomically)
    b-<id>/manifest.json    version, model + fingerprint, chunk settings, file hashes, problems
    b-<id>/passages.jsonl   one passage per line (with its sentence spans)
    b-<id>/passage_*.npy, spans.npy, span_offsets.npy, marked.npy, passage_docs.json
                            the passages' columns and line offsets (index/passages.py)
    b-<id>/references.jsonl the articles' footnote references
    b-<id>/vectors.npy      passage vectors, float32, L2-normalised
    b-<id>/sentences.npy    sentence vectors, in passage and sentence order
    b-<id>/bm25/            the BM25 index (bm25s: .npy + JSON)
    b-<id>/vocabulary.json  the corpus's folded words (passages and references), sorted
    b-<id>/tokens.npy       passage token vectors, float16, with token_offsets.npy (int64)
                            and token_sentences.npy (int16: each token's sentence in its
                            passage); only up to ``token_vectors_max_passages`` (index/tokens.py)
    b-<id>/expansion_*      the content words and their query vectors (index/expansion.py)
    b-<id>/card_*           the references' card lines and their vectors (index/text_vectors.py)

Vectors, BM25 arrays and the passage columns are memory-mapped, not read, and a passage
record is parsed from its line when asked for: opening a large index costs little RAM and
time, and the pages a question touches are read on demand.

Nothing is pickled. A build goes live as ``index/publish.py`` says: a build killed midway
leaves ``CURRENT`` pointing at the previous build, which stays whole; the build before the
live one is kept for readers that read ``CURRENT`` just before it moved.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from bronwijzer.errors import IndexStateError
from bronwijzer.index.dense import open_dense, write_hnsw
from bronwijzer.index.expansion import read_expansion, write_expansion
from bronwijzer.index.lexical import read_vocabulary, write_vocabulary
from bronwijzer.index.passages import (
    ARTICLE,
    FOOTNOTED,
    ById,
    Columns,
    IdRows,
    Spans,
    open_passages,
    write_passages,
)
from bronwijzer.index.publish import publish
from bronwijzer.index.text_vectors import CARDS, card_texts, same_model
from bronwijzer.records import Reference

INDEX_VERSION = 3
TOKENS_FILE = "tokens.npy"  # the passage token vectors a build may store (index/tokens.py)
OFFSETS_FILE = "token_offsets.npy"
SENTENCES_FILE = "token_sentences.npy"  # each stored token's sentence in its passage


@dataclass(frozen=True, eq=False)
class Index:
    """A loaded index: passages, their vectors, sentence vectors, BM25, manifest.

    ``passages`` and ``sentence_spans`` are sequences by row (a loaded build's parse each
    passage when asked for); ``columns`` holds their per-passage arrays (computed from the
    records when not given).
    """

    folder: Path
    manifest: dict
    passages: Sequence
    sentence_spans: Sequence
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    references: tuple[Reference, ...]
    lexical: object
    dense: object
    vocabulary: frozenset | None = None
    token_vectors: np.ndarray | None = None
    token_offsets: np.ndarray | None = None
    token_sentences: np.ndarray | None = None  # per stored token its sentence (-1: none)
    columns: Columns | None = None
    expansion: tuple | None = None  # (words, vectors) of index/expansion.py, when stored
    card_vectors: tuple | None = None  # (lines, vectors) of index/text_vectors.CARDS

    @cached_property
    def cols(self) -> Columns:
        """The per-passage arrays (index/passages.py)."""
        return self.columns or Columns.of(self.passages, self.sentence_spans)

    @cached_property
    def sentence_offsets(self) -> np.ndarray:
        """Row of each passage's first sentence in ``sentence_vectors``."""
        return self.cols.span_offsets

    @cached_property
    def rows(self) -> IdRows:
        """The row of each passage id (a mapping)."""
        return IdRows(self.cols)

    @cached_property
    def by_id(self) -> ById:
        """The passage of each id (a mapping; records made when asked for)."""
        return ById(self.rows, self.passages)

    @cached_property
    def article_mask(self) -> np.ndarray:
        """Whether each passage belongs to an article (not to a cited source's document)."""
        return self.cols.mask(ARTICLE)

    @cached_property
    def cited_mask(self) -> np.ndarray:
        """Whether each passage is an article passage carrying footnote markers."""
        return self.cols.mask(ARTICLE | FOOTNOTED)

    @cached_property
    def claim_mask(self) -> np.ndarray:
        """Whether each passage is an article passage with sentences (what a claim's
        sentences are looked for among)."""
        return self.article_mask & (np.diff(self.sentence_offsets) > 0)

    @cached_property
    def claim_passages(self) -> int:
        """How many passages ``claim_mask`` marks."""
        return int(self.claim_mask.sum())

    @cached_property
    def marked_vectors(self) -> np.ndarray:
        """The vectors of the footnote-marked article sentences, one row per row of
        ``cols.marked`` (read once, from the memory-mapped sentence vectors)."""
        marked = np.asarray(self.cols.marked)
        return np.asarray(self.sentence_vectors[self.sentence_offsets[marked[:, 0]] + marked[:, 1]]
                          if len(marked) else np.zeros((0, self.vectors.shape[1]), np.float32))

    def tokens_of(self, row: int) -> np.ndarray:
        """The stored token vectors of passage ``row`` (a memory-mapped view).

        Args:
            row: the passage's row; the index must have ``token_offsets``.

        Returns:
            A ``(tokens, dim)`` float16 array (normalised rows).
        """
        return self.token_vectors[int(self.token_offsets[row]):int(self.token_offsets[row + 1])]

    def token_sentences_of(self, row: int) -> np.ndarray:
        """The sentence of each stored token of passage ``row`` (its number in
        ``sentence_spans[row]``; -1: a token of no sentence). The index must have
        ``token_sentences``.

        Args:
            row: the passage's row.

        Returns:
            An int16 array as long as ``tokens_of(row)``.
        """
        return self.token_sentences[int(self.token_offsets[row]):int(self.token_offsets[row + 1])]

    # --- sentences: every passage's sentence vectors are one run of ``sentence_vectors`` ---

    def sentences_of(self, row: int) -> np.ndarray:
        """The sentence vectors of passage ``row``, in sentence order (a view).

        Args:
            row: the passage's row (``rows[passage.id]``).

        Returns:
            A ``(sentences, dim)`` array; the ``i``-th row belongs to ``sentence_spans[row][i]``.
        """
        offsets = self.sentence_offsets
        return self.sentence_vectors[offsets[row]:offsets[row + 1]]

    def sentence_cosines(self, rows, vector: np.ndarray) -> np.ndarray:
        """The cosines of the sentences of passages ``rows`` to ``vector``.

        Args:
            rows: passage rows, in the order wanted.
            vector: a normalised query vector.

        Returns:
            One cosine per sentence, passage by passage in the order of ``rows``.
        """
        parts = [self.sentences_of(row) @ vector for row in rows]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def sentence_cosine(self, row: int, position: int, vector: np.ndarray) -> float:
        """The cosine of sentence ``position`` of passage ``row`` to ``vector``."""
        return float(self.sentence_vectors[int(self.sentence_offsets[row]) + position] @ vector)

    def best_sentence_cosines(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Each passage's best sentence cosine to ``vector``: -inf outside ``rows`` and for
        passages without sentences.

        Args:
            rows: the passage rows to score (sorted, as from ``np.flatnonzero``).
            vector: a normalised query vector.

        Returns:
            A float32 array with one value per passage.
        """
        best = np.full(len(self.passages), -np.inf, dtype=np.float32)
        offsets = self.sentence_offsets
        counts = (offsets[rows + 1] - offsets[rows]).astype(np.int64)
        rows, counts = rows[counts > 0], counts[counts > 0]
        if not len(rows):
            return best
        starts = np.repeat(offsets[rows] - np.cumsum(counts) + counts, counts)
        cosines = self.sentence_vectors[starts + np.arange(int(counts.sum()))] @ vector
        best[rows] = np.maximum.reduceat(cosines, np.cumsum(counts) - counts)
        return best


def current_folder(root: Path) -> Path | None:
    """The live build folder under ``root``, or None when there is none."""
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    folder = root / name
    return folder if name and (folder / "manifest.json").is_file() else None


def read_manifest(root: Path) -> dict | None:
    """The live build's manifest, or None."""
    folder = current_folder(root)
    if folder is None:
        return None
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def reference_from_dict(data: dict) -> Reference:
    data = dict(data)
    data["authors"] = tuple(data.get("authors") or ())
    return Reference(**{k: data.get(k) for k in Reference.__dataclass_fields__})


def write_build(root: Path, manifest: dict, passages, spans, vectors, sentence_vectors,
                references, lexical, tokens=None, embedder=None) -> Path:
    """Write a complete build beside the live one, then switch ``CURRENT`` to it.

    Args:
        tokens: a ``TokenRecorder`` (index/tokens.py) writing the token vector files.
        embedder: the embedder (or a callable returning it) for the stored texts'
            vectors (the expansion's words and the cards' lines, index/text_vectors.py);
            None writes none.

    Returns:
        The new build folder.

    Raises:
        IndexStateError: when the index folder cannot be written.
    """
    def write(folder: Path) -> None:
        write_passages(folder, passages, spans)
        _write_jsonl(folder / "references.jsonl", (asdict(r) for r in references))
        np.save(folder / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
        np.save(folder / "sentences.npy", np.ascontiguousarray(sentence_vectors, dtype=np.float32))
        lexical.save(folder / "bm25")
        write_vocabulary(folder / "vocabulary.json", passages, references)
        if tokens is not None:
            tokens.write(folder, passages, spans)
        if embedder is not None:
            live = current_folder(root) if same_model(read_manifest(root), manifest) else None
            write_expansion(folder, passages, embedder, live)
            CARDS.write(folder, card_texts(references), embedder, live)
        if manifest.get("dense") == "hnsw":
            write_hnsw(folder / "dense.faiss", vectors, manifest["hnsw_m"])
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False),
                                              encoding="utf-8")
    return publish(root, write)


def derive_build(root: Path, add) -> Path:
    """A new build with the live build's files (hard links: they are never changed once
    written; else copies) and what ``add(folder)`` writes, switched to as a build is.

    Args:
        root: the index folder (the caller holds the build lock).
        add: writes the new files into the new build folder.

    Returns:
        The new build folder.
    """
    live = current_folder(root)
    if live is None:
        raise IndexStateError(f"no index in {root}; run `bronwijzer build` first")
    def write(folder: Path) -> None:
        for path in sorted(live.rglob("*")):
            target = folder / path.relative_to(live)
            if path.is_dir():
                target.mkdir(exist_ok=True)
                continue
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
        add(folder)
    return publish(root, write)


def load_index(root: Path) -> Index:
    """Load the live build under ``root``; when ``CURRENT`` moved while it was being read
    (a build finished meanwhile), the new build is loaded instead (once).

    Raises:
        IndexStateError: when there is no complete build, or it cannot be read.
    """
    folder = current_folder(root)
    try:
        return _load_build(root, folder)
    except IndexStateError:
        moved = current_folder(root)
        if moved is None or moved == folder:
            raise
        return _load_build(root, moved)


def _load_build(root: Path, folder: Path | None) -> Index:
    from bronwijzer.index.lexical import Lexical
    if folder is None:
        raise IndexStateError(f"no index in {root}; run `bronwijzer build` first")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        passages, columns = open_passages(folder)
        refs = tuple(reference_from_dict(d) for d in _read_jsonl(folder / "references.jsonl"))
        vectors = np.load(folder / "vectors.npy", allow_pickle=False, mmap_mode="r")
        sentence_vectors = np.load(folder / "sentences.npy", allow_pickle=False, mmap_mode="r")
        lexical = Lexical.load(folder / "bm25") if len(passages) else None
        dense = open_dense(folder, manifest, vectors)
        vocabulary = read_vocabulary(folder / "vocabulary.json")
        token_vectors, token_offsets = load_tokens(folder, len(passages))
        token_sentences = load_token_sentences(folder, token_vectors)
        expansion, cards = read_expansion(folder), CARDS.read(folder)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise IndexStateError(f"the index in {folder} is unreadable ({error}); "
                          "run `bronwijzer build --force`") from None
    return Index(folder=folder, manifest=manifest, passages=passages,
                 sentence_spans=Spans(columns), vectors=vectors,
                 sentence_vectors=sentence_vectors, references=refs,
                 lexical=lexical, dense=dense, vocabulary=vocabulary,
                 token_vectors=token_vectors, token_offsets=token_offsets,
                 token_sentences=token_sentences, columns=columns,
                 expansion=expansion, card_vectors=cards)


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _read_jsonl(path: Path):
    """The rows of a JSONL file, one at a time (a million passages are never all dicts)."""
    with open(path, encoding="utf-8") as handle:
        yield from (json.loads(line) for line in handle if line.strip())


def load_tokens(folder: Path, passages: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A build's token files, memory-mapped (``(None, None)`` when it has none).

    Args:
        folder: the build folder.
        passages: how many passages it holds.

    Returns:
        ``(token vectors, offsets)``.

    Raises:
        ValueError: when the files do not fit together or the passages.
    """
    if not (folder / OFFSETS_FILE).is_file():
        return None, None
    vectors = np.load(folder / TOKENS_FILE, allow_pickle=False, mmap_mode="r")
    offsets = np.load(folder / OFFSETS_FILE, allow_pickle=False)
    if (offsets.ndim != 1 or len(offsets) != passages + 1 or vectors.ndim != 2
            or int(offsets[-1]) != len(vectors) or np.any(np.diff(offsets) < 0)):
        raise ValueError("the token vector files do not match the passages")
    return vectors, offsets


def load_token_sentences(folder: Path, token_vectors: np.ndarray | None) -> np.ndarray | None:
    """A build's ``token_sentences.npy``, memory-mapped (None when it has none: built
    before the file existed, or without token vectors); ValueError unless it holds one
    entry per stored token."""
    if token_vectors is None or not (folder / SENTENCES_FILE).is_file():
        return None
    owners = np.load(folder / SENTENCES_FILE, allow_pickle=False, mmap_mode="r")
    if owners.ndim != 1 or len(owners) != len(token_vectors):
        raise ValueError("the token sentences do not match the token vectors")
    return owners
