"""Footnotes in Markdown (``[^1]`` with ``[^1]: text``) and HTML (``<sup>`` links to a notes list).

Both readers turn the references into `` [n]`` markers (numbered 1, 2, ... in the
order they first appear), take the note texts out of the body and hand both to
:func:`bronwijzer.corpus.footnotes.notes_document`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from bronwijzer.corpus.document import paragraph_spans
from bronwijzer.corpus.footnotes import notes_document, renumber
from bronwijzer.records import Document

_MD_DEF = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]*(.*)$")
_MD_REF = re.compile(r"[ \t]*\[\^([^\]\s]+)\](?!:)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")


def markdown_notes(text: str) -> dict[str, str]:
    """The footnote definitions of a Markdown text, by label (continuation lines joined).

    Args:
        text: the Markdown text.

    Returns:
        ``{label: note text}``; empty when the text has no ``[^label]: ...`` lines.
    """
    notes, label = {}, None
    for line in text.splitlines():
        m = _MD_DEF.match(line)
        if m:
            label = m.group(1)
            notes[label] = m.group(2).strip()
        elif label is not None and line.startswith(("    ", "\t")) and line.strip():
            notes[label] += " " + line.strip()
        else:
            label = None
    return notes


def markdown_document(name: str, text: str, digest: str) -> Document:
    """A Markdown text with ``[^n]`` footnotes as a document with footnote records.

    Args:
        name: the document name.
        text: the decoded Markdown.
        digest: the file's sha256.

    Returns:
        The ``Document``: definitions removed from the body, references as `` [n]``.
    """
    notes = markdown_notes(text)
    body_lines, in_def = [], False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _MD_DEF.match(line):
            in_def = True
            continue
        if in_def and line.startswith(("    ", "\t")) and line.strip():
            continue
        in_def = False
        body_lines.append(line)
    body = "\n".join(body_lines)
    numbers = renumber([m.group(1) for m in _MD_REF.finditer(body) if m.group(1) in notes])
    body = _MD_REF.sub(lambda m: f" [{numbers[m.group(1)]}]" if m.group(1) in numbers
                       else m.group(0), body)
    paras = []
    for start, end in paragraph_spans(body):
        para = " ".join(line.strip() for line in body[start:end].splitlines())
        para = _MD_EMPHASIS.sub(r"\2", re.sub(r"^#{1,6}\s+", "", para))
        paras.append((para, None, None))
    return notes_document(name, paras, {numbers[k]: v for k, v in notes.items() if k in numbers},
                          digest)


# --------------------------------------------------------------------------- HTML

def read_html_with_notes(path: Path, name: str) -> Document:
    """An HTML page; ``<sup>`` links to a notes list become footnote records.

    Args:
        path: the HTML file.
        name: the document name.

    Returns:
        The ``Document`` (main text by trafilatura, as for any page; notes kept out of it).

    Raises:
        IngestError: empty files and pages without main text.
    """
    from bronwijzer.corpus.document import read_bytes
    from bronwijzer.corpus.html import read_html
    data = read_bytes(path, name)
    found = _html_notes(data)
    if found is None:
        return read_html(path, name, data)
    html, notes = found
    doc = read_html(path, name, html)
    paras = [(b.text, None, None) for b in doc.blocks]
    return notes_document(name, paras, notes, hashlib.sha256(data).hexdigest(), doc.title)


def _html_notes(data: bytes) -> tuple[bytes, dict[int, str]] | None:
    """The page with note references replaced by `` [n]`` and the notes removed, or None."""
    import lxml.html
    try:
        root = lxml.html.fromstring(data)
    except Exception:
        return None
    links = [a for a in root.iter("a") if (a.get("href") or "").startswith("#")
             and len(a.get("href")) > 1 and _is_note_ref(a)]
    targets = {}
    for a in links:
        target = _note_element(root, a.get("href")[1:])
        if target is not None:
            targets.setdefault(a.get("href")[1:], (a, target))
    if not targets:
        return None
    numbers = renumber(list(targets))
    notes = {numbers[key]: _note_text(target) for key, (_, target) in targets.items()}
    for a in links:
        key = a.get("href")[1:]
        if key in numbers:
            holder = a.getparent() if a.getparent() is not None and a.getparent().tag == "sup" else a
            _replace_with_text(holder, f" [{numbers[key]}]")
    for _, target in targets.values():
        _drop(target)
    return lxml.html.tostring(root, encoding="utf-8"), notes


def _is_note_ref(a) -> bool:
    parent = a.getparent()
    marks = " ".join([a.get("class") or "", a.get("role") or "", a.get("epub:type") or ""])
    return (parent is not None and parent.tag == "sup") or a.find("sup") is not None \
        or re.search(r"footnote-ref|noteref|fnref", marks, re.I) is not None


def _note_element(root, key: str):
    found = root.xpath("//*[@id=$k or @name=$k]", k=key)
    if not found:
        return None
    element = found[0]
    while element.tag in {"a", "span", "sup"} and element.getparent() is not None:
        element = element.getparent()
    return element if element.tag not in {"body", "html"} else None


def _note_text(element) -> str:
    text = " ".join(element.text_content().split())
    return re.sub(r"^\d{1,3}[.)]?\s+|\s*[↩↑⤴]+\s*$", "", text).strip()


def _replace_with_text(element, text: str) -> None:
    parent, previous = element.getparent(), element.getprevious()
    joined = text + (element.tail or "")
    if previous is not None:
        previous.tail = (previous.tail or "").rstrip() + joined
    else:
        parent.text = (parent.text or "").rstrip() + joined
    parent.remove(element)


def _drop(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    parent.remove(element)
    if parent.tag in {"ol", "ul", "section", "aside", "div", "footer"} \
            and not parent.text_content().strip() and parent.getparent() is not None:
        parent.getparent().remove(parent)
