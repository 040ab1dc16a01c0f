"""Checking and storing uploaded source documents: a safe name, content that matches the
extension, a size limit, and an atomic copy into ``corpus/sources/``.

Every format the index build reads can be uploaded (``corpus.loader.SUPPORTED``: PDF,
HTML, text, Markdown, Word and OpenDocument)."""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
import zipfile
from io import BytesIO
from pathlib import Path, PurePosixPath

from bronwijzer.errors import UploadError

UPLOAD_TYPES = {".pdf": "pdf", ".html": "html", ".htm": "html", ".txt": "text", ".md": "text",
                ".docx": "docx", ".odt": "odt"}
# The part an office file cannot be without (python-docx and odfpy-style readers need it).
_OFFICE_PART = {"docx": "word/document.xml", "odt": "content.xml"}
_BINARY_MAGIC = (b"PK\x03\x04", b"\x7fELF", b"MZ", b"\x89PNG", b"GIF8", b"\xff\xd8\xff",
                 b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"\xd0\xcf\x11\xe0")
_HTML_SIGN = re.compile(rb"<\s*(!doctype\s+html|html|head|body|title|p|div|article|h[1-6])\b", re.I)


def safe_name(name: str) -> str:
    """A harmless file name for an upload: its last path part, ASCII ``[A-Za-z0-9._-]``.

    Raises:
        UploadError: the extension is not one the index build reads.
    """
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, ext = base.rpartition(".")
    ext = f".{ext.lower()}" if dot else ""
    if ext not in UPLOAD_TYPES:
        raise UploadError(f"{base or name!r}: only {', '.join(sorted(UPLOAD_TYPES))} files can "
                          f"be added (not {ext or 'a file without extension'})")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"\.{2,}", ".", re.sub(r"-{2,}", "-", stem)).strip(".-_ ")[:80].strip(".-_")
    return f"{stem or 'upload'}{ext}"


def sniff(data: bytes, ext: str) -> None:
    """Refuse content that does not match the extension (``UploadError``)."""
    kind, head = UPLOAD_TYPES[ext], data[:8192]
    if kind in _OFFICE_PART:
        _sniff_office(data, kind)
        return
    if kind == "pdf":
        if b"%PDF-" not in data[:1024]:
            raise UploadError("the file is not a PDF (no %PDF header)")
        return
    if not data.strip():
        raise UploadError("the file is empty")
    if b"%PDF-" in data[:1024] or head.startswith(_BINARY_MAGIC) or b"\x00" in head:
        raise UploadError(f"the file is binary, not {kind}")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the sample's end
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                raise UploadError(f"the file is not readable {kind} text") from None
    if kind == "html" and not _HTML_SIGN.search(data[:65536]):
        raise UploadError("the file does not look like HTML (no html/body/p tags)")


def _sniff_office(data: bytes, kind: str) -> None:
    """Refuse a .docx/.odt that is not a zip package holding its main part."""
    if not data.startswith(b"PK\x03\x04"):
        raise UploadError(f"the file is not a {kind} document (not a zip package)")
    try:
        with zipfile.ZipFile(BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError):
        raise UploadError(f"the file is a damaged {kind} document") from None
    if _OFFICE_PART[kind] not in names:
        raise UploadError(f"the file is not a {kind} document (no {_OFFICE_PART[kind]})")


def store_upload(path: str | os.PathLike, sources: Path, max_mb: int) -> tuple[Path, bool]:
    """Copy an uploaded file into ``sources`` under a safe, unused name.

    Returns:
        The stored path and whether it is new (False: the same bytes were already there).

    Raises:
        UploadError: bad extension or content, or over ``max_mb`` megabytes.
    """
    path = Path(path)
    name = safe_name(path.name)
    if path.stat().st_size > max_mb * 1024 * 1024:
        raise UploadError(f"{name}: larger than the {max_mb} MB limit")
    data = path.read_bytes()
    try:
        sniff(data, Path(name).suffix)
    except UploadError as error:
        raise UploadError(f"{name}: {error}") from None
    sources.mkdir(parents=True, exist_ok=True)
    root = sources.resolve()
    stem, ext = Path(name).stem, Path(name).suffix
    for n in range(1, 1000):
        dest = root / (name if n == 1 else f"{stem}-{n}{ext}")
        if dest.parent != root:
            raise UploadError(f"{name}: refused (outside the sources folder)")
        if dest.exists():
            if dest.is_file() and dest.read_bytes() == data:
                return dest, False
            continue
        tmp = root / f".upload-{uuid.uuid4().hex}.part"
        tmp.write_bytes(data)
        os.replace(tmp, dest)
        return dest, True
    raise UploadError(f"{name}: too many files with this name")
