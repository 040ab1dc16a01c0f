"""The bounds one corpus file is read within, and the checks that refuse a file past one.

``ParseLimits`` carries the ``parse_*``/``max_*``/``ocr_*`` fields of ``Settings`` (where
each is documented) to the readers and to the worker process (``corpus/worker.py``).
A reader that meets a bound raises ``LimitError`` (``errors.py``) naming the setting, so
the build report can say which limit a refused file hit and how to raise it.
"""

from __future__ import annotations

import zipfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from bronwijzer.errors import IngestError, LimitError

MB = 1024 * 1024


@dataclass(frozen=True)
class ParseLimits:
    """The bounds of reading one file (see the matching ``Settings`` fields)."""

    parse_memory_mb: int = 1536
    parse_seconds: int = 60
    max_unzipped_mb: int = 100
    max_pdf_pages: int = 1000
    max_pdf_stream_mb: int = 20
    max_repeat: int = 100
    ocr_max_pages: int = 30
    ocr_seconds: int = 45
    max_text_mb: int = 20
    max_doc_chars: int = 25_000_000
    max_doc_passages: int = 25_000
    chunk_max_chars: int = 1100
    chunk_min_chars: int = 200

    @classmethod
    def from_settings(cls, settings) -> "ParseLimits":
        """The limits of ``settings`` (a ``Settings``)."""
        return cls(**{name: getattr(settings, name) for name in asdict(cls())})

    def as_dict(self) -> dict:
        """The limits as plain JSON values (for the worker and the parse cache key)."""
        return asdict(self)


DEFAULT_LIMITS = ParseLimits()


def check_zip(path: Path, name: str, limits: ParseLimits) -> None:
    """Refuse a zip package (.docx, .odt, .xlsx) whose members unpack past the limit.

    The sizes are the ones the archive declares; ``zipfile`` stops reading a member at its
    declared size (a lying header fails its CRC check), so the sum bounds what is read.

    Args:
        path: the package.
        name: the document name (for the error).
        limits: the limits in force.

    Raises:
        LimitError: the members sum past ``max_unzipped_mb``.
        IngestError: not a zip package.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(f"{name}: not a readable package: {exc}", f"not a readable package: {exc}") from exc
    if total > limits.max_unzipped_mb * MB:
        raise LimitError(name, f"{total / MB:,.0f} MB uncompressed", "max_unzipped_mb",
                         f"{limits.max_unzipped_mb} MB")


def check_size(path: Path, name: str, megabytes: int, setting: str) -> None:
    """Refuse a file larger than ``megabytes`` before it is read (``LimitError``)."""
    size = Path(path).stat().st_size
    if size > megabytes * MB:
        raise LimitError(name, f"{size / MB:,.0f} MB", setting, f"{megabytes} MB")


def check_document(doc, limits: ParseLimits) -> None:
    """Refuse a read document that adds more text or passages than one file may.

    Args:
        doc: the ``Document``.
        limits: the limits in force.

    Raises:
        LimitError: past ``max_doc_chars`` or ``max_doc_passages``.
    """
    from bronwijzer.index.chunk import chunk_document
    if len(doc.text) > limits.max_doc_chars:
        raise LimitError(doc.name, f"{len(doc.text):,} characters of text", "max_doc_chars",
                         f"{limits.max_doc_chars:,}")
    passages = len(chunk_document(doc, max_chars=limits.chunk_max_chars,
                                  min_chars=limits.chunk_min_chars))
    if passages > limits.max_doc_passages:
        raise LimitError(doc.name, f"{passages:,} passages", "max_doc_passages",
                         f"{limits.max_doc_passages:,}")


@contextmanager
def pdf_limits(limits: ParseLimits):
    """pypdf's decompression limits set to ``max_pdf_stream_mb`` for the ``with`` block.

    pypdf (>= 6) bounds every filter's output through its ``Configuration``; older
    versions through the module constants of ``pypdf.filters``, which are set instead.
    """
    cap = limits.max_pdf_stream_mb * MB
    fields = ("zlib_maximum_output_length", "lzw_maximum_output_length",
              "run_length_maximum_output_length", "jbig2_maximum_output_length",
              "brotli_maximum_output_length", "array_based_stream_maximum_output_length")
    try:
        from pypdf import Configuration, apply_configuration
    except ImportError:
        from pypdf import filters
        saved = getattr(filters, "ZLIB_MAX_OUTPUT_LENGTH", None)
        filters.ZLIB_MAX_OUTPUT_LENGTH = cap
        try:
            yield
        finally:
            filters.ZLIB_MAX_OUTPUT_LENGTH = saved
        return
    known = {f for f in fields if hasattr(Configuration, f)}
    with apply_configuration(**{f: cap for f in known}):
        yield
