"""Ingest: read every file in the corpus folder into ``Document`` records.

Files at the top of the corpus folder are articles: their inline footnote
references are parsed (see ``article.py``). Files under ``sources/`` are cited
source documents (PDF, HTML, text), linked to the reference they are.
A file that cannot be read becomes a ``Problem`` with its name and the reason;
the rest of the corpus still comes through.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from bronwijzer.errors import IngestError
from bronwijzer.files import sha256_file
from bronwijzer.records import Block, Document, Reference

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf"}
SOURCES_DIR = "sources"
SOURCES_JSON = "sources.json"


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


def file_hashes(corpus_dir: Path) -> dict[str, str]:
    """sha256 of every corpus file (and of ``sources.json``), by relative name."""
    hashes = {}
    for path in corpus_files(corpus_dir) + [corpus_dir / SOURCES_JSON]:
        try:
            hashes[path.relative_to(corpus_dir).as_posix()] = sha256_file(path)
        except OSError:
            continue
    return hashes



def load_corpus(corpus_dir: Path) -> tuple[list[Document], list[Problem]]:
    """Read every supported file of the corpus.

    Args:
        corpus_dir: the corpus folder (articles on top, cited sources in ``sources/``).

    Returns:
        The documents that could be read, and the problems met (one per bad file).
    """
    records = _read_records(corpus_dir / SOURCES_JSON)
    documents, problems = [], []
    for path in corpus_files(corpus_dir):
        name = path.relative_to(corpus_dir).as_posix()
        try:
            doc, warning = _read_one(path, name, corpus_dir, records)
        except Exception as error:  # noqa: BLE001 - every failure is reported by name
            problems.append(Problem(name, _reason(error)))
            continue
        if warning:
            problems.append(Problem(name, warning, indexed=True))
        documents.append(doc)
    references = [r for d in documents for r in d.references]
    documents = [_link(d, references, records, corpus_dir) for d in documents]
    return documents, problems


def _reason(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "file disappeared while indexing"
    if isinstance(error, PermissionError):
        return "permission denied"
    return str(error) or type(error).__name__


def _read_one(path: Path, name: str, corpus_dir: Path, records: list[dict]):
    suffix = path.suffix.lower()
    is_source = name.startswith(SOURCES_DIR + "/")
    if suffix == ".pdf":
        from bronwijzer.corpus.pdf import read_pdf
        return read_pdf(path, name), None
    if suffix in HTML_SUFFIXES:
        from bronwijzer.corpus.html import read_html
        return read_html(path, name), None
    data = path.read_bytes()
    text, warning = decode_text(data)
    digest = hashlib.sha256(data).hexdigest()
    if is_source:
        return text_document(name, text, digest), warning
    return article_document(name, text, digest, corpus_dir / SOURCES_JSON), warning


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Decode a text file's bytes, refusing binaries and empty files.

    Returns:
        The text (without a BOM) and a warning when bytes had to be replaced.

    Raises:
        IngestError: for an empty file or one that looks binary.
    """
    if not data.strip():
        raise IngestError("empty file")
    sample = data[:8192]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) // 20:
        raise IngestError("binary file, not text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        return data.decode("utf-8", errors="replace"), \
            f"invalid UTF-8 at byte {error.start}; undecodable bytes replaced"


def article_document(name: str, raw: str, digest: str, sources_json: Path) -> Document:
    """An article: inline references parsed, markers ``[n]`` in the clean text."""
    from bronwijzer.corpus.article import attach_urls, parse_article
    clean, blocks, refs = parse_article(raw)
    refs = attach_urls(refs, sources_json)
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


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the paragraphs of a plain text, stripped of surrounding white space.

    Paragraphs are separated by blank lines; a text without blank lines has one
    paragraph per line.
    """
    separator = re.compile(r"\n\s*\n" if re.search(r"\n\s*\n", text) else r"\n")
    spans, position = [], 0
    for match in [*separator.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[position:end]
        if piece.strip():
            start = position + len(piece) - len(piece.lstrip())
            spans.append((start, position + len(piece.rstrip())))
        position = match.end() if match else len(text)
    return spans


def _read_records(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def _link(doc: Document, refs: list[Reference], records: list[dict], corpus_dir: Path) -> Document:
    if not doc.name.startswith(SOURCES_DIR + "/") or doc.source_of is not None:
        return doc
    from dataclasses import replace

    from bronwijzer.corpus.link import link_source
    sidecar = corpus_dir / (doc.name + ".ref.json")
    linked = link_source(doc, refs, records, sidecar if sidecar.exists() else None)
    return replace(doc, source_of=linked) if linked else doc
