"""Passage token vectors written with the index, for the ranker's late interaction (MaxSim).

A build of at most ``Settings.token_vectors_max_passages`` passages stores every passage's
normalised token vectors (:mod:`bronwijzer.search.tokens`) as two plain files::

    tokens.npy          float16 (all tokens, dim): the passages' token vectors, one run each
    token_offsets.npy   int64 (passages + 1,): passage ``i`` owns rows ``[o[i], o[i+1])``
    token_sentences.npy int16 (all tokens,): each token's sentence in its passage (-1: none),
                        for the sentence ranker's MaxSim over one sentence's tokens
                        (``answer.sentence_rank``); from the model's tokenizer offsets

The query path reads them memory-mapped, so no question waits for passages to be encoded.
768 bytes a token (384 dims x fp16): ~87 KB a passage at the default chunking (116
tokens on average; the article's 36 passages: 3.1 MB), up to ~390 KB at 512 tokens, so
4-10 GB at 50,000 passages, hence the bound; above it the ranker computes its candidates' token
vectors on demand (``TokenCache``), as for an index built before these files existed.

The states come from the build's own encoder pass (an ``OnnxEmbedder`` hands each
embedded passage's states to a :class:`TokenRecorder`, which spills them to a scratch file,
so the build's memory stays bounded); a passage whose vectors were reused takes its token
vectors from the previous build, or is encoded once more. Embedders without token states
of their own (torch, test fakes) store none.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np

from bronwijzer.index.store import OFFSETS_FILE, SENTENCES_FILE, TOKENS_FILE
_PART = 64  # passages encoded at a time when their states were not recorded


class TokenRecorder:
    """Collects passage token vectors during a build, then writes the token files.

    Args:
        settings: the build's ``Settings`` (index folder, ``token_vectors_max_passages``).
        embedder: the build's embedder (its ``recorder`` is set while recording).
        passages: the build's passages.
    """

    def __init__(self, settings, embedder, passages) -> None:
        self.root = Path(settings.index)
        self.embedder = embedder
        self.enabled = (0 < len(passages) <= settings.token_vectors_max_passages
                        and hasattr(embedder, "session") and hasattr(embedder, "encode"))
        self.where: dict[str, tuple[int, int]] = {}
        self.rows = 0
        self._file = None
        if self.enabled:
            self.root.mkdir(parents=True, exist_ok=True)
            for stale in self.root.glob(".tokens-*.tmp"):  # a killed build's scratch
                stale.unlink(missing_ok=True)
            self.path = self.root / f".tokens-{uuid.uuid4().hex[:8]}.tmp"
            self._file = open(self.path, "wb")  # noqa: SIM115 (open for the whole build)
            embedder.recorder = self

    def add(self, text: str, states: np.ndarray) -> None:
        """Keep one embedded passage's token states (normalised, fp16, spilled to disk).

        Args:
            text: the passage text.
            states: its token states (:func:`bronwijzer.model.onnx_embed.content_states`).
        """
        from bronwijzer.search.tokens import normalised
        vectors = normalised(states).astype(np.float16)
        self._file.write(np.ascontiguousarray(vectors).tobytes())
        self.where[text] = (self.rows, len(vectors))
        self.rows += len(vectors)

    def write(self, folder: Path, passages, spans) -> None:
        """Write the token files into a build folder.

        Args:
            folder: the new build folder (before it goes live).
            passages: its passages, in index order.
            spans: per passage, its sentences' ``(start, end)``.
        """
        if not self.enabled:
            return
        try:
            self._file.close()
            self.embedder.recorder = None
            _write(folder, passages, self._sources(passages), spans,
                   getattr(self.embedder, "folder", None))
        finally:
            self.path.unlink(missing_ok=True)

    def _sources(self, passages) -> dict[str, np.ndarray]:
        """Each passage text's token vectors: recorded, from the previous build, or encoded."""
        dim = int(self.embedder.dim)
        spill = (np.memmap(self.path, dtype=np.float16, mode="r", shape=(self.rows, dim))
                 if self.rows else np.zeros((0, dim), np.float16))
        found = {t: spill[a:a + n] for t, (a, n) in self.where.items()}
        return complete(self.root, passages, found, lambda: self.embedder)


class TokenCollector:
    """Keeps the token states a Ray worker's embedder hands over for one shard, by text
    (normalised, fp16, as :class:`TokenRecorder` stores them)."""

    def __init__(self) -> None:
        self.found: dict[str, np.ndarray] = {}

    def add(self, text: str, states: np.ndarray) -> None:
        """Keep one embedded passage's token states."""
        from bronwijzer.search.tokens import normalised
        self.found[text] = normalised(states).astype(np.float16)


class StagedTokens:
    """The token vectors a Ray build's workers brought back (its shards), written as
    :class:`TokenRecorder` writes a local build's: the same files, the same bound.

    Args:
        settings: the build's ``Settings``.
        found: passage text -> its token vectors, from the shards.
        embedder: a callable returning an embedder, for passages no shard nor the live
            build holds (called only then).
    """

    def __init__(self, settings, found: dict[str, np.ndarray], embedder) -> None:
        self.root, self.settings = Path(settings.index), settings
        self.limit = settings.token_vectors_max_passages
        self.found = found
        self.embedder = embedder

    def write(self, folder: Path, passages, spans) -> None:
        """Write the token files when the workers (or the live build) gave token states
        and the build is within ``token_vectors_max_passages``.

        Args:
            folder: the new build folder (before it goes live).
            passages: its passages, in index order.
            spans: per passage, its sentences' ``(start, end)``.
        """
        if not 0 < len(passages) <= self.limit:
            return
        texts = {p.text for p in passages} - self.found.keys()
        found = {**_previous(self.root, texts), **self.found} if texts else self.found
        if found:  # the workers or the live build have token states to start from
            _write(folder, passages, complete(self.root, passages, found, self.embedder),
                   spans, _model_folder(self.settings))


def complete(root: Path, passages, found: dict[str, np.ndarray], embedder) -> dict:
    """``found`` with every passage's token vectors: from the live build under ``root``,
    else encoded with ``embedder()`` (called only when some are still missing).

    Args:
        root: the index folder.
        passages: the build's passages.
        found: passage text -> token vectors already at hand.
        embedder: a callable returning the embedder.

    Returns:
        Passage text -> float16 token vectors, for every passage.
    """
    found = dict(found)
    missing = {p.text for p in passages} - found.keys()
    if missing:
        found.update(_previous(root, missing))
    missing = sorted({p.text for p in passages} - found.keys())
    model = embedder() if missing else None
    for start in range(0, len(missing), _PART):
        from bronwijzer.search.tokens import token_vectors
        part = missing[start:start + _PART]
        for text, vectors in zip(part, token_vectors(model, part, "passage")):
            found[text] = vectors.astype(np.float16)
    return found


def tokens_missing(settings) -> bool:
    """Whether the live build lacks the token files a build with this model would write
    (built before they existed, or on Ray before Ray builds wrote them), or only
    ``token_sentences.npy`` (built before that file existed).

    Args:
        settings: the settings (index folder, model, ``token_vectors_max_passages``).

    Returns:
        True when a plain ``build`` should add them.
    """
    from bronwijzer.index.store import current_folder, read_manifest
    from bronwijzer.model.embed import resolve_model
    from bronwijzer.model.onnx_embed import onnx_ready
    folder = current_folder(settings.index)
    passages = (read_manifest(settings.index) or {}).get("passages", 0)
    if folder is None or all((folder / f).is_file() for f in (OFFSETS_FILE, SENTENCES_FILE)):
        return False
    return (0 < passages <= settings.token_vectors_max_passages
            and onnx_ready(resolve_model(settings.model, settings.cache)[0]))


def add_tokens(settings, embedder) -> int:
    """Add the token files to the live build when it lacks them: a new build with the
    same files (hard links) and the token files, switched to as a build is.

    Args:
        settings: the settings.
        embedder: the index's embedder (one with token states: ONNX).

    Returns:
        How many passages were encoded (0: nothing to add, or only
        ``token_sentences.npy`` was: the live build's token vectors are kept).
    """
    from bronwijzer.index.store import derive_build, load_index
    if not (hasattr(embedder, "session") and tokens_missing(settings)):
        return 0
    index = load_index(settings.index)
    passages = index.passages
    recorder = TokenRecorder(settings, embedder, passages)
    if not recorder.enabled:
        return 0
    spans = [index.sentence_spans[row] for row in range(len(passages))]
    derive_build(settings.index, lambda folder: recorder.write(folder, passages, spans))
    return 0 if index.token_offsets is not None else len(passages)


def _write(folder: Path, passages, found: dict[str, np.ndarray], spans,
           model_folder: Path | None) -> None:
    """Write the token files; ``token_sentences.npy`` only with the model's tokenizer.

    A file a derived build shares with the live one (a hard link) is unlinked first,
    so the live build's copy is never written to.
    """
    sizes = np.array([len(found[p.text]) for p in passages], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    dim = int(next(iter(found.values())).shape[1])
    for name in (TOKENS_FILE, OFFSETS_FILE, SENTENCES_FILE):
        (folder / name).unlink(missing_ok=True)
    out = np.lib.format.open_memmap(folder / TOKENS_FILE, mode="w+", dtype=np.float16,
                                    shape=(int(offsets[-1]), dim))
    for p, start, end in zip(passages, offsets[:-1], offsets[1:]):
        out[start:end] = found[p.text]
    out.flush()
    del out
    np.save(folder / OFFSETS_FILE, offsets)
    if model_folder is not None and (Path(model_folder) / "tokenizer.json").is_file():
        np.save(folder / SENTENCES_FILE, _owners(Path(model_folder), passages, spans, sizes))


def _owners(model_folder: Path, passages, spans, sizes: np.ndarray) -> np.ndarray:
    """Each stored token's sentence, passage after passage (a passage whose stored
    vectors do not match its tokenization, e.g. another model's: -1 throughout)."""
    from bronwijzer.model.onnx_embed import token_sentences
    parts = []
    for start in range(0, len(passages), 256):
        chunk = range(start, min(start + 256, len(passages)))
        found = token_sentences(model_folder, [passages[i].text for i in chunk],
                                [spans[i] for i in chunk])
        parts.extend(owner if len(owner) == sizes[i] else np.full(sizes[i], -1, np.int16)
                     for i, owner in zip(chunk, found))
    return np.concatenate(parts).astype(np.int16) if parts else np.zeros(0, np.int16)


def _model_folder(settings) -> Path | None:
    """The configured model's folder when an ONNX embedder can run it (its tokenizer
    gives the stored tokens' sentences), else None."""
    from bronwijzer.model.embed import resolve_model
    from bronwijzer.model.onnx_embed import onnx_ready
    folder = resolve_model(settings.model, settings.cache)[0]
    return folder if onnx_ready(folder) else None


def _previous(root: Path, texts: set[str]) -> dict[str, np.ndarray]:
    """The stored token vectors of these texts in the live build (those it has)."""
    from bronwijzer.errors import IndexStateError
    from bronwijzer.index.store import load_index
    try:
        index = load_index(root)
    except IndexStateError:
        return {}
    if index.token_offsets is None:
        return {}
    return {p.text: index.tokens_of(row) for row, p in enumerate(index.passages)
            if p.text in texts}
