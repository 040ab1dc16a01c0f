"""Retrieve: dense (FAISS, cosine) and BM25 rankings, fused into one list of hits."""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import replace
from typing import Callable

import numpy as np

from bronwijzer.index.store import Index
from bronwijzer.records import Hit, Passage
from bronwijzer.search.fusion import fused_order, fused_scores
from bronwijzer.settings import Settings

FILTER_ROWS = 65_536  # passage vectors scored at a time by a filtered search (~100 MB)


class Retriever:
    """Hybrid search over a loaded index.

    Args:
        index: the loaded ``Index``.
        embedder: the ``Embedder`` the index was built with.
        settings: fusion method and weights, candidate depth.
    """

    def __init__(self, index: Index, embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        index.rows, index.sentence_offsets  # noqa: B018 (built here, not at the first question)
        from bronwijzer.search.rank import ranker_for
        self.ranker = ranker_for(index, embedder, settings)
        # the token vectors of recently embedded queries, by text (the ranker's MaxSim)
        self._tokens: OrderedDict[str, np.ndarray] = OrderedDict()
        self._tokens_lock = threading.Lock()
        self._memo: dict[str, tuple] | None = None  # see ``remembering``

    @contextmanager
    def remembering(self):
        """Within it, every query is encoded once: a repeated text takes its vector (and
        token vectors) from the first pass. For fits and cross-validation, which ask the
        same questions again per fold and per candidate constant (most of their time).
        Nested, it keeps the outer memo."""
        saved = self._memo
        self._memo = {} if saved is None else saved
        try:
            yield self
        finally:
            self._memo = saved

    def embed_queries(self, queries: list[str]) -> np.ndarray:
        """Query vectors, one row per query.

        With a ranker and an embedder that gives token states from the same pass
        (``embed_queries_with_tokens``: the ONNX and torch embedders), the queries' token
        vectors are kept for ``search``, so the ranker runs no second pass over the question.
        """
        memo = self._memo
        if memo is None or not queries:
            vectors, tokens = self._encode(queries)
        else:
            fresh = list(dict.fromkeys(q for q in queries if q not in memo))
            if fresh:
                memo.update(zip(fresh, zip(*self._encode(fresh))))
            vectors = np.stack([memo[q][0] for q in queries])
            tokens = [memo[q][1] for q in queries]
        self._keep_tokens(queries, vectors, tokens)
        return vectors

    def _encode(self, queries: list[str]) -> tuple[np.ndarray, list]:
        """Query vectors and, when a ranker wants them and the embedder gives them from
        the same pass, the queries' normalised token vectors (else ``None`` each). The
        question words the ranker's expansion lacks are embedded first, all in one pass."""
        ranker = self.ranker
        words = ranker.words_to_embed(queries) if ranker is not None else []
        if words:  # a pass of their own: padded to a question's length they cost 3x more
            ranker.expander.remember(words, self.embedder.embed_batch(words, kind="query"))
        if ranker is None or not hasattr(self.embedder, "embed_queries_with_tokens"):
            return self.embedder.embed_batch(queries, kind="query"), [None] * len(queries)
        from bronwijzer.search.tokens import normalised
        vectors, states = self.embedder.embed_queries_with_tokens(queries)
        return vectors, [normalised(found) for found in states]

    def _keep_tokens(self, queries: list[str], vectors: np.ndarray, tokens: list) -> None:
        """Keep the queries' token vectors for ``search``, by text and by vector (bounded)."""
        with self._tokens_lock:
            for query, vector, found in zip(queries, vectors, tokens):
                if found is None:
                    continue
                for key in (query, _vector_key(vector)):
                    self._tokens[key] = found
                    self._tokens.move_to_end(key)
            while len(self._tokens) > max(8 * self.settings.query_chunk, 128):
                self._tokens.popitem(last=False)

    def _query_tokens(self, query: str, vector: np.ndarray) -> np.ndarray | None:
        """The token vectors of the query's own pass, else of the pass that gave its
        vector (a claim searched with its question's vector: the question is encoded once)."""
        with self._tokens_lock:
            found = self._tokens.get(query)
            return found if found is not None else self._tokens.get(_vector_key(vector))

    def query_tokens(self, query: str, vector: np.ndarray) -> np.ndarray | None:
        """A query's normalised token vectors, for the sentence ranker's MaxSim.

        Args:
            query: the question.
            vector: its query vector.

        Returns:
            The token vectors of the pass that embedded it, else of a pass of their own
            (kept as those are); None when the index stores no token sentences, so
            nothing would use them.
        """
        if getattr(self.index, "token_sentences", None) is None:
            return None
        found = self._query_tokens(query, vector)
        if found is None:
            from bronwijzer.search.tokens import token_vectors
            found = token_vectors(self.embedder, [query], "query")[0]
            self._keep_tokens([query], np.asarray(vector)[None, :], [found])
        return found

    def search(self, query: str, k: int | None = None, vector: np.ndarray | None = None,
               where: Callable[[Passage], bool] | np.ndarray | None = None) -> list[Hit]:
        """The ``k`` best passages for a query.

        Args:
            query: the question or search text.
            k: how many hits (default ``settings.k``).
            vector: the query's vector, when already embedded.
            where: keep only passages for which this returns True, or (a boolean array
                by row, such as ``index.article_mask``) whose row is True.

        Returns:
            Hits ranked best first, with fused score and the dense / BM25 parts.
        """
        k = k or self.settings.k
        if not len(self.index.passages):
            return []
        if vector is None:
            vector = self.embed_queries([query])[0]
        # the ranker re-ranks the head of the fused order; nothing beyond it is read
        head = max(k, self.ranker.depth if self.ranker is not None else 0)
        order, fused, lexical = self._fused(query, vector, _kept(self.index, where), head)
        if self.ranker is not None:
            order = self.ranker.reorder(query, vector, order, lexical, self._query_tokens(query, vector))
        order = order[:k]
        exact = self.index.vectors[order] @ vector if len(order) else np.zeros(0)
        return [Hit(passage=self.index.passages[i], score=float(fused[i]), rank=r,
                    dense=float(d), bm25=float(lexical[i]))
                for r, (i, d) in enumerate(zip(order.tolist(), exact), 1)]

    def fused_scores(self, query: str, vector: np.ndarray,
                     keep: np.ndarray | None) -> np.ndarray:
        """Every passage's fused score for a query among the passages ``keep`` marks: the
        ``score`` of each of ``search(query, len(passages), vector, where=keep)``'s hits,
        without making them (``-inf`` for the passages it would not return).

        Args:
            query: the question or claim.
            vector: its vector.
            keep: a boolean array by passage row (every kept passage scored exactly), or
                None (the dense index's candidates and the BM25 matches, as ``search``).

        Returns:
            A float array with one score per passage.
        """
        if not len(self.index.passages):
            return np.zeros(0)
        return self._fused(query, vector, None if keep is None else np.asarray(keep, bool), 0)[1]

    def fused_head_scores(self, query: str, vector: np.ndarray, heads: list[tuple],
                          also: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``fused_scores(query, vector, None)`` where it is read: exact for the ``top``
        best rows among each ``(mask, top)`` of ``heads`` (mask None: every row) and for
        the rows ``also``, ``-inf`` elsewhere (every score under another fusion).

        Args:
            query: the question or claim.
            vector: its vector.
            heads: ``(boolean mask by row or None, how many)`` pairs.
            also: more rows whose scores are wanted.

        Returns:
            ``(the rows fused, sorted: the only ones that can be finite; a float array
            with one score per passage)``.
        """
        if not len(self.index.passages):
            return np.zeros(0, np.int64), np.zeros(0)
        cosines, lexical, sentences = self._rankings(query, vector, None)
        return fused_scores(cosines, lexical, self._weighted(query), sentences, heads, also)

    def _fused(self, query: str, vector: np.ndarray, keep: np.ndarray | None,
               top: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows in fused order (the ``top`` best only, when given), every passage's
        fused score, and the BM25 scores."""
        cosines, lexical, sentences = self._rankings(query, vector, keep)
        order, fused = fused_order(cosines, lexical, self._weighted(query), sentences, top)
        return order, fused, lexical

    def _rankings(self, query: str, vector: np.ndarray, keep: np.ndarray | None):
        """The dense candidates' cosines, every BM25 score and the candidates' best
        sentence cosines (None without a sentence weight), among the ``keep`` rows."""
        cosines = self._cosines(vector, keep)
        lexical = self.index.lexical.scores(query) if self.index.lexical else np.zeros(len(cosines))
        if keep is not None:
            lexical = np.where(keep, lexical, 0.0)
        sentences = None
        if self.settings.sentence_weight:
            # a paraphrase often matches one sentence better than the whole passage
            candidates = np.flatnonzero(self._candidates(cosines, lexical))
            sentences = self.index.best_sentence_cosines(candidates, vector)
        return cosines, lexical, sentences

    def _weighted(self, query: str) -> Settings:
        """The settings with BM25's weight scaled by the share of the query's terms
        the corpus knows (measured on the dev set: MRR .80 -> .83, hit@5 unchanged)."""
        if not self.index.lexical:
            return self.settings
        coverage = self.index.lexical.coverage(query)
        return replace(self.settings, bm25_weight=self.settings.bm25_weight * coverage)

    def _candidates(self, cosines: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """The passages worth a sentence ranking: the dense candidates and the
        ``settings.candidates`` best BM25 passages (a bounded set, whatever the corpus size)."""
        chosen = np.isfinite(cosines)
        positive = np.flatnonzero(lexical > 0)
        depth = max(self.settings.candidates, 1)
        if len(positive) > depth:
            positive = positive[np.argpartition(-lexical[positive], depth - 1)[:depth]]
        chosen[positive] = True
        return chosen

    def _cosines(self, vector: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
        """Cosines of the dense candidates to the query (-inf elsewhere).

        Unfiltered, the FAISS index (exact ``IndexFlatIP``, or HNSW for large
        corpora) gives the ``settings.candidates`` nearest passages. Filtered
        (``keep``), every kept passage is scored exactly with numpy.
        """
        n = len(self.index.passages)
        cosines = np.full(n, -np.inf, dtype=np.float32)
        if keep is not None:  # in parts: a large index's kept vectors are never all copied
            for start in range(0, n, FILTER_ROWS):
                rows = np.flatnonzero(keep[start:start + FILTER_ROWS]) + start
                if len(rows):
                    cosines[rows] = self.index.vectors[rows] @ vector
            return cosines
        depth = min(n, max(self.settings.candidates, 1))
        scores, ids = self.index.dense.search(vector.reshape(1, -1).astype(np.float32), depth)
        valid = ids[0] >= 0
        cosines[ids[0][valid]] = scores[0][valid]
        return cosines


def _kept(index, where) -> np.ndarray | None:
    """The boolean row mask of a ``where`` (a function of a passage, or already a mask)."""
    if where is None:
        return None
    if isinstance(where, np.ndarray):
        return where.astype(bool, copy=False)
    return np.array([bool(where(p)) for p in index.passages], dtype=bool)


def _vector_key(vector: np.ndarray) -> bytes:
    """A query vector as a cache key (its float32 bytes)."""
    return np.asarray(vector, dtype=np.float32).tobytes()
