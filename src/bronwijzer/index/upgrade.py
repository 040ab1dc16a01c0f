"""Bring an index written by an older build up to date without a rebuild: a new build
with the live build's files hard-linked and the missing ones added (``derive_build``):
the passage columns, the expansion's words and vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bronwijzer.index.expansion import WORDS_FILE, write_expansion
from bronwijzer.index.passages import Columns, line_offsets, lines, passage_from_dict
from bronwijzer.index.store import current_folder, derive_build, load_index


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


def expansion_missing(root: Path) -> bool:
    """Whether the live build lacks the expansion files (built before they were stored)."""
    live = current_folder(root)
    return live is not None and not (live / WORDS_FILE).is_file()


def add_expansion(root: Path, embedder) -> bool:
    """Give the live build of an index made before the expansion files were stored its
    files, as a new build (``derive_build``: the other files hard-linked).

    Args:
        root: the index folder (the caller holds the build lock).
        embedder: the index's embedder.

    Returns:
        True when files were added.
    """
    if not expansion_missing(root):
        return False
    passages = load_index(root).passages
    derive_build(root, lambda folder: write_expansion(folder, passages, embedder))
    return True
