"""OCR for image-only (scanned) PDFs, with Debian's Tesseract when it is installed.

Pages are rasterised with pypdfium2 and read by ``pytesseract`` in Dutch (plus
English when installed). Without Tesseract or its Dutch data the file is reported
with the command that installs them.
"""

from __future__ import annotations

import shutil
import time

from bronwijzer.corpus.document import ingest_failure
from bronwijzer.corpus.limits import DEFAULT_LIMITS, ParseLimits
from bronwijzer.errors import LimitError

INSTALL = "apt-get install -y tesseract-ocr tesseract-ocr-nld"
_DPI = 300


def ocr_available() -> str | None:
    """Why OCR cannot run here (None when it can): Tesseract or its Dutch data missing."""
    if shutil.which("tesseract") is None:
        return "Tesseract is not installed"
    try:
        import pytesseract
        if "nld" not in pytesseract.get_languages(config=""):
            return "Tesseract's Dutch data (tesseract-ocr-nld) is not installed"
        import pypdfium2  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - missing module or a broken tesseract
        return f"OCR is unavailable ({exc})"
    return None


def ocr_pages(data: bytes, name: str, no_text: str,
              limits: ParseLimits = DEFAULT_LIMITS) -> list[list[str]]:
    """The text lines of every page of an image-only PDF, read by OCR.

    Args:
        data: the PDF's bytes.
        name: the document name (for the error).
        no_text: the reason to give when OCR finds no text either.
        limits: at most ``ocr_max_pages`` pages, read within ``ocr_seconds``.

    Returns:
        One list of lines per page ("" for blank lines, as for text PDFs).

    Raises:
        IngestError: when OCR is not available (the message says how to install it)
            or finds no text.
        LimitError: more pages than ``ocr_max_pages``, or OCR past ``ocr_seconds``.
    """
    import pypdfium2
    pdf = pypdfium2.PdfDocument(data)
    try:
        # too many pages is said first: installing Tesseract would not help
        if len(pdf) > limits.ocr_max_pages:
            raise LimitError(name, f"an image-only PDF of {len(pdf):,} pages to OCR",
                             "ocr_max_pages", f"{limits.ocr_max_pages} pages")
        missing = ocr_available()
        if missing:
            raise ingest_failure(name, f"{no_text}; {missing}: install it with `{INSTALL}` "
                                 "to read scans")
        import pytesseract
        langs = "nld+eng" if "eng" in pytesseract.get_languages(config="") else "nld"
        pages, began = [], time.monotonic()
        for page in pdf:
            pages.append(_read_page(page, langs, name, began, limits))
    finally:
        pdf.close()
    if not any(line for page in pages for line in page):
        raise ingest_failure(name, no_text)
    return pages


def _read_page(page, langs: str, name: str, began: float, limits: ParseLimits) -> list[str]:
    """One page's lines by OCR, within what is left of ``ocr_seconds``."""
    import pytesseract
    left = limits.ocr_seconds - (time.monotonic() - began)
    over = LimitError(name, "OCR that takes longer", "ocr_seconds", f"{limits.ocr_seconds} s")
    if left <= 0:
        raise over
    image = page.render(scale=_DPI / 72).to_pil()
    try:
        text = pytesseract.image_to_string(image, lang=langs, timeout=left)
    except RuntimeError as exc:  # pytesseract's timeout
        if "timeout" in str(exc).lower():
            raise over from None
        raise
    return [" ".join(line.split()) for line in text.splitlines()]
