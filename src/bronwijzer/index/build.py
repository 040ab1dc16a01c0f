"""Build: ingest -> chunk -> embed -> index, reusing vectors of unchanged text."""

from __future__ import annotations

import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bronwijzer import __version__
from bronwijzer.corpus.loader import Problem, file_hashes, load_corpus
from bronwijzer.errors import IndexStateError
from bronwijzer.files import file_lock
from bronwijzer.index.chunk import chunk_document
from bronwijzer.index.store import INDEX_VERSION, load_index, read_manifest, write_build
from bronwijzer.index.tokens import TokenRecorder, add_tokens
from bronwijzer.index.upgrade import add_texts
from bronwijzer.settings import Settings
from bronwijzer.text import distinct

_BUILD_PART = 256  # passages embedded at a time (bounds the memory a part holds)


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    documents: int
    passages: int
    embedded: int
    reused: int
    problems: tuple[Problem, ...]
    seconds: float
    skipped: bool = False


def chunk_settings(settings: Settings) -> dict:
    """The settings that decide the passages and sentence vectors (kept in the manifest;
    a change makes the index stale). ``sentences`` appears only for one-pass sentence
    vectors, so indexes built before it existed stay current with it off."""
    chunk = {"max_chars": settings.chunk_max_chars, "min_chars": settings.chunk_min_chars}
    if settings.one_pass_sentences:
        chunk["sentences"] = "one-pass"
    return chunk


@dataclass(frozen=True)
class Embedded:
    """The vectors of a build's passages and sentences, and how many texts were embedded."""

    vectors: np.ndarray
    sentence_vectors: np.ndarray
    embedded: int


@dataclass(frozen=True)
class Staleness:
    """Why an index must be rebuilt: ``kind`` for code, ``detail`` for people.

    Kinds: ``missing`` (no index), ``format`` (older index version), ``model`` (built
    with another model), ``weights`` (same model name, other weights), ``chunking``
    (chunk settings changed), ``corpus`` (files added, changed or removed).
    """

    kind: str
    detail: str

    def __str__(self) -> str:
        return self.detail


def staleness(settings: Settings, model: str, fingerprint: str | None = None) -> Staleness | None:
    """Why the index must be rebuilt, or None when it is up to date.

    Args:
        settings: the settings (corpus and index folders, chunking).
        model: the configured model name.
        fingerprint: the model's fingerprint, when known (other weights under the same
            name make the index stale too).

    Returns:
        A ``Staleness`` record, or None.
    """
    manifest = read_manifest(settings.index)
    if manifest is None:
        return Staleness("missing", "no index")
    if manifest.get("version") != INDEX_VERSION:
        return Staleness("format", f"index format {manifest.get('version')} is older than "
                                   f"{INDEX_VERSION}")
    if manifest.get("model") != model:
        return Staleness("model", f"index was built with model {manifest.get('model')!r}, "
                                  f"not {model!r}")
    if fingerprint is not None and manifest.get("fingerprint") != fingerprint:
        return Staleness("weights", f"index was built with another version of model {model!r} "
                                    f"(fingerprint {manifest.get('fingerprint')}, not {fingerprint})")
    if manifest.get("chunk") != chunk_settings(settings):
        return Staleness("chunking", "chunk settings changed")
    old, new = manifest.get("files", {}), file_hashes(settings.corpus)
    changed = sorted(n for n in old.keys() | new.keys() if old.get(n) != new.get(n))
    return Staleness("corpus", f"corpus changed: {', '.join(changed[:5])}") if changed else None


def build_index(settings: Settings, embedder, force: bool = False) -> BuildReport:
    """Build (or refresh) the index for the corpus.

    Args:
        settings: the settings.
        embedder: an ``Embedder`` (``embed_batch(texts, kind)``, ``name``, ``fingerprint``).
        force: rebuild even when the index is up to date, and re-embed everything.

    Returns:
        A ``BuildReport``; an up-to-date index that lacks its token files gets them
        (``embedded``: the passages encoded for them), else it is ``skipped``.
    """
    began = time.perf_counter()
    if not force and staleness(settings, embedder.name, embedder.fingerprint) is None:
        with build_lock(settings.index):  # an index built without its token files gets them
            added = add_tokens(settings, embedder)
            add_texts(settings.index, embedder)  # and its stored texts
        report = skipped_report(settings, began)
        return replace(report, embedded=added, skipped=False) if added else report
    with build_lock(settings.index):
        hashes = file_hashes(settings.corpus)
        documents, problems = load_corpus(settings.corpus, settings)
        passages = build_passages(documents, settings)
        spans = [sentence_spans(p.text) for p in passages]
        cache = {} if force else vector_cache(settings, embedder)
        tokens = TokenRecorder(settings, embedder, passages)  # the passes' token states
        done = embed_passages(embedder, [p.text for p in passages], spans, cache, settings)
        references = [r for d in documents for r in d.references]
        lexical = lexical_index(passages, references)
        manifest = build_manifest(settings, embedder, hashes, documents, problems, passages,
                                  done.vectors)
        write_build(settings.index, manifest, passages, spans, done.vectors,
                    done.sentence_vectors, references, lexical, tokens, embedder)
    reused = len(passages) + len(done.sentence_vectors) - done.embedded
    return BuildReport(len(documents), len(passages), done.embedded, reused,
                       tuple(problems), time.perf_counter() - began)


def build_passages(documents, settings: Settings) -> list:
    """The passages of a build: each document chunked by the settings' sizes.

    Args:
        documents: the documents read.
        settings: the settings (``chunk_max_chars``, ``chunk_min_chars``).

    Returns:
        The passages, in document order.
    """
    return [p for d in documents for p in chunk_document(
        d, max_chars=settings.chunk_max_chars, min_chars=settings.chunk_min_chars)]


def skipped_report(settings: Settings, began: float) -> BuildReport:
    """The report of a build skipped because the index is up to date.

    Args:
        settings: the settings (index folder).
        began: ``time.perf_counter()`` when the build started.

    Returns:
        A ``BuildReport`` of the live index (its documents, passages and problems).
    """
    manifest = read_manifest(settings.index) or {}
    return BuildReport(len(manifest.get("documents", [])), manifest.get("passages", 0), 0, 0,
                       tuple(Problem(**p) for p in manifest.get("problems", [])),
                       time.perf_counter() - began, skipped=True)


def lexical_text(passage, references) -> str:
    """The text BM25 sees for a passage: its words and its footnotes' references."""
    refs = [r.raw for r in references if r.footnote in passage.footnotes
            and r.doc == passage.doc and passage.source_of is None]
    return " ".join([passage.text, *refs])


def lexical_index(passages, references):
    """The BM25 index of a build's passages.

    Args:
        passages: the passages, in index order.
        references: every document's references (a passage's footnotes add theirs).

    Returns:
        A ``Lexical`` index over :func:`lexical_text` of each passage.
    """
    from bronwijzer.index.lexical import Lexical
    return Lexical.build([lexical_text(p, references) for p in passages])


def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The spans of a passage's sentences, as the index stores them.

    Args:
        text: the passage text.

    Returns:
        ``(start, end)`` character spans of its non-blank sentences (the whole text
        when it has none).
    """
    from bronwijzer.text import split_sentences
    spans = [(s, e) for s, e in split_sentences(text) if text[s:e].strip()]
    return tuple(spans) or ((0, len(text)),)


def build_manifest(settings, embedder, hashes, documents, problems, passages,
                   vectors) -> dict:
    """The manifest a build writes beside its index.

    Args:
        settings: the settings of the build.
        embedder: the embedder, or anything with its ``name``, ``fingerprint`` and ``dim``.
        hashes: the corpus files' hashes (``file_hashes``).
        documents: the documents read.
        problems: the files that could not be read.
        passages: the passages, in index order.
        vectors: the passage vectors (their width is the index's dimension).

    Returns:
        The manifest as a JSON-ready dict.
    """
    per_document = Counter(p.doc for p in passages)
    return {
        "version": INDEX_VERSION, "bronwijzer": __version__,
        "model": embedder.name, "fingerprint": embedder.fingerprint,
        "dim": int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else embedder.dim,
        "chunk": chunk_settings(settings), "files": hashes, "passages": len(passages),
        "dense": "hnsw" if len(passages) >= settings.ann_min_passages else "flat",
        "hnsw_m": settings.hnsw_m, "hnsw_ef_search": settings.hnsw_ef_search,
        "documents": [{"name": d.name, "title": d.title, "sha256": d.sha256,
                       "source_of": list(d.source_of) if d.source_of else None,
                       "passages": per_document[d.name]} for d in documents],
        "problems": [p.__dict__ for p in problems],
        "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def vector_cache(settings: Settings, embedder) -> dict[str, tuple]:
    """Vectors of the live build by passage text, for a build to reuse.

    Args:
        settings: the settings (index folder, sentence encoding).
        embedder: the embedder, or anything with its ``fingerprint``.

    Returns:
        ``{passage text: (vector, its sentences' vectors)}`` when the live index was
        built with the same model and sentence encoding, else an empty dict.
    """
    manifest = read_manifest(settings.index)
    if (not manifest or manifest.get("fingerprint") != embedder.fingerprint
            or (manifest.get("chunk") or {}).get("sentences")
            != chunk_settings(settings).get("sentences")):
        return {}
    try:
        index = load_index(settings.index)
    except IndexStateError:
        return {}
    offsets = index.sentence_offsets
    return {p.text: (vector, index.sentence_vectors[start:start + len(spans)])
            for p, vector, spans, start in zip(index.passages, index.vectors,
                                               index.sentence_spans, offsets)}


def embed_passages(embedder, texts: list[str], spans: list, cache: dict,
                   settings: Settings) -> Embedded:
    """Passage and sentence vectors, embedding only passages whose text is not in the
    cache (which is updated), ``_BUILD_PART`` passages at a time.

    Args:
        embedder: an ``Embedder`` (``embed_passages`` when it has a build path, else
            ``embed_batch``; ``dim``).
        texts: the passage texts, in index order.
        spans: each passage's sentence spans (:func:`sentence_spans`).
        cache: ``{passage text: (vector, sentence vectors)}`` (:func:`vector_cache`).
        settings: the settings (batch size, one-pass sentence vectors).

    Returns:
        An ``Embedded``: the passage vectors, the sentence vectors in passage order and
        how many texts were embedded.
    """
    todo = {t: s for t, s in zip(texts, spans) if t not in cache}
    new, embedded = list(todo), 0
    for start in range(0, len(new), _BUILD_PART):
        part = new[start:start + _BUILD_PART]
        vectors, sentence_vectors = _embed_part(embedder, part, [todo[t] for t in part],
                                                settings)
        rows = 0
        for text, vector in zip(part, vectors):
            cache[text] = (vector, sentence_vectors[rows:rows + len(todo[text])])
            rows += len(todo[text])
        embedded += len(part) + rows
    dim = embedder.dim
    found = [cache[t] for t in texts]
    matrix = (np.stack([v for v, _ in found]).astype(np.float32) if found
              else np.zeros((0, dim), dtype=np.float32))
    sentences = (np.concatenate([s for _, s in found]).astype(np.float32) if found
                 else np.zeros((0, dim), dtype=np.float32))
    return Embedded(matrix, sentences, embedded)


def _embed_part(embedder, texts: list[str], spans: list, settings: Settings):
    """Vectors of some passages and their sentences: through the embedder's build path
    (one pass per passage when the settings say so) when it has one; a sentence that
    recurs among them is embedded once."""
    if hasattr(embedder, "embed_passages"):
        return embedder.embed_passages(texts, spans, one_pass=settings.one_pass_sentences)
    sentences = [t[s:e] for t, ss in zip(texts, spans) for s, e in ss]
    once, at = distinct(sentences)
    batch = settings.embed_batch_size
    return _in_parts(embedder, texts, batch), _in_parts(embedder, once, batch)[at]


def _in_parts(embedder, texts: list[str], batch: int) -> np.ndarray:
    parts = [embedder.embed_batch(texts[i:i + batch], kind="passage")
             for i in range(0, len(texts), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


@contextmanager
def build_lock(root: Path):
    """One build at a time per index folder.

    Args:
        root: the index folder.

    Raises:
        IndexStateError: when the folder cannot be written.
    """
    with ExitStack() as stack:
        try:
            stack.enter_context(file_lock(Path(root) / ".lock"))
        except OSError as error:
            raise IndexStateError(f"cannot write the index folder {root}: "
                                  f"{error.strerror or error}") from None
        yield
