"""Build: ingest -> chunk -> embed -> index, reusing vectors of unchanged text."""

from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bronwijzer import __version__
from bronwijzer.corpus.loader import Problem, file_hashes, load_corpus
from bronwijzer.errors import IndexStateError
from bronwijzer.files import file_lock
from bronwijzer.index.chunk import chunk_document
from bronwijzer.index.store import INDEX_VERSION, load_index, read_manifest, write_build
from bronwijzer.settings import Settings


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
    return {"max_chars": settings.chunk_max_chars, "min_chars": settings.chunk_min_chars}


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
        A ``BuildReport``.
    """
    began = time.perf_counter()
    if not force and staleness(settings, embedder.name, embedder.fingerprint) is None:
        manifest = read_manifest(settings.index) or {}
        return BuildReport(len(manifest.get("documents", [])), manifest.get("passages", 0), 0, 0,
                           tuple(Problem(**p) for p in manifest.get("problems", [])),
                           time.perf_counter() - began, skipped=True)
    with _build_lock(settings.index):
        hashes = file_hashes(settings.corpus)
        documents, problems = load_corpus(settings.corpus, settings)
        passages = [p for d in documents for p in chunk_document(d, **chunk_settings(settings))]
        spans = [_sentence_spans(p.text) for p in passages]
        cache = {} if force else _vector_cache(settings.index, embedder)
        vectors, reused_p = _embed(embedder, [p.text for p in passages], "passage", cache,
                                   settings.embed_batch_size)
        sentences = [p.text[s:e] for p, ss in zip(passages, spans) for s, e in ss]
        sentence_vectors, reused_s = _embed(embedder, sentences, "passage", cache,
                                            settings.embed_batch_size)
        references = [r for d in documents for r in d.references]
        lexical = _lexical(passages, references)
        manifest = _manifest(settings, embedder, hashes, documents, problems, passages, vectors)
        write_build(settings.index, manifest, passages, spans, vectors, sentence_vectors,
                    references, lexical)
    embedded = len(passages) + len(sentences) - reused_p - reused_s
    return BuildReport(len(documents), len(passages), embedded, reused_p + reused_s,
                       tuple(problems), time.perf_counter() - began)


def lexical_text(passage, references) -> str:
    """The text BM25 sees for a passage: its words and its footnotes' references."""
    refs = [r.raw for r in references if r.footnote in passage.footnotes
            and r.doc == passage.doc and passage.source_of is None]
    return " ".join([passage.text, *refs])


def _lexical(passages, references):
    from bronwijzer.index.lexical import Lexical
    return Lexical.build([lexical_text(p, references) for p in passages])


def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    from bronwijzer.text import split_sentences
    spans = [(s, e) for s, e in split_sentences(text) if text[s:e].strip()]
    return tuple(spans) or ((0, len(text)),)


def _manifest(settings, embedder, hashes, documents, problems, passages, vectors) -> dict:
    return {
        "version": INDEX_VERSION, "bronwijzer": __version__,
        "model": embedder.name, "fingerprint": embedder.fingerprint,
        "dim": int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else embedder.dim,
        "chunk": chunk_settings(settings), "files": hashes, "passages": len(passages),
        "dense": "hnsw" if len(passages) >= settings.ann_min_passages else "flat",
        "hnsw_m": settings.hnsw_m, "hnsw_ef_search": settings.hnsw_ef_search,
        "documents": [{"name": d.name, "title": d.title, "sha256": d.sha256,
                       "source_of": list(d.source_of) if d.source_of else None,
                       "passages": sum(p.doc == d.name for p in passages)} for d in documents],
        "problems": [p.__dict__ for p in problems],
        "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _vector_cache(root: Path, embedder) -> dict[str, np.ndarray]:
    """Vectors of the live build by text, when it was built with the same model."""
    manifest = read_manifest(root)
    if not manifest or manifest.get("fingerprint") != embedder.fingerprint:
        return {}
    try:
        index = load_index(root)
    except IndexStateError:
        return {}
    cache = {p.text: v for p, v in zip(index.passages, index.vectors)}
    rows = iter(index.sentence_vectors)
    for p, spans in zip(index.passages, index.sentence_spans):
        for (s, e), vector in zip(spans, rows):
            cache[p.text[s:e]] = vector
    return cache


def _embed(embedder, texts: list[str], kind: str, cache: dict, batch: int):
    """Vectors for the texts, embedding only those not in the cache (which is updated)."""
    todo = list(dict.fromkeys(t for t in texts if t not in cache))
    for start in range(0, len(todo), batch):
        part = todo[start:start + batch]
        for text, vector in zip(part, embedder.embed_batch(part, kind=kind)):
            cache[text] = vector
    dim = embedder.dim
    matrix = np.stack([cache[t] for t in texts]).astype(np.float32) if texts \
        else np.zeros((0, dim), dtype=np.float32)
    return matrix, len(texts) - len(todo)


@contextmanager
def _build_lock(root: Path):
    """One build at a time per index folder."""
    with ExitStack() as stack:
        try:
            stack.enter_context(file_lock(Path(root) / ".lock"))
        except OSError as error:
            raise IndexStateError(f"cannot write the index folder {root}: "
                                  f"{error.strerror or error}") from None
        yield
