"""The references at a glance: each footnote reference with where it is cited, the kind of
source it is, and the article as a column of passages with their footnotes.

The kind of source is read from the reference's authors and publisher with the keyword
table ``SOURCE_KINDS`` (organisation types, first match wins; words match whole words,
accents and case ignored). It names types of organisation, never a single reference:

- ``platform31``: Platform31's own work;
- ``government``: ministries, the national government, the cabinet, parliament,
  provinces and municipalities, the European Commission, central banks;
- ``advisory``: advisory councils, planning bureaus, research and knowledge institutes,
  universities (Rli, WRR, SER, CPB, PBL are the standing Dutch advisory councils);
- ``press``: newspapers, magazines and news sites (ESB, NRC, Binnenlands Bestuur ...);
- ``other``: anything else.
"""

from __future__ import annotations

import re

from bronwijzer.text import fold

SOURCE_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("platform31", ("platform31", "platform 31")),
    ("government", ("ministerie", "ministry", "rijksoverheid", "overheid", "government", "kabinet",
                    "tweede kamer", "eerste kamer", "provincie", "gemeente", "european commission",
                    "europese commissie", "nederlandsche bank", "centrale bank", "central bank")),
    ("advisory", ("raad", "council", "rli", "wrr", "ser", "cpb", "pbl", "planbureau", "comite",
                  "committee", "instituut", "institute", "universiteit", "university",
                  "kennisinstituut", "onderzoek", "research", "denktank", "think tank", "tno")),
    ("press", ("esb", "nrc", "binnenlands bestuur", "stadszaken", "volkskrant", "trouw",
               "financieele dagblad", "fd", "nos", "telegraaf", "dagblad", "krant", "nieuws",
               "news", "magazine", "tijdschrift", "journal")),
)
KIND_LABELS = {"platform31": "Platform31", "government": "government",
               "advisory": "advisory / research", "press": "press", "other": "other"}


def _words(text: str) -> str:
    """The folded words of a text, one space apart."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def source_kind(authors, publisher: str | None) -> str:
    """The kind of source of a reference, from its authors and publisher.

    Args:
        authors: the reference's authors (persons or organisations).
        publisher: its publisher, or None.

    Returns:
        One of ``platform31``, ``government``, ``advisory``, ``press``, ``other``.
    """
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
    rows, cache = [], {}
    for ref in references:
        key = (getattr(ref, "doc", ""), ref.footnote)
        citing = cache[key] if key in cache else cache.setdefault(key, citing_of(ref))
        places = list(dict.fromkeys(f"{c['location']}" for c in citing))
        rows.append({"footnote": ref.footnote, "doc": getattr(ref, "doc", ""),
                     "position": ref.position, "short": ref.short,
                     "title": ref.title, "url": ref.url, "reference": ref.raw,
                     "kind": source_kind(ref.authors, ref.publisher), "cited_at": places,
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
    for ref in references:  # every document numbers its own footnotes
        kinds.setdefault((ref.doc, ref.footnote), []).append(source_kind(ref.authors,
                                                                         ref.publisher))
    docs: dict[str, list[dict]] = {}
    for p in passages:
        if p.source_of is not None:
            continue
        docs.setdefault(p.doc, []).append({
            "id": p.id, "location": p.location, "page": p.page_label or p.page,
            "chars": len(p.text), "footnotes": [(n, kinds.get((p.doc, n), ["other"])) for n in p.footnotes]})
    return [{"doc": d, "blocks": b} for d, b in docs.items()
            if any(x["footnotes"] for x in b)]
