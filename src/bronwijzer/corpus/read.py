"""Reading one corpus file by its type into a ``Document``: text decoding, articles,
plain texts, and the readers of PDF, Office and HTML files (imported when needed).

Used both in the build's process (``loader.py``) and in the bounded worker process
(``worker.py``); the warnings of the reading libraries are collected, not printed.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import warnings
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from bronwijzer.corpus.document import paragraph_spans
from bronwijzer.corpus.limits import DEFAULT_LIMITS, ParseLimits, check_size
from bronwijzer.errors import IngestError
from bronwijzer.records import Block, Document

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
SOURCES_DIR = "sources"
SOURCES_JSON = "sources.json"
LIBRARY_LOGGERS = ("pypdf", "trafilatura", "htmldate", "courlan", "charset_normalizer", "docx",
                   "pytesseract", "PIL")


def failure_reason(error: Exception) -> str:
    """The reason a file could not be read, as the build report shows it.

    Args:
        error: the exception reading the file raised.

    Returns:
        A short reason ("permission denied", the error's message, ...).
    """
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
