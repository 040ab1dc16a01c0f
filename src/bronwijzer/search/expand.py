"""Query expansion for the ranker's BM25 feature: each question word brings its nearest
corpus words in the embedding space.

A paraphrase shares few words with the passage it asks about ("pickier" for
"selectiever", "grond" for "ruimte"); BM25 then says little. Each content word of the
question (folded, at least three letters, not a stop word) is embedded on its own, and the
``k`` corpus words nearest to it with a cosine of at least ``tau`` are added to the BM25
query. Only the learned ranker's ``bm25`` feature uses the expanded query: the fused
candidate list stays that of the question's own words (an expanded BM25 in the fusion
pushed gold passages out of the candidates; eval/RANKING.md).

``k`` and ``tau`` come with the ranker's parameters (``rank.json``'s ``expansion``), chosen
with them by cross-validation on the tuning questions (``tune.ranker.choose_expansion``).
The corpus words' vectors are computed once per loaded index build, when first needed
(880 words for this article); question words are kept in a bounded cache.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

from bronwijzer.text import fold

MIN_LETTERS = 3
# corpus words embedded at most (a larger vocabulary is not expanded: a start-up cost bound)
MAX_VOCABULARY = 20_000
_WORDS_KEPT = 4_096
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


class Expander:
    """The nearest corpus words of a question's words.

    Args:
        embedder: the index's embedder (words are embedded as queries).
        passages: the index's passages (their words may be added; read when first needed).
    """

    def __init__(self, embedder, passages) -> None:
        self.embedder = embedder
        self._passages = passages
        self._vocabulary: list[str] | None = None
        self._vectors: np.ndarray | None = None
        self._at: dict[str, int] = {}
        self._words: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _corpus(self) -> tuple[list[str], np.ndarray]:
        """The corpus words and their vectors (embedded on first use)."""
        with self._lock:
            if self._vectors is None:
                words = sorted({w for p in self._passages for w in content_words(p.text)})
                if len(words) > MAX_VOCABULARY:
                    words = []
                dim = int(getattr(self.embedder, "dim", 1) or 1)
                self._vectors = (self.embedder.embed_batch(words, kind="query") if words
                                 else np.zeros((0, dim), np.float32))
                self._vocabulary = words
                self._at = {w: i for i, w in enumerate(words)}
            return self._vocabulary, self._vectors

    def _word_vectors(self, words: list[str]) -> np.ndarray:
        """The vectors of the question's words: a corpus word's from the corpus vectors,
        others embedded (and kept in a bounded cache)."""
        vocabulary, vectors = self._corpus()
        at = self._at
        with self._lock:
            known = {w: (vectors[at[w]] if w in at else self._words[w])
                     for w in words if w in at or w in self._words}
        fresh = [w for w in words if w not in known]
        if fresh:
            known.update(zip(fresh, self.embedder.embed_batch(fresh, kind="query")))
            with self._lock:
                self._words.update((w, known[w]) for w in fresh)
                while len(self._words) > _WORDS_KEPT:
                    self._words.popitem(last=False)
        return np.stack([known[w] for w in words])

    def added(self, query: str, k: int, tau: float) -> list[str]:
        """The corpus words the expansion adds to a query.

        Args:
            query: the question.
            k: at most this many corpus words per question word (0: none).
            tau: the least cosine between a question word and a corpus word it brings.

        Returns:
            The added words, question word by question word (a corpus word equal to the
            question word is not added again).
        """
        words = content_words(query)
        if k <= 0 or not words:
            return []
        vocabulary, vectors = self._corpus()
        if not vocabulary:
            return []
        sims = self._word_vectors(words) @ vectors.T
        out = []
        for word, row in zip(words, sims):
            best = np.argsort(-row, kind="stable")[:k + 1]
            out.extend(vocabulary[j] for j in best[:k + (word in vocabulary)]
                       if row[j] >= tau and vocabulary[j] != word)
        return out

    def expand(self, query: str, k: int, tau: float) -> str:
        """The query with its expansion words appended.

        Args:
            query: the question.
            k: corpus words per question word.
            tau: the least cosine.

        Returns:
            ``query`` followed by the added words (the query itself when none).
        """
        extra = self.added(query, k, tau)
        return f"{query} {' '.join(extra)}" if extra else query
