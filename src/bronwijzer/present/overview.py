"""The references at a glance: each footnote reference with where it is cited, the kind of
source it is, and the article as a column of passages with their footnotes.

The kind of source is read from the reference's publisher and authors with the table of
generic words in ``source_kinds.json`` (types of organisation, first match wins; words
match whole words, accents and case ignored): ``government``, ``advisory`` (councils,
planning bureaus, research institutes, universities), ``press``, else ``other``. The
corpus's own publisher (``own``) is read from the references themselves: an article cites
its publisher's earlier work more than anyone else's (``own_publishers``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from bronwijzer.text import fold

_TABLE = json.loads(Path(__file__).with_name("source_kinds.json").read_text(encoding="utf-8"))
SOURCE_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (kind, tuple(words)) for kind, words in _TABLE["kinds"])
KIND_LABELS: dict[str, str] = dict(_TABLE["labels"])
# The own publisher publishes at least this many of the references, more than any other.
OWN_MIN_REFERENCES = 3


def _words(text: str) -> str:
    """The folded words of a text, one space apart."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def own_publishers(references) -> frozenset[str]:
    """The publisher of the corpus's own documents, read from their references.

    Args:
        references: the ``Reference`` records.

    Returns:
        The folded publisher name that publishes the most references (at least
        ``OWN_MIN_REFERENCES``, strictly more than any other), per document; empty when none.
    """
    own = set()
    for doc in dict.fromkeys(getattr(r, "doc", "") for r in references):
        counts = Counter(_words(r.publisher) for r in references
                         if getattr(r, "doc", "") == doc and r.publisher and _words(r.publisher))
        ranked = counts.most_common(2) + [("", 0)]
        if ranked[0][1] >= OWN_MIN_REFERENCES and ranked[0][1] > ranked[1][1]:
            own.add(ranked[0][0])
    return frozenset(own)


def source_kind(authors, publisher: str | None, own: frozenset[str] = frozenset()) -> str:
    """The kind of source of a reference, from its authors and publisher.

    Args:
        authors: the reference's authors (persons or organisations).
        publisher: its publisher, or None.
        own: the corpus's own publishers, folded (``own_publishers``).

    Returns:
        One of ``own``, ``government``, ``advisory``, ``press``, ``other``.
    """
    if publisher and _words(publisher) in own:
        return "own"
    for field in (publisher or "", " ".join(authors or ())):
        text = f" {_words(field)} "
        for kind, words in SOURCE_KINDS:
            if any(f" {w} " in text for w in words):
                return kind
    return "other"


def reference_rows(references, citing_of) -> list[dict]:
    """One row per reference: footnote, short, title, link, where and how often it is cited.

    Args:
        references: the ``Reference`` records.
        citing_of: ``reference -> list of {"location", "passage_id", ...}``: the sentences
            that carry its footnote in its own document.

    Returns:
        Dicts with footnote, doc, position, short, title, url, kind, cited_at, times.
    """
    rows = []
    cache: dict = {}
    own = own_publishers(references)
    for ref in references:
        key = (getattr(ref, "doc", ""), ref.footnote)
        citing = cache[key] if key in cache else cache.setdefault(key, citing_of(ref))
        places = list(dict.fromkeys(f"{c['location']}" for c in citing))
        rows.append({"footnote": ref.footnote, "doc": getattr(ref, "doc", ""),
                     "position": ref.position, "short": ref.short,
                     "title": ref.title, "url": ref.url, "reference": ref.raw,
                     "kind": source_kind(ref.authors, ref.publisher, own), "cited_at": places,
                     "passage_ids": list(dict.fromkeys(c["passage_id"] for c in citing)),
                     "times": len(citing)})
    return rows


def outline(passages, references) -> list[dict]:
    """The footnoted documents as columns of passages: place, length and footnotes.

    Args:
        passages: the index's passages (documents that cite references only).
        references: the references (to colour footnotes by kind).

    Returns:
        One dict per document: ``{"doc", "blocks": [{"id", "location", "page", "chars",
        "footnotes": [(n, [kind of each reference]), ...]}]}``.
    """
    kinds: dict[tuple[str, int], list[str]] = {}
    own = own_publishers(references)
    for ref in references:  # every document numbers its own footnotes
        kinds.setdefault((ref.doc, ref.footnote), []).append(
            source_kind(ref.authors, ref.publisher, own))
    docs: dict[str, list[dict]] = {}
    for p in passages:
        if p.source_of is not None:
            continue
        docs.setdefault(p.doc, []).append({
            "id": p.id, "location": p.location, "page": p.page_label or p.page,
            "chars": len(p.text), "footnotes": [(n, kinds.get((p.doc, n), ["other"])) for n in p.footnotes]})
    return [{"doc": d, "blocks": b} for d, b in docs.items()
            if any(x["footnotes"] for x in b)]
