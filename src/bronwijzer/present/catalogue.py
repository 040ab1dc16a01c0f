"""The library a page at a time: the documents and references of one index, filtered and
cut into pages (the UI's Corpus tab and reference table), and the article map's outline of
one chosen document.

``Catalogue`` is built once per loaded index (the ``Engine`` keeps one per live index) in
one pass over its passages and references. A page then costs its filter (a scan over
folded strings made once) and the work for its own rows only: where each of its
references is cited and what kind of source it is, never the whole library's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from bronwijzer.cite.references import citing_sentences
from bronwijzer.present.overview import outline, own_publishers, source_kind
from bronwijzer.text import fold

# What the documents' ``show`` filter can ask for (besides "": everything).
SHOWS = ("articles", "sources", "footnotes", "failed")


@dataclass(frozen=True)
class Page:
    """One page of a filtered list.

    ``total`` counts the whole list, ``matched`` what the filter keeps; ``page`` is
    1-based, clamped to ``1..pages`` (``pages`` is at least 1, even when nothing matched).
    """

    rows: tuple[dict, ...]
    total: int
    matched: int
    page: int
    pages: int
    size: int

    @property
    def first(self) -> int:
        """The 1-based place of the page's first row among the matched (0 when empty)."""
        return (self.page - 1) * self.size + 1 if self.rows else 0


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents to list.

    ``query``: words that must all be in the file name or title (case and accents
    ignored); ``kind``: the file type (``pdf``, ``docx``…, "" for any); ``show``:
    "" (all), ``articles`` (not a cited source), ``sources`` (a cited source),
    ``footnotes`` (has footnote references) or ``failed`` (could not be indexed).
    """

    query: str = ""
    kind: str = ""
    show: str = ""


@dataclass(frozen=True)
class ReferenceFilter:
    """Which references to list.

    ``query``: words that must all be in the reference (authors, title, organisation,
    its text; case and accents ignored); ``year``: ``2023`` or a range ``2019-2023``
    ("" any); ``doc``: the document whose footnote it is ("" any); ``footnote``: its
    number (None any).
    """

    query: str = ""
    year: str = ""
    doc: str = ""
    footnote: int | None = None


def cut(items: list, page: object, size: int) -> tuple[list, int, int]:
    """The items of one page.

    Args:
        items: the matched items.
        page: the page asked for (1-based; clamped; anything not a number is 1).
        size: items per page (at least 1).

    Returns:
        ``(items of the page, the page, pages)``.
    """
    size = max(1, int(size))
    pages = max(1, -(-len(items) // size))
    try:
        page = min(max(1, int(float(page))), pages)
    except (TypeError, ValueError, OverflowError):
        page = 1
    return items[(page - 1) * size:page * size], page, pages


def _fold(text: str) -> str:
    """``text.fold`` (lower case, no accents), quicker for plain ASCII text."""
    return text.lower() if text.isascii() else fold(text)


def _words(query: str) -> list[str]:
    return _fold(" ".join(str(query or "").split())).split()


def _years(text: str) -> tuple[int, int] | None:
    """``2023`` -> (2023, 2023); ``2019-2023`` -> (2019, 2023); nothing usable -> None."""
    found = [int(y) for y in re.findall(r"\d{4}", str(text or ""))]
    return (min(found[:2]), max(found[:2])) if found else None


def _file_kind(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


class Catalogue:
    """The documents, references and map outlines of one index, by page.

    Args:
        passages: the index's passages, in corpus order.
        references: its footnote references, in order.
        manifest: its manifest (``documents`` and ``problems``).
    """

    def __init__(self, passages, references, manifest: dict) -> None:
        self._passages, self._references = tuple(passages), tuple(references)
        self._by_doc: dict[str, list[int]] = {}  # article passages of each document
        self._citing: dict[tuple[str, int], list[int]] = {}  # ... carrying footnote n
        self._doc_of: dict[str, str] = {}
        for i, p in enumerate(self._passages):
            if p.source_of is None:
                self._by_doc.setdefault(p.doc, []).append(i)
                self._doc_of[p.id] = p.doc
                for n in p.footnotes:
                    self._citing.setdefault((p.doc, n), []).append(i)
        groups: dict[str, list] = {}
        for r in self._references:
            groups.setdefault(r.doc, []).append(r)
        self._refs_of = groups
        # own publishers are read per document: grouping first keeps it one pass
        self._own = frozenset().union(*(own_publishers(g) for g in groups.values()))
        self._ref_keys = [_fold(" ".join([*r.authors, r.title or "", r.publisher or "", r.raw]))
                          for r in self._references]
        self._documents = self._document_rows(manifest)
        self._mapped = [d for d, rows in self._by_doc.items()
                        if any(self._passages[i].footnotes for i in rows)]

    # --- documents --------------------------------------------------------------------

    def _document_rows(self, manifest: dict) -> list[dict]:
        """One row per document, then per file that failed; each with its folded key."""
        by_key = {(r.footnote, r.position): r for r in self._references}
        problems = {p["name"]: p for p in manifest.get("problems") or ()}
        rows = []
        for doc in manifest.get("documents") or ():
            name, source_of = doc["name"], doc.get("source_of")
            warning = problems.get(name)
            rows.append({"name": name, "title": doc.get("title") or "", "status": "indexed",
                         "kind": _file_kind(name), "passages": doc.get("passages", 0),
                         "source": bool(source_of), "footnotes": len(self._refs_of.get(name, ())),
                         "reference": by_key.get(tuple(source_of)) if source_of else None,
                         "note": warning["reason"] if warning else ""})
        names = {r["name"] for r in rows}
        rows += [{"name": p["name"], "title": "", "status": "failed", "kind": _file_kind(p["name"]),
                  "passages": 0, "source": p["name"].startswith("sources/"), "footnotes": 0,
                  "reference": None, "note": p["reason"]}
                 for p in problems.values() if p["name"] not in names]
        for row in rows:
            row["key"] = _fold(f"{row['name']} {row['title']}")
        return rows

    def document_kinds(self) -> list[str]:
        """The file types in the library, sorted (the documents' ``kind`` filter)."""
        return sorted({r["kind"] for r in self._documents if r["kind"]})

    def documents(self, page: object = 1, size: int = 50,
                  filters: DocumentFilter | None = None) -> Page:
        """One page of the documents (and failed files) that pass ``filters``.

        Args:
            page: 1-based (clamped).
            size: rows per page.
            filters: a ``DocumentFilter`` (None: all).

        Returns:
            A ``Page`` of dicts: name, title, status, kind, passages, source, footnotes,
            reference (the ``Reference`` it is the source of, or None), note.
        """
        f = filters or DocumentFilter()
        words, kind, show = _words(f.query), str(f.kind or "").lower().lstrip("."), f.show
        keep = [r for r in self._documents
                if all(w in r["key"] for w in words) and (not kind or r["kind"] == kind)
                and _shown(r, show)]
        rows, page, pages = cut(keep, page, size)
        return Page(tuple({k: v for k, v in r.items() if k != "key"} for r in rows),
                    len(self._documents), len(keep), page, pages, max(1, int(size)))

    # --- references -------------------------------------------------------------------

    def references(self, page: object = 1, size: int = 50,
                   filters: ReferenceFilter | None = None) -> Page:
        """One page of the footnote references that pass ``filters``, in corpus order.

        Args:
            page: 1-based (clamped).
            size: rows per page.
            filters: a ``ReferenceFilter`` (None: all).

        Returns:
            A ``Page`` of ``present.overview.reference_rows``-style dicts (footnote, doc,
            position, short, title, url, reference, kind, cited_at, passage_ids, times).
        """
        f = filters or ReferenceFilter()
        words, years = _words(f.query), _years(f.year)
        keep = [i for i, r in enumerate(self._references)
                if (not f.doc or r.doc == f.doc) and (f.footnote is None or r.footnote == f.footnote)
                and (years is None or (r.year is not None and years[0] <= r.year <= years[1]))
                and all(w in self._ref_keys[i] for w in words)]
        chosen, page, pages = cut(keep, page, size)
        rows = tuple(self._reference_row(self._references[i]) for i in chosen)
        return Page(rows, len(self._references), len(keep), page, pages, max(1, int(size)))

    def _reference_row(self, ref) -> dict:
        """A reference's row, with the sentences of its own document that cite it."""
        passages = [self._passages[i] for i in self._citing.get((ref.doc, ref.footnote), ())]
        citing = citing_sentences(passages, ref.footnote, ref.doc)
        return {"footnote": ref.footnote, "doc": ref.doc, "position": ref.position,
                "short": ref.short, "title": ref.title, "url": ref.url, "reference": ref.raw,
                "kind": source_kind(ref.authors, ref.publisher, self._own),
                "cited_at": list(dict.fromkeys(c.location for c in citing)),
                "passage_ids": list(dict.fromkeys(c.passage_id for c in citing)),
                "times": len(citing)}

    # --- the article map --------------------------------------------------------------

    def mapped_documents(self) -> list[str]:
        """The documents the map can draw (those citing footnotes), in corpus order."""
        return list(self._mapped)

    def document_of(self, passage_ids) -> str | None:
        """The mapped document of the first of ``passage_ids`` that is in one, or None."""
        mapped = set(self._mapped)
        for pid in passage_ids or ():
            doc = self._doc_of.get(str(pid))
            if doc in mapped:
                return doc
        return None

    def outline(self, doc: str) -> dict | None:
        """One document's map outline (``present.overview.outline``), each block with its text.

        Args:
            doc: a document's name.

        Returns:
            ``{"doc", "blocks": [...]}``, or None when the document cites no footnote.
        """
        passages = [self._passages[i] for i in self._by_doc.get(doc, ())]
        found = outline(passages, self._refs_of.get(doc, ()))
        if not found:
            return None
        texts = {p.id: p.text for p in passages}
        return {**found[0], "blocks": [{**b, "text": texts.get(b["id"], "")}
                                       for b in found[0]["blocks"]]}


def _shown(row: dict, show: str) -> bool:
    """Whether a document row passes the ``show`` filter (see ``DocumentFilter``)."""
    if show == "articles":
        return not row["source"] and row["status"] == "indexed"
    if show == "sources":
        return row["source"]
    if show == "footnotes":
        return row["footnotes"] > 0
    if show == "failed":
        return row["status"] == "failed"
    return True
