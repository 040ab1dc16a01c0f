"""Reading a PDF source into paragraphs with physical page and printed page label.

Lines come from pypdf's layout mode (stream order for pages that look
multi-column); running heads/feet (recurring lines, printed page numbers) are
dropped; lines are grouped into paragraphs at vertical gaps, sentence ends,
headings and bullets; line-break hyphens are joined while real hyphens are kept,
also across a page break. Page labels come from ``/PageLabels`` when present.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections import Counter
from functools import reduce
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import LimitReachedError

from bronwijzer.corpus.document import (
    assemble_blocks,
    first_line,
    ingest_failure,
    read_bytes,
)
from bronwijzer.corpus.limits import DEFAULT_LIMITS, ParseLimits, pdf_limits
from bronwijzer.corpus.pdf_pages import (
    filled_pages,
    full_last_line,
    running_lines,
    vocabulary,
)
from bronwijzer.errors import IngestError, LimitError
from bronwijzer.records import Document

log = logging.getLogger(__name__)

NO_TEXT = "no extractable text (scanned/image-only PDF?)"
_MAX_PARA = 1500  # start a new paragraph at a sentence end after this many characters
# Common Dutch abbreviations written in lower case before a hyphen ("mkb-bedrijf"); a
# capitalised short word ("Abc-advies") is taken as an acronym by rule (``_real_hyphen``).
_ACRONYMS = {"mkb", "zzp", "ict", "ai", "ov", "ggd", "btw", "eu", "ez", "vro", "bbp", "nts", "cao",
             "ptt", "nv", "bv", "tv", "wifi", "it"}
_SENTENCE_END = re.compile(r"[.!?:][\"'’”)\]]*$")


def read_pdf(path: Path, name: str, limits: ParseLimits = DEFAULT_LIMITS) -> Document:
    """Read a PDF into paragraphs with page numbers and printed page labels.

    Args:
        path: the PDF file.
        name: the document name, i.e. the path relative to the corpus folder (posix).
        limits: the bounds: pages (``max_pdf_pages``), one decompressed stream
            (``max_pdf_stream_mb``), OCR pages and time.

    Returns:
        A ``Document`` whose blocks are the paragraphs of the clean text, running
        headers/footers removed and line-break hyphens joined.

    Raises:
        IngestError: empty, corrupt, encrypted or image-only PDFs.
        LimitError: a PDF past one of the limits.
    """
    try:
        with pdf_limits(limits):
            return _read_pdf(read_bytes(path, name), name, limits)
    except LimitReachedError as exc:
        raise LimitError(name, f"a stream that decompresses further ({exc})", "max_pdf_stream_mb",
                         f"{limits.max_pdf_stream_mb} MB") from None


def _read_pdf(data: bytes, name: str, limits: ParseLimits) -> Document:
    from bronwijzer.corpus.footnotes import notes_document
    from bronwijzer.corpus.pdf_notes import footnoted_pages
    reader, pages = _open_pdf(data, name)
    if len(pages) > limits.max_pdf_pages:
        raise LimitError(name, f"{len(pages):,} pages", "max_pdf_pages", f"{limits.max_pdf_pages:,}")
    labels = _page_labels(reader, len(pages))
    found = footnoted_pages(pages, labels)
    lines, notes, filled = found or ([_page_lines(page) for page in pages], {}, None)
    if not any(any(page) for page in lines):
        from bronwijzer.corpus.ocr import ocr_pages
        lines = ocr_pages(data, name, NO_TEXT, limits)
    bottom = max(max((i for i, ln in enumerate(page) if ln), default=0) for page in lines)
    lines = _strip_running(lines, labels)
    lengths = sorted(len(line) for page in lines for line in page if line)
    width = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0    # a full line
    vocab = vocabulary(lines + list(notes.values()))
    filled = filled or filled_pages(lines, bottom)
    paras = []
    for number, page in enumerate(lines, 1):
        texts = _paragraphs(page, width, vocab)
        full = full_last_line(page, width) and filled[number - 1]
        paras += [(t, number, labels[number - 1], i == len(texts) - 1 and full)
                  for i, t in enumerate(texts)]
    if not paras:
        raise ingest_failure(name, NO_TEXT)
    paras = _mend_page_breaks(paras, vocab)
    title = _pdf_title(reader)
    digest = hashlib.sha256(data).hexdigest()
    if notes:
        return notes_document(name, paras, {n: reduce(lambda a, b: _join(a, b, vocab), t)
                                            for n, t in notes.items()}, digest, title)
    text, blocks = assemble_blocks(paras)
    return Document(name=name, title=title or first_line(blocks[0].text), text=text,
                    blocks=blocks, sha256=digest)


def _open_pdf(data: bytes, name: str) -> tuple[PdfReader, list]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # unsupported algorithm or crypto library missing
                opened = 0
            if not opened:
                raise ingest_failure(name, "encrypted")
        pages = list(reader.pages)
    except (IngestError, LimitReachedError):
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise ingest_failure(name, f"corrupt or unreadable PDF: {exc}") from exc
    if not pages:
        raise ingest_failure(name, "empty file")
    return reader, pages


def _page_lines(page) -> list[str]:
    """The page's lines in reading order, "" for vertical gaps.

    Layout mode orders lines by position and renders vertical distance as blank lines
    (a quarter font height each, so a paragraph gap shows as extra blank lines); pages
    that look multi-column (wide inner gaps on many lines) fall back to stream order.
    """
    try:
        raw = page.extract_text(extraction_mode="layout", layout_mode_font_height_weight=0.25)
        wide = [ln for ln in raw.splitlines() if re.search(r"\S {4,}\S", ln.strip())]
        if len(wide) >= 5 and len(wide) >= 0.3 * len([ln for ln in raw.splitlines() if ln.strip()]):
            raw = page.extract_text()
    except LimitReachedError:
        raise
    except Exception:
        try:
            raw = page.extract_text()
        except LimitReachedError:
            raise
        except Exception:
            return []
    raw = raw.replace("\u00a0", " ").replace("\ufb01", "fi").replace("\ufb02", "fl")
    return [re.sub(r"[ \t]+", " ", ln).strip() for ln in raw.splitlines()]


def _strip_running(pages: list[list[str]], labels: list[str | None] | None = None) -> list[list[str]]:
    """The pages without their running heads and feet (see :func:`running_lines`)."""
    return [[ln for i, ln in enumerate(lines) if i not in drop]
            for lines, drop in zip(pages, running_lines(pages, labels))]


def _page_labels(reader: PdfReader, n: int) -> list[str | None]:
    try:
        if "/PageLabels" in reader.trailer["/Root"]:
            labels = list(reader.page_labels)
            if len(labels) == n:
                return labels
    except Exception:
        log.debug("unreadable /PageLabels", exc_info=True)
    return [None] * n


def _paragraphs(lines: list[str], width: int, vocab: set[str]) -> list[str]:
    """Group a page's lines into paragraphs and join each into one string.

    A paragraph ends at a vertical gap wider than the usual line gap, after a short
    line that ends a sentence, after a very short line (heading) followed by a
    capital, before a bullet, or at a sentence end once it is long.
    """
    gaps, blank = [], 0
    for ln in lines:
        if ln:
            gaps.append(blank)
            blank = 0
        else:
            blank += 1
    usual = Counter(gaps[1:]).most_common(1)[0][0] if len(gaps) > 1 else 0
    groups: list[list[str]] = [[]]
    blank = 0
    for ln in lines:
        if not ln:
            blank += 1
            continue
        if groups[-1] and (blank >= usual + 2 or _breaks(groups[-1], ln, width)):
            groups.append([])
        groups[-1].append(ln)
        blank = 0
    return [reduce(lambda a, b: _join(a, b, vocab), g) for g in groups if g]


def _breaks(current: list[str], line: str, width: int) -> bool:
    prev = current[-1]
    ends = bool(_SENTENCE_END.search(prev))
    if re.match(r"[•▪●■◦*–-]\s|\d+[.)]\s", line):
        return True
    if ends and (len(prev) < 0.7 * width or sum(map(len, current)) > _MAX_PARA):
        return True
    heading = len(prev) < 0.5 * width and not prev.endswith((",", ";", "-", "–"))
    return heading and line[:1].isupper()


def _join(left: str, right: str, vocab: set[str]) -> str:
    """Join two lines, undoing line-break hyphenation but keeping real hyphens."""
    if left.endswith("\u00ad"):
        return left[:-1] + right
    m = re.search(r"(\w+(?:-\w+)*)-$", left)
    if not m:
        return f"{left} {right}"
    if re.match(r"(en|of|tot)\b", right):          # "bedrijfs- en woonruimte"
        return f"{left} {right}"
    if not right[:1].islower():                     # "Noord-Holland", "COVID-19"
        return left + right
    word = re.match(r"\w+", right)
    if _real_hyphen(m.group(1), word.group(0) if word else "", vocab):
        return left + right
    return left[:-1] + right


def _real_hyphen(head: str, tail: str, vocab: set[str]) -> bool:
    if f"{head}-{tail}".lower() in vocab:
        return True
    if f"{head}{tail}".lower() in vocab:
        return False
    if f"{head}-".lower() in vocab:                 # "woon-" of "woon-werkbalans" elsewhere
        return True
    head = head.rsplit("-", 1)[-1]
    if len(head) == 1 or any(c.isdigit() for c in head) or sum(c.isupper() for c in head) >= 2:
        return True                                 # "e-mail", "CO2-heffing", "MKB-bedrijf"
    same_vowel = bool(tail) and head[-1].lower() == tail[0].lower() and tail[0].lower() in "aeou"
    acronym = head.lower() in _ACRONYMS or (len(head) <= 3 and head[:1].isupper())
    return acronym or same_vowel  # "mkb-ondersteuning", "Abc-advies", "zee-egel"


def _mend_page_breaks(paras: list[tuple], vocab: set[str]) -> list[tuple]:
    """Join a paragraph that runs across a page break into one (labelled "3–4"): the
    earlier page's last paragraph does not end a sentence, or fills its last line (a
    paragraph rarely ends on a full line) and the next page does not start with a
    heading or a bullet. Hyphens at the break are mended as at line ends.

    Args:
        paras: ``(text, page, label, last line full)`` per paragraph, in reading order.
        vocab: the document's words (for telling real hyphens from line-break ones).

    Returns:
        ``(text, page, label)`` per paragraph.
    """
    out: list[list] = []
    for text, page, label, full in paras:
        if out and out[-1][1] != page and out[-1][4] == page - 1 and _runs_on(out[-1], text):
            out[-1][0] = _join(out[-1][0], text, vocab)
            out[-1][2] = f"{out[-1][2] or out[-1][1]}–{label or page}"
            out[-1][4], out[-1][3] = page, full
            continue
        out.append([text, page, label, full, page])
    return [(t, p, lab) for t, p, lab, _, _ in out]


def _runs_on(left: list, right: str) -> bool:
    text, full = left[0], left[3]
    if re.match(r"[•▪●■◦*–-]\s|\d+[.)]\s", right):
        return False
    if not _SENTENCE_END.search(text):
        return bool(re.search(r"[\w,;–-]$", text)) and (right[:1].islower() or full)
    return full and (right[:1].islower() or len(right) >= 80)   # a heading is short


def _pdf_title(reader: PdfReader) -> str | None:
    try:
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:
        return None
    junk = re.compile(r"^(untitled|microsoft \w+ - |document\d*$)|\.(docx?|pdf|indd|pptx?)$", re.I)
    return title if len(title) >= 3 and not junk.search(title) else None
