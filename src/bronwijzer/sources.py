"""Reading the article's cited source documents (PDF and HTML) and linking each to its reference.

``read_pdf``/``read_html`` turn a file into a ``Document`` whose blocks are paragraphs
(with physical page and printed page label for PDFs); ``link_source`` tells which
footnote reference a document *is*.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import re
import unicodedata
from collections import Counter
from functools import reduce
from pathlib import Path, PurePosixPath
from typing import Sequence

from pypdf import PdfReader

from .records import Block, Document, Reference

log = logging.getLogger(__name__)

NO_TEXT = "no extractable text (scanned/image-only PDF?)"
_MAX_PARA = 1500  # start a new paragraph at a sentence end after this many characters
_BAND = 3  # lines at the top/bottom of a page searched for running heads/feet
_ACRONYMS = {"mkb", "zzp", "ict", "ai", "ov", "ggd", "btw", "eu", "ez", "vro", "bbp", "wrr", "rli",
             "ser", "cpb", "pbl", "nts", "cao", "ptt", "nv", "bv", "tv", "wifi", "it"}
_SENTENCE_END = re.compile(r"[.!?:][\"'’”)\]]*$")
_STOP = set("de het een van en in op voor met te aan om over naar door bij of the and a an to for "
            "on is wat hoe die dat uit als zijn we wij je".split())


class IngestError(Exception):
    """A file that cannot be read, with the reason (the message names the file).

    ``reason`` holds the bare reason, e.g. ``"encrypted"`` or ``"empty file"``.
    """

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


def _fail(name: str, reason: str) -> IngestError:
    return IngestError(f"{name}: {reason}", reason)


# --------------------------------------------------------------------------- PDF

def read_pdf(path: Path, name: str) -> Document:
    """Read a PDF into paragraphs with page numbers and printed page labels.

    Args:
        path: the PDF file.
        name: the document name, i.e. the path relative to the corpus folder (posix).

    Returns:
        A ``Document`` whose blocks are the paragraphs of the clean text, running
        headers/footers removed and line-break hyphens joined.

    Raises:
        IngestError: empty, corrupt, encrypted or image-only PDFs.
    """
    data = _read_bytes(path, name)
    reader, pages = _open_pdf(data, name)
    pages = _strip_running([_page_lines(page) for page in pages])
    labels = _page_labels(reader, len(pages))
    lengths = sorted(len(line) for page in pages for line in page if line)
    width = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0    # a full line
    vocab = {w.lower() for page in pages for ln in page for w in re.findall(r"\w+(?:-\w+)*", ln)}
    paras = [(text, number, labels[number - 1])
             for number, page in enumerate(pages, 1) for text in _paragraphs(page, width, vocab)]
    if not paras:
        raise _fail(name, NO_TEXT)
    text, blocks = _assemble(_mend_page_breaks(paras, vocab))
    title = _pdf_title(reader) or _first_line(blocks[0].text)
    return Document(name=name, title=title, text=text, blocks=blocks,
                     sha256=hashlib.sha256(data).hexdigest())


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _fail(name, f"cannot read file: {exc}") from exc
    if not data:
        raise _fail(name, "empty file")
    return data


def _open_pdf(data: bytes, name: str) -> tuple[PdfReader, list]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # unsupported algorithm or crypto library missing
                opened = 0
            if not opened:
                raise _fail(name, "encrypted")
        pages = list(reader.pages)
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise _fail(name, f"corrupt or unreadable PDF: {exc}") from exc
    if not pages:
        raise _fail(name, "empty file")
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
    except Exception:
        try:
            raw = page.extract_text()
        except Exception:
            return []
    raw = raw.replace("\u00a0", " ").replace("\ufb01", "fi").replace("\ufb02", "fl")
    return [re.sub(r"[ \t]+", " ", ln).strip() for ln in raw.splitlines()]


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.lower())).strip()


def _band(lines: list[str]) -> list[int]:
    idx = [i for i, ln in enumerate(lines) if ln]
    return sorted(set(idx[:_BAND] + idx[-_BAND:]))


def _edge_number(line: str) -> int | None:
    """The number a line ends with ("Pagina 12", "Hoofdstuk 2 Inleiding 13", "- 7 -")."""
    m = re.search(r"(?<![\d.,])(\d{1,3})\W{0,3}$", line)
    return int(m.group(1)) if m else None


def _strip_running(pages: list[list[str]]) -> list[list[str]]:
    """Drop running heads/feet: lines at the top/bottom of pages that recur on many pages
    (digits masked), or that carry the printed page number (physical page + a common offset).
    """
    n = len(pages)
    if n < 2:
        return pages
    need = n if n <= 3 else max(3, math.ceil(0.4 * n))
    counts = Counter(k for lines in pages for k in {_key(lines[i]) for i in _band(lines)})
    offsets = Counter(x - number for number, lines in enumerate(pages, 1)
                      for x in {_edge_number(lines[i]) for i in _band(lines)} - {None})
    offset, hits = offsets.most_common(1)[0] if offsets else (None, 0)
    out = []
    for number, lines in enumerate(pages, 1):
        drop = {i for i in _band(lines) if counts[_key(lines[i])] >= need
                or (hits >= need and _edge_number(lines[i]) == number + offset)}
        out.append([ln for i, ln in enumerate(lines) if i not in drop])
    return out


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
    m = re.search(r"(\w+)-$", left)
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
    if len(head) == 1 or any(c.isdigit() for c in head) or sum(c.isupper() for c in head) >= 2:
        return True                                 # "e-mail", "CO2-heffing", "MKB-bedrijf"
    same_vowel = bool(tail) and head[-1].lower() == tail[0].lower() and tail[0].lower() in "aeou"
    return head.lower() in _ACRONYMS or same_vowel  # "mkb-ondersteuning", "zee-egel"


def _mend_page_breaks(paras: list[tuple], vocab: set[str]) -> list[tuple]:
    """Move the tail of a word hyphenated across a page break back to the earlier page."""
    out = list(paras)
    for i in range(1, len(out)):
        (left, page, label), (right, next_page, next_label) = out[i - 1], out[i]
        word, _, rest = right.partition(" ")
        if page != next_page and re.search(r"\w-$", left) and word[:1].islower():
            joined = _join(left, word, vocab)
            if joined != f"{left} {word}":
                out[i - 1], out[i] = (joined, page, label), (rest, next_page, next_label)
    return [p for p in out if p[0]]


def _assemble(paras: list[tuple[str, int | None, str | None]]) -> tuple[str, tuple[Block, ...]]:
    blocks, pos = [], 0
    for number, (text, page, label) in enumerate(paras, 1):
        blocks.append(Block(text=text, start=pos, end=pos + len(text), number=number,
                            page=page, page_label=label))
        pos += len(text) + 2
    return "\n\n".join(p[0] for p in paras), tuple(blocks)


def _pdf_title(reader: PdfReader) -> str | None:
    try:
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:
        return None
    junk = re.compile(r"^(untitled|microsoft \w+ - |document\d*$)|\.(docx?|pdf|indd|pptx?)$", re.I)
    return title if len(title) >= 3 and not junk.search(title) else None


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 200 else line[:200].rsplit(" ", 1)[0] + "…"


# --------------------------------------------------------------------------- HTML

def read_html(path: Path, name: str) -> Document:
    """Read the main text of a web page (boilerplate dropped by trafilatura).

    Args:
        path: the HTML file.
        name: the document name, i.e. the path relative to the corpus folder (posix).

    Returns:
        A ``Document`` with one block per paragraph of the main text (``page`` None).

    Raises:
        IngestError: empty files and pages without main text.
    """
    import trafilatura  # heavy import, only needed for HTML

    data = _read_bytes(path, name)
    try:
        result = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False,
                                             include_tables=True)
    except Exception as exc:
        raise _fail(name, f"unreadable HTML: {exc}") from exc
    text = getattr(result, "text", None) or ""
    paras = [re.sub(r"\s+", " ", p).strip() for p in text.splitlines()]
    paras = [p for p in paras if p]
    if not paras or (len(" ".join(paras).split()) < 25 and max(len(p.split()) for p in paras) < 8):
        raise _fail(name, "no main text")
    body, blocks = _assemble([(p, None, None) for p in paras])
    title = (getattr(result, "title", None) or "").strip() or _first_line(paras[0])
    return Document(name=name, title=title, text=body, blocks=blocks,
                    sha256=hashlib.sha256(data).hexdigest())


# --------------------------------------------------------------------------- linking

def link_source(doc: Document, references: Sequence[Reference], records: list[dict] | None,
                sidecar: Path | None) -> tuple[int, int] | None:
    """Which reference (footnote, position) a source document is.

    Args:
        doc: the source document.
        references: the article's references.
        records: the entries of ``corpus/sources.json`` (or None).
        sidecar: the document's ``<file>.ref.json`` (or None; may not exist).

    Returns:
        ``(footnote, position)`` from, in order, the sidecar, the sources.json record
        whose ``file`` is the document, or a strong, unambiguous match of a
        reference's title/author/year against the document's title and first pages;
        None when nothing links it.
    """
    if sidecar is not None and Path(sidecar).is_file():
        found = _from_json(Path(sidecar))
        if found:
            return found
    for rec in records or ():
        if rec.get("file") and _same_file(str(rec["file"]), doc.name):
            return int(rec["footnote"]), int(rec.get("position", 1))
    return _match_reference(doc, references)


def _from_json(path: Path) -> tuple[int, int] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["footnote"]), int(data.get("position", 1))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable sidecar %s: %s", path, exc)
        return None


def _same_file(a: str, b: str) -> bool:
    pa, pb = PurePosixPath(a.replace("\\", "/")).parts, PurePosixPath(b.replace("\\", "/")).parts
    short, long_ = sorted((pa, pb), key=len)
    return bool(short) and long_[len(long_) - len(short):] == short


def _norm(text: str) -> str:
    """Lower-case, accents and punctuation removed, padded with spaces for phrase tests."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", plain.lower()).split()) + " "


def _head(doc: Document) -> str:
    pages = [b.page for b in doc.blocks if b.page is not None]
    first = [b.text for b in doc.blocks if b.page is not None and b.page <= min(pages) + 1] \
        if pages else [doc.text[:4000]]
    return _norm(" ".join(first))


def _score(ref: Reference, title: str, head: str) -> float:
    """How well a reference matches a document's (normalised) title and first pages.

    0 unless strong: the reference title is the document title (or, if long, inside it), or
    the title words are there together with the author or year, or the author and
    year are there with at least half the title words. A bare phrase is not enough.
    """
    words = [w for w in _norm(ref.title).split() if w not in _STOP and len(w) > 1]
    if not words:
        return 0.0
    text = title + head
    cover = sum(f" {w} " in text for w in words) / len(words)
    phrase = _norm(ref.title) in text
    in_title = _norm(ref.title) in title and (len(words) >= 3 or title.startswith(_norm(ref.title)))
    organisation = not any("," in a for a in ref.authors)
    names = [_norm(a.split(",")[0]) for a in ref.authors]
    names += [_norm(ref.publisher)] if ref.publisher and organisation else []
    author = any(len(n) > 3 and n in text for n in names)
    year = ref.year is not None and f" {ref.year} " in text
    strong = ((in_title and (len(words) >= 2 or author or year))
              or (len(words) >= 3 and (phrase or cover >= 0.8) and (author or year))
              or (author and year and cover >= 0.5))
    return 2 * cover + phrase + in_title + 0.5 * author + 0.5 * year if strong else 0.0


def _match_reference(doc: Document, references: Sequence[Reference]) -> tuple[int, int] | None:
    title, head = _norm(doc.title), _head(doc)
    scored = sorted(((_score(r, title, head), (r.footnote, r.position)) for r in references),
                    reverse=True)
    scored = [s for s in scored if s[0] > 0]
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]
