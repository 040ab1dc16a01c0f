"""Ingest: read every file in the corpus folder into ``Document`` records.

Files at the top of the corpus folder are articles: their inline footnote
references are parsed (see ``article.py``). Files under ``sources/`` are cited
source documents (PDF, HTML, text), linked to the reference they are.
A file that cannot be read becomes a ``Problem`` with its name and the reason;
the rest of the corpus still comes through. A build reads each file in a bounded worker
process (``worker.py``, limits in ``limits.py``) and keeps the result in the parse cache
(``cache.py``), so an unchanged file, good or bad, is not read again.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bronwijzer.corpus.document import paragraph_spans
from bronwijzer.corpus.limits import DEFAULT_LIMITS, ParseLimits, check_size
from bronwijzer.errors import IngestError
from bronwijzer.files import sha256_file
from bronwijzer.records import Block, Document, Reference

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx", ".odt"}
SOURCES_DIR = "sources"
SOURCES_JSON = "sources.json"
LIBRARY_LOGGERS = ("pypdf", "trafilatura", "htmldate", "courlan", "charset_normalizer", "docx",
                   "pytesseract", "PIL")


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


def _reason(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "file disappeared while indexing"
    if isinstance(error, PermissionError):
        return "permission denied"
    return str(error) or type(error).__name__


@contextmanager
def captured_warnings():
    """Collect Python warnings and the reading libraries' log warnings (pypdf, trafilatura,
    python-docx, ...) instead of letting them print beside the report.

    Yields:
        The list the messages are appended to (filled while the block runs).
    """
    heard: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            heard.append(record.getMessage().strip())

    handler = _Keep(logging.WARNING)
    loggers = [logging.getLogger(name) for name in LIBRARY_LOGGERS]
    saved = [logger.propagate for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield heard
            heard.extend(str(w.message).strip() for w in caught)
    finally:
        for logger, propagate in zip(loggers, saved):
            logger.removeHandler(handler)
            logger.propagate = propagate


def read_one(path: Path, name: str, corpus_dir: Path,
             limits: ParseLimits = DEFAULT_LIMITS) -> tuple[Document, str | None]:
    """Read one corpus file by its type.

    Args:
        path: the file.
        name: its name in the corpus (posix, relative).
        corpus_dir: the corpus folder (articles take URLs from its ``sources.json``).
        limits: the bounds of reading it.

    Returns:
        The document and a warning (or None).

    Raises:
        IngestError: the file cannot be read (``LimitError``: it passes a limit).
    """
    suffix = path.suffix.lower()
    is_source = name.startswith(SOURCES_DIR + "/")
    if suffix == ".pdf":
        from bronwijzer.corpus.pdf import read_pdf
        return read_pdf(path, name, limits), None
    if suffix in {".docx", ".odt"}:
        from bronwijzer.corpus.office import read_docx, read_odt
        return (read_docx if suffix == ".docx" else read_odt)(path, name, limits), None
    check_size(path, name, limits.max_text_mb, "max_text_mb")
    if suffix in HTML_SUFFIXES:
        from bronwijzer.corpus.markup import read_html_with_notes
        return read_html_with_notes(path, name), None
    data = path.read_bytes()
    text, warning = decode_text(data)
    digest = hashlib.sha256(data).hexdigest()
    from bronwijzer.corpus.markup import markdown_document, markdown_notes
    if suffix == ".md" and markdown_notes(text):
        return markdown_document(name, text, digest), warning
    if is_source:
        return text_document(name, text, digest), warning
    return article_document(name, text, digest, corpus_dir / SOURCES_JSON), warning


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Decode a text file's bytes: UTF-8 (with or without BOM), UTF-16/32 with BOM, or a
    legacy code page detected by charset-normalizer (cp1252 for Latin text, as Windows saves
    Dutch). Binaries and empty files are refused.

    Args:
        data: the file's bytes.

    Returns:
        The text (without a BOM) and a warning naming the encoding when it was not UTF-8.

    Raises:
        IngestError: for an empty file or one that looks binary.
    """
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            if not text.strip():
                raise IngestError("empty file")
            return text, None
    if not data.strip():
        raise IngestError("empty file")
    sample = data[:8192]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) // 20:
        raise IngestError("binary file, not text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        return _decode_legacy(data, error.start)


_NON_LATIN = ("cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp866", "cp855", "koi8",
              "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "mac_cyrillic", "mac_greek",
              "big5", "gb", "euc", "shift_jis", "cp932", "cp949", "cp950", "tis", "cp874")


def _decode_legacy(data: bytes, bad: int) -> tuple[str, str | None]:
    """Text in a single-byte code page: cp1252 (how Windows saves Dutch) unless
    charset-normalizer recognises a non-Latin script, or cp1252 cannot decode the bytes."""
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    encoding = best.encoding if best is not None else None
    if not (encoding or "").startswith(_NON_LATIN):
        try:
            return data.decode("cp1252"), None
        except UnicodeDecodeError:
            pass
    if encoding:
        return data.decode(encoding, errors="replace"), None
    warning = f"invalid UTF-8 at byte {bad}; undecodable bytes replaced"
    return data.decode("utf-8", errors="replace"), warning


def article_document(name: str, raw: str, digest: str, sources_json: Path) -> Document:
    """An article: inline references parsed, markers ``[n]`` in the clean text."""
    from bronwijzer.corpus.article import attach_urls, parse_article
    clean, blocks, refs = parse_article(raw)
    refs = tuple(replace(r, doc=name) for r in attach_urls(refs, sources_json))
    title = blocks[0].text if blocks else name
    return Document(name=name, title=title[:200], text=clean, blocks=blocks,
                    sha256=digest, references=tuple(refs))


def text_document(name: str, raw: str, digest: str) -> Document:
    """A plain text: paragraphs are blank-line separated (or single lines)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    blocks = []
    for start, end in paragraph_spans(text):
        number = len(blocks) + 1
        blocks.append(Block(text=text[start:end], start=start, end=end, number=number))
    if not blocks:
        raise IngestError("empty file")
    return Document(name=name, title=blocks[0].text[:200], text=text,
                    blocks=tuple(blocks), sha256=digest)


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
