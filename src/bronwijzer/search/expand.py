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
The corpus words and their vectors are stored with the build (``index/expansion.py``;
880 words for this article); a question word that is a corpus word takes its stored
vector, other question words are embedded and kept in a bounded cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from bronwijzer.index.expansion import content_words, corpus_words, embed_words

# an index without stored expansion files (built before them) embeds its corpus words at
# the first question only up to this many passages; a larger one is not expanded
SCAN_MAX_PASSAGES = 2_000
_WORDS_KEPT = 4_096


class Expander:
    """The nearest corpus words of a question's words.

    Args:
        embedder: the index's embedder (words are embedded as queries).
        passages: the index's passages (their words may be added; read when first needed).
        stored: the build's ``(words, vectors)`` (``index/expansion.py``); without them
            the words of at most ``SCAN_MAX_PASSAGES`` passages are embedded when first
            needed.
    """

    def __init__(self, embedder, passages, stored: tuple | None = None) -> None:
        self.embedder = embedder
        self._passages = passages
        self._stored = stored
        self._vocabulary: list[str] | None = None
        self._vectors: np.ndarray | None = None
        self._at: dict[str, int] = {}
        self._words: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _corpus(self) -> tuple[list[str], np.ndarray]:
        """The corpus words and their vectors (embedded on first use)."""
        with self._lock:
            if self._vectors is None:
                if self._stored is not None:
                    words, self._vectors = list(self._stored[0]), self._stored[1]
                else:
                    small = len(self._passages) <= SCAN_MAX_PASSAGES
                    words = corpus_words(self._passages) if small else []
                    self._vectors = embed_words(self.embedder, words)
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

    def unknown(self, queries: list[str]) -> list[str]:
        """The queries' content words that would need a pass of their own (neither corpus
        words nor kept), so that the caller can embed them with the queries in one pass.

        Args:
            queries: the questions.

        Returns:
            The words, each once.
        """
        vocabulary, _ = self._corpus()
        if not vocabulary:
            return []
        with self._lock:
            return list(dict.fromkeys(w for q in queries for w in content_words(q)
                                      if w not in self._at and w not in self._words))

    def remember(self, words: list[str], vectors: np.ndarray) -> None:
        """Keep words' query vectors embedded elsewhere (with the questions' pass)."""
        with self._lock:
            self._words.update(zip(words, vectors))
            while len(self._words) > _WORDS_KEPT:
                self._words.popitem(last=False)

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
            out.extend(vocabulary[j] for j in best[:k + (word in self._at)]
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
