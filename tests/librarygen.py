"""A synthetic library for tests and ``bench/ui_library.py``: many documents and footnote
references as index records, built directly (nothing parsed, nothing embedded).

``library_index(docs, refs)`` gives an ``Index`` whose articles each carry ``refs /
articles`` references cited in their passages, plus cited-source documents and a few
files that failed; its vectors are random unit vectors (the catalogue never reads them).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from bronwijzer.index.store import Index
from bronwijzer.records import Passage, Reference

KINDS = ("pdf", "docx", "html", "txt", "md")
SUBJECTS = ("wonen", "werk", "mobiliteit", "energie", "water", "zorg", "onderwijs", "natuur")
AUTHORS = ("Jansen, P.", "De Vries, A.", "Bakker, M.", "Visser, L.", "Smit, R.", "Mulder, E.")
PUBLISHERS = ("Ministerie van Economische Zaken", "Planbureau voor de Leefomgeving",
              "Het Financieele Dagblad", "Uitgeverij Noord", None)
NOTES_PER_PASSAGE = 5
FAILED = 10  # files that could not be read, listed with the documents


def _article(number: int, refs: int, rng: random.Random) -> tuple[dict, list, list]:
    """One footnoted article: its manifest entry, passages and references."""
    subject = SUBJECTS[number % len(SUBJECTS)]
    name = f"artikel-{number:04d}-{subject}.{KINDS[number % len(KINDS)]}"
    references = [Reference(n, 1, (AUTHORS[(number + n) % len(AUTHORS)],),
                            rng.choice([None, *range(1990, 2025)]),
                            f"Rapport {n} over {SUBJECTS[(number + n) % len(SUBJECTS)]}",
                            PUBLISHERS[(number * 7 + n) % len(PUBLISHERS)],
                            f"{AUTHORS[(number + n) % len(AUTHORS)]} Rapport {n}.",
                            f"https://example.org/{number}/{n}" if n % 3 else None, name)
                  for n in range(1, refs + 1)]
    passages = []
    for start in range(1, refs + 1, NOTES_PER_PASSAGE):
        notes = tuple(range(start, min(start + NOTES_PER_PASSAGE, refs + 1)))
        text = " ".join(f"Over {subject} zegt bron {n} iets [{n}]." for n in notes)
        paragraph = len(passages) + 1
        page = paragraph if name.endswith(".pdf") else None
        passages.append(Passage(f"{name}#{paragraph}", name, text, paragraph, 0, len(text),
                                page=page, footnotes=notes))
    doc = {"name": name, "title": f"Artikel {number} over {subject}", "source_of": None,
           "passages": len(passages)}
    return doc, passages, references


def _source(number: int, cites: tuple[int, int]) -> tuple[dict, list]:
    """A cited source document: its manifest entry and two passages."""
    name = f"sources/bron-{number:04d}.{KINDS[number % len(KINDS)]}"
    passages = [Passage(f"{name}#{i}", name, f"Tekst {i} van bron {number}.", i, 0, 20,
                        source_of=cites) for i in (1, 2)]
    return {"name": name, "title": f"Bron {number}", "source_of": list(cites),
            "passages": 2}, passages


def library_index(docs: int = 1000, refs: int = 10_000, articles: int = 200,
                  seed: int = 7) -> Index:
    """An ``Index`` of ``docs`` documents (``articles`` of them footnoted) and ``refs`` references.

    Args:
        docs: documents in the manifest (articles and cited sources).
        refs: footnote references, spread evenly over the articles.
        articles: how many documents are footnoted articles.
        seed: for the years.

    Returns:
        The index record (``FAILED`` failed files listed among its problems).
    """
    rng = random.Random(seed)
    manifest_docs, passages, references = [], [], []
    for number in range(articles):
        doc, doc_passages, doc_refs = _article(number, refs // articles, rng)
        manifest_docs.append(doc)
        passages += doc_passages
        references += doc_refs
    for number in range(docs - articles):
        doc, doc_passages = _source(number, (1 + number % 50, 1))
        manifest_docs.append(doc)
        passages += doc_passages
    problems = [{"name": f"sources/kapot-{i}.pdf", "reason": "no text found", "indexed": False}
                for i in range(FAILED)]
    manifest = {"model": "hash-64", "passages": len(passages), "documents": manifest_docs,
                "problems": problems, "built": "2026-12-03T00:00:00"}
    vectors = np.random.default_rng(seed).standard_normal((len(passages), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Index(Path("."), manifest, tuple(passages), tuple(((0, len(p.text)),) for p in passages),
                 vectors, vectors.copy(), tuple(references), None, None)


class CountedPassages(tuple):
    """An index's passages that note each row read (``reads``)."""

    def __new__(cls, passages):
        made = super().__new__(cls, passages)
        made.reads = []
        return made

    def __getitem__(self, row):
        self.reads.append(row)
        return tuple.__getitem__(self, row)


def counted(index: Index) -> tuple[Index, list]:
    """The index with passages that count their reads, and the list of rows read."""
    import dataclasses
    passages = CountedPassages(index.passages)
    return dataclasses.replace(index, passages=passages), passages.reads
