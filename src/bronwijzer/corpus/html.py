"""Reading a web page's main text (trafilatura) into a ``Document``."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from bronwijzer.corpus.document import (
    assemble_blocks,
    first_line,
    ingest_failure,
    read_bytes,
)
from bronwijzer.records import Document


def read_html(path: Path, name: str, data: bytes | None = None) -> Document:
    """Read the main text of a web page (boilerplate dropped by trafilatura).

    Args:
        path: the HTML file.
        name: the document name, i.e. the path relative to the corpus folder (posix).
        data: the page's bytes when already read (or rewritten); else the file is read.

    Returns:
        A ``Document`` with one block per paragraph of the main text (``page`` None).

    Raises:
        IngestError: empty files and pages without main text.
    """
    import trafilatura  # heavy import, only needed for HTML

    data = data if data is not None else read_bytes(path, name)
    try:
        result = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False,
                                             include_tables=True)
    except Exception as exc:
        raise ingest_failure(name, f"unreadable HTML: {exc}") from exc
    text = getattr(result, "text", None) or ""
    paras = [re.sub(r"\s+", " ", p).strip() for p in text.splitlines()]
    paras = [p for p in paras if p]
    if not paras or (len(" ".join(paras).split()) < 25 and max(len(p.split()) for p in paras) < 8):
        raise ingest_failure(name, "no main text")
    body, blocks = assemble_blocks([(p, None, None) for p in paras])
    title = (getattr(result, "title", None) or "").strip() or first_line(paras[0])
    return Document(name=name, title=title, text=body, blocks=blocks,
                    sha256=hashlib.sha256(data).hexdigest())
