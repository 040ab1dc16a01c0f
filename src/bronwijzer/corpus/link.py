"""Linking a cited source document to the reference it is.

``link_source`` tells which footnote reference (footnote, position) a document under
``corpus/sources/`` is: from its sidecar, its ``sources.json`` entry, or a strong match
of a reference's title, author and year on its first pages.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path, PurePosixPath
from typing import Sequence

from bronwijzer.records import Document, Reference
from bronwijzer.text import fold

log = logging.getLogger(__name__)

_STOP = set("de het een van en in op voor met te aan om over naar door bij of the and a an to for "
            "on is wat hoe die dat uit als zijn we wij je".split())


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
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text)).split()) + " "


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
