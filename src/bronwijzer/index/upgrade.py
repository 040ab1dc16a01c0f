"""Bring an index written by an older build up to date without a rebuild: a new build
with the live build's files hard-linked and the missing ones added (``derive_build``):
the passage columns, the stored texts' vectors (the expansion's words, the cards' lines)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bronwijzer.index.expansion import write_expansion
from bronwijzer.index.passages import Columns, line_offsets, lines, passage_from_dict
from bronwijzer.index.store import current_folder, derive_build, load_index
from bronwijzer.index.text_vectors import CARDS, EXPANSION, STORED, card_texts


def add_columns(root: Path) -> Path | None:
    """Give the live build of an index made before the columns were stored its passage
    offsets and columns, as a new build (the other files hard-linked, switched to as a
    build is); None when it has them already.

    Args:
        root: the index folder (the caller holds the build lock).

    Returns:
        The new build folder, or None.
    """
    live = current_folder(root)
    if live is None or (live / "passage_docs.json").is_file():
        return None
    def add(folder: Path) -> None:
        records = [passage_from_dict(json.loads(line)) for line in lines(live / "passages.jsonl")]
        np.save(folder / "passage_offsets.npy", line_offsets(live / "passages.jsonl"))
        Columns.of([p for p, _ in records], [s for _, s in records]).save(folder)
    return derive_build(root, add)


def texts_missing(root: Path) -> bool:
    """Whether the live build lacks any of the stored texts' files (the expansion's words,
    the cards' lines: index/text_vectors.py), as a build made before they were stored does."""
    live = current_folder(root)
    return any(kind.missing(live) for kind in STORED)


def add_texts(root: Path, embedder) -> bool:
    """Give the live build of an index made before the stored texts' files existed the
    missing ones, as a new build (``derive_build``: the other files hard-linked).

    Args:
        root: the index folder (the caller holds the build lock).
        embedder: the index's embedder.

    Returns:
        True when files were added.
    """
    if not texts_missing(root):
        return False
    index = load_index(root)
    def add(folder: Path) -> None:
        if EXPANSION.missing(index.folder):
            write_expansion(folder, index.passages, embedder)
        if CARDS.missing(index.folder):
            CARDS.write(folder, card_texts(index.references), embedder)
    derive_build(root, add)
    return True
