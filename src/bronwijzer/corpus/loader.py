"""Ingest: read every file in the corpus folder into ``Document`` records.

Files at the top of the corpus folder are articles: their inline footnote
references are parsed (see ``article.py``). Files under ``sources/`` are cited
source documents (PDF, HTML, text), linked to the reference they are.
A file that cannot be read becomes a ``Problem`` with its name and the reason;
the rest of the corpus still comes through. One file is read by ``read.py``; a build
reads each file in a bounded worker process (``worker.py``, limits in ``limits.py``) and
keeps the result in the parse cache (``cache.py``), so an unchanged file, good or bad,
is not read again.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bronwijzer.corpus.limits import DEFAULT_LIMITS, ParseLimits
from bronwijzer.corpus.read import (
    HTML_SUFFIXES,
    SOURCES_DIR,
    SOURCES_JSON,
    TEXT_SUFFIXES,
)
from bronwijzer.files import sha256_file
from bronwijzer.records import Document, Reference

SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx", ".odt"}


@dataclass(frozen=True)
class Problem:
    """A corpus file that was skipped (or indexed with a warning), and why."""

    name: str
    reason: str
    indexed: bool = False


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The supported files under the corpus folder, in a stable order.

    Args:
        corpus_dir: the corpus folder.

    Returns:
        Sorted paths of ``.txt``, ``.md``, ``.pdf``, ``.html`` files (sidecars excluded).
    """
    if not corpus_dir.is_dir():
        return []
    files = [p for p in corpus_dir.rglob("*") if p.is_file()
             and p.suffix.lower() in SUPPORTED and not p.name.startswith(".")]
    return sorted(files, key=lambda p: p.relative_to(corpus_dir).as_posix())


def unsupported_files(corpus_dir: Path) -> list[Path]:
    """Files under the corpus folder of a type Bronwijzer cannot read (reported by name).

    Args:
        corpus_dir: the corpus folder.

    Returns:
        Sorted paths, hidden files, ``sources.json`` and ``*.ref.json`` sidecars excluded.
    """
    if not corpus_dir.is_dir():
        return []
    files = [p for p in corpus_dir.rglob("*") if p.is_file() and not p.name.startswith(".")
             and p.suffix.lower() not in SUPPORTED and not p.name.endswith(".ref.json")
             and p != corpus_dir / SOURCES_JSON
             and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)]
    return sorted(files, key=lambda p: p.relative_to(corpus_dir).as_posix())


def file_hashes(corpus_dir: Path) -> dict[str, str]:
    """sha256 of every corpus file (and of ``sources.json``), by relative name."""
    hashes = {}
    for path in corpus_files(corpus_dir) + unsupported_files(corpus_dir) + [corpus_dir / SOURCES_JSON]:
        try:
            hashes[path.relative_to(corpus_dir).as_posix()] = sha256_file(path)
        except OSError:
            continue
    return hashes


def load_corpus(corpus_dir: Path, settings=None,
                stats: dict | None = None) -> tuple[list[Document], list[Problem]]:
    """Read every supported file of the corpus.

    Args:
        corpus_dir: the corpus folder (articles on top, cited sources in ``sources/``).
        settings: the ``Settings`` of a build: each file is then read in a bounded worker
            process (``corpus/worker.py``) within the settings' limits, and its result is
            kept in the parse cache (``corpus/cache.py``) under the index folder. Without,
            files are read in this process within the default limits, uncached.
        stats: filled with the names ``read`` now and those taken from the ``cached`` results.

    Returns:
        The documents that could be read, and the problems met (one per bad file).
    """
    records = _read_records(corpus_dir / SOURCES_JSON)
    stats = stats if stats is not None else {}
    documents, problems = _read_all(corpus_dir, settings, stats)
    for path in unsupported_files(corpus_dir):
        problems.append(Problem(path.relative_to(corpus_dir).as_posix(),
                                f"unsupported type ({path.suffix.lower() or 'no extension'})"))
    references = [r for d in documents for r in d.references]
    documents = [_link(d, references, records, corpus_dir) for d in documents]
    return documents, problems


def _read_all(corpus_dir: Path, settings, stats: dict) -> tuple[list[Document], list[Problem]]:
    """Every supported file read (or taken from the parse cache); see ``load_corpus``."""
    from bronwijzer.corpus.cache import FOLDER, ParseCache
    limits = ParseLimits.from_settings(settings) if settings is not None else DEFAULT_LIMITS
    cache = ParseCache(settings.index / FOLDER if settings is not None else None)
    context = _digest(corpus_dir / SOURCES_JSON)
    stats.update(read=[], cached=[])
    documents, problems = [], []
    with _reader(settings is not None, limits) as read:
        for path in corpus_files(corpus_dir):
            name = path.relative_to(corpus_dir).as_posix()
            key = _key(path, name, limits, "" if name.startswith(SOURCES_DIR + "/") else context)
            result = cache.get(key) if key else None
            stats["cached" if result else "read"].append(name)
            if result is None:
                result = read({"path": str(path), "name": name, "corpus": str(corpus_dir)})
                if key and not result.get("transient"):
                    cache.put(key, result)
            doc, problem = _outcome(name, result, cached=name in stats["cached"])
            problems += [problem] if problem else []
            documents += [doc] if doc else []
    cache.prune()
    return documents, problems


@contextmanager
def _reader(bounded: bool, limits: ParseLimits):
    """A function reading one task: in a worker process when ``bounded``, else here."""
    from bronwijzer.corpus.worker import BoundedReader, parse_task, workers_available
    if not (bounded and workers_available()):
        yield lambda task: parse_task(task, limits)
        return
    with BoundedReader(limits) as reader:
        yield reader.read


def _digest(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


def _key(path: Path, name: str, limits: ParseLimits, context: str) -> str | None:
    from bronwijzer.corpus.cache import cache_key
    digest = _digest(path)
    return cache_key(digest, name, limits.as_dict(), context) if digest else None


def _outcome(name: str, result: dict, cached: bool) -> tuple[Document | None, Problem | None]:
    """The document and the problem of a reading result (see ``worker.parse_task``)."""
    from bronwijzer.corpus.cache import document_from_dict
    doc = document_from_dict(result["document"]) if result.get("document") else None
    notes = [n for n in [result.get("error"), *(result.get("notes") or [])] if n]
    if not notes:
        return doc, None
    reason = "; ".join(dict.fromkeys(notes))
    if doc is None and cached:
        reason += " (unchanged since then: not read again)"
    return doc, Problem(name, reason, indexed=doc is not None)


def _read_records(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def _link(doc: Document, refs: list[Reference], records: list[dict], corpus_dir: Path) -> Document:
    if not doc.name.startswith(SOURCES_DIR + "/") or doc.source_of is not None:
        return doc
    from bronwijzer.corpus.link import link_source
    sidecar = corpus_dir / (doc.name + ".ref.json")
    linked = link_source(doc, refs, records, sidecar if sidecar.exists() else None)
    return replace(doc, source_of=linked) if linked else doc
