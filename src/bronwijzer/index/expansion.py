"""The expansion vocabulary a build stores: the corpus's content words and their vectors.

The learned ranker's BM25 feature expands a question by the corpus words nearest to each
of its words (``search/expand.py``). Those corpus words are embedded once, at build time,
and stored beside the passages, so the first question after opening an index pays no
pass over them (881 words for the article took 6-7 s at the first question):

    b-<id>/expansion_words.json    the sorted content words (folded, ≥ 3 letters, not
                                   stop words); [] above ``MAX_WORDS``
    b-<id>/expansion_vectors.npy   their query vectors, float32, one row per word
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from bronwijzer.index.text_vectors import EXPANSION, embed_texts
from bronwijzer.text import fold

WORDS_FILE = EXPANSION.texts_file
VECTORS_FILE = EXPANSION.vectors_file
MIN_LETTERS = 3
# corpus words embedded at most: a larger vocabulary is not expanded (a build-time bound;
# the unbounded expansion of a library's vocabulary would cost more than it finds)
MAX_WORDS = 20_000
_WORD = re.compile(rf"[^\W\d_]{{{MIN_LETTERS},}}")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """bm25s's Dutch and English stop words, folded (those BM25 drops too)."""
    from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN_PLUS
    return frozenset(fold(w) for w in (*STOPWORDS_DUTCH, *STOPWORDS_EN_PLUS))


def content_words(text: str) -> list[str]:
    """The words an expansion starts from: folded, letters only, not stop words.

    Args:
        text: a question or a passage.

    Returns:
        The words in order (repeats kept once).
    """
    stop = _stopwords()
    return list(dict.fromkeys(w for w in _WORD.findall(fold(text)) if w not in stop))


def corpus_words(passages) -> list[str]:
    """The sorted content words of the passages; [] when there are more than ``MAX_WORDS``.

    Args:
        passages: the passages (anything with ``text``).

    Returns:
        The words to expand to.
    """
    words: set[str] = set()
    for p in passages:
        words.update(content_words(p.text))
        if len(words) > MAX_WORDS:
            return []
    return sorted(words)


def embed_words(embedder, words: list[str]) -> np.ndarray:
    """The words' query vectors (float32), as the query path would embed them."""
    return embed_texts(embedder, words, "query")


def write_expansion(folder: Path, passages, embedder, live: Path | None = None) -> None:
    """Write the two files into a new build folder: the passages' content words, with the
    vectors of words the live build holds reused and the others embedded.

    Args:
        folder: the new build's folder.
        passages: its passages.
        embedder: the index's embedder, or a callable returning it.
        live: a build folder made with the same model, whose stored vectors are reused.
    """
    EXPANSION.write(folder, corpus_words(passages), embedder, live)


def read_expansion(folder: Path) -> tuple[list[str], np.ndarray] | None:
    """The stored words and vectors; None for a build made before they were stored.

    Raises:
        ValueError: when the two files disagree (the build is damaged).
    """
    return EXPANSION.read(folder)
