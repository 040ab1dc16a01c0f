"""A learned re-ranking of the fused candidates (numpy only on the query path).

The retriever's fused (RRF) order gives the candidates; the ``depth`` best are scored by
a linear model over per (question, passage) features and re-ordered, the rest keep their
place behind them. The model's parameters live in ``search/rank.json`` (written by
:mod:`bronwijzer.tune.ranker`, which alone needs scikit-learn): feature names,
standardisation, coefficients, the embedding model it was fitted with, the data's sha256.

Features (``FEATURES``), each per candidate passage:
    dense, dense_gap        passage cosine, and its distance to the question's best
    sentence, sentence_gap  best sentence cosine, and its distance to the best
    bm25                    BM25 divided by the question's best candidate BM25; of the
                            question expanded with its words' nearest corpus words when
                            the parameters hold an ``expansion`` (``search/expand.py``)
    maxsim, maxsim_gap      late interaction over token vectors (``search/tokens.py``)
    kind                    the asked kind (amount, year, name, place) is in the passage
    position                the passage's place in its document (0 first, 1 last)
    rrf                     1 / the passage's rank in the fused order
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from bronwijzer.answer.qtype import asks_amount, has_number
from bronwijzer.fitted import FittedFile, linear
from bronwijzer.index.passages import doc_positions
from bronwijzer.search.expand import Expander
from bronwijzer.search.tokens import TokenCache, maxsim_many, token_vectors

PARAMS = Path(__file__).with_name("rank.json")
FEATURES = ("dense", "dense_gap", "sentence", "sentence_gap", "bm25", "maxsim", "maxsim_gap",
            "kind", "position", "rrf")
LATE = ("maxsim", "maxsim_gap")  # the features that need token vectors
# rank.json's entry of the variant fitted without ``LATE``: chosen, once, for an index that
# stores no token vectors (above ``Settings.token_vectors_max_passages``), so that no
# question waits for its candidates to be encoded
WITHOUT_TOKENS = "without_tokens"

_YEAR_Q = re.compile(r"\b(wanneer|when|welk jaar|what year|which year|sinds|since|"
                     r"vanaf|from what)\b", re.I)
_NAME_Q = re.compile(r"\b(wie|who|whom|whose|welke (organisatie|instantie|partij|minister)\w*|"
                     r"which (organi[sz]ation|body|party|minister|institution)s?)\b", re.I)
_PLACE_Q = re.compile(r"\b(waar|where|welke (provincie|regio|stad|gemeente|plaats|land)\w*|"
                      r"which (province|region|city|town|municipalit|place|countr)\w*)\b", re.I)
# passage token vectors, and the expansion's corpus words, per (index build folder, model
# fingerprint), shared by the retrievers over one index (an engine's ``with_settings``
# copies, a reload of the same build, the refits of a cross-validation)
_TOKEN_CACHES: dict[tuple[str, str], TokenCache] = {}
_EXPANDERS: dict[tuple[str, str], Expander] = {}
_TOKEN_CACHES_KEPT = 2
_YEAR = re.compile(r"\b(19|20)\d\d\b")
# a capitalised word that does not open a sentence: a name or a place
_PROPER = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+")


def asked_kinds(question: str) -> frozenset[str]:
    """The kinds of answer a question asks for.

    Args:
        question: the question.

    Returns:
        A subset of {"amount", "year", "name", "place"} (empty when none is asked).
    """
    found = {"amount"} if asks_amount(question) else set()
    found |= {name for name, pattern in (("year", _YEAR_Q), ("name", _NAME_Q),
                                          ("place", _PLACE_Q)) if pattern.search(question)}
    return frozenset(found)


def kind_found(kinds: frozenset[str], text: str) -> float:
    """Whether a text holds something of an asked kind.

    Args:
        kinds: the asked kinds (``asked_kinds``).
        text: a passage or sentence.

    Returns:
        1.0 when it holds a number, a year or a name/place as asked, else 0.0.
    """
    checks = {"amount": lambda: has_number(text), "year": lambda: bool(_YEAR.search(text)),
              "name": lambda: bool(_PROPER.search(text)),
              "place": lambda: bool(_PROPER.search(text))}
    return float(any(checks[k]() for k in kinds))


def positions(passages) -> np.ndarray:
    """Each passage's place in its document.

    Args:
        passages: the index's ``Passage`` records.

    Returns:
        A float32 array, per passage from 0 (its document's first) to 1 (its last).
    """
    by_doc: dict[str, list[int]] = {}
    for row, p in enumerate(passages):
        by_doc.setdefault(p.doc, []).append(row)
    out = np.zeros(len(passages), dtype=np.float32)
    for rows in by_doc.values():
        rows.sort(key=lambda r: (passages[r].start, passages[r].paragraph))
        out[rows] = np.arange(len(rows)) / max(len(rows) - 1, 1)
    return out


def best_sentence(index, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """The best sentence cosine of each candidate.

    Args:
        index: the loaded ``Index``.
        rows: passage rows.
        vector: the query's vector.

    Returns:
        One cosine per row (the passage's own cosine when it has no sentences).
    """
    offsets = index.sentence_offsets
    out = np.empty(len(rows), dtype=np.float32)
    for n, row in enumerate(rows):
        start, end = int(offsets[row]), int(offsets[row + 1])
        vectors = index.sentence_vectors[start:end] if end > start else index.vectors[row:row + 1]
        out[n] = (vectors @ vector).max()
    return out


def features(index, rows: np.ndarray, vector: np.ndarray, lexical: np.ndarray,
             question_tokens: np.ndarray, passage_tokens, kinds: frozenset[str],
             place: np.ndarray) -> np.ndarray:
    """The feature matrix of a question's candidates, in ``FEATURES`` order.

    Args:
        index: the loaded ``Index``.
        rows: the candidates' rows, in fused order (best first).
        vector: the question's vector.
        lexical: the BM25 score of every passage of the index for the question.
        question_tokens: the question's token vectors.
        passage_tokens: the candidates' token vectors, in ``rows`` order.
        kinds: the question's asked kinds (``asked_kinds``).
        place: every passage's place in its document (``positions``).

    Returns:
        A float32 array ``(len(rows), len(FEATURES))``.
    """
    dense = index.vectors[rows] @ vector
    sentence = best_sentence(index, rows, vector)
    late = (maxsim_many(question_tokens, passage_tokens) if passage_tokens is not None
            else np.zeros(len(rows), np.float32))  # a ranker without ``LATE`` features
    kind = [kind_found(kinds, index.passages[r].text) for r in rows]
    columns = [dense, dense - dense.max(), sentence, sentence - sentence.max(),
               bm25_column(lexical, rows), late, late - late.max(),
               np.asarray(kind, np.float32), place[rows], 1.0 / np.arange(1, len(rows) + 1)]
    return np.stack(columns, axis=1).astype(np.float32)


def bm25_column(lexical: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The ``bm25`` feature: the candidates' BM25 over the best candidate's.

    Args:
        lexical: the BM25 score of every passage of the index.
        rows: the candidates' rows.

    Returns:
        A float32 array, one value in [0, 1] per candidate (zeros when none scores).
    """
    bm25 = lexical[rows].astype(np.float32)
    top = float(bm25.max()) if len(bm25) else 0.0
    return bm25 / top if top > 0 else np.zeros_like(bm25)


def expansion_of(params: dict) -> tuple[int, float]:
    """The query expansion the parameters rank with.

    Args:
        params: the ranker's parameters.

    Returns:
        ``(k, tau)``; ``(0, 1.0)`` (none) when they hold no ``expansion``.
    """
    found = params.get("expansion") or {}
    return int(found.get("k", 0)), float(found.get("tau", 1.0))


def linear_scores(params: dict, matrix: np.ndarray) -> np.ndarray:
    """The linear model's scores.

    Args:
        params: the ranker's parameters (features, mean, scale, coef, intercept).
        matrix: feature rows in ``FEATURES`` order.

    Returns:
        One score per row (higher is better).
    """
    names = list(params["features"])
    columns = [FEATURES.index(name) for name in names]
    return linear(params, matrix[:, columns])


def _valid(params) -> bool:
    """Whether ``params`` hold a linear ranker over known features."""
    needed = {"features", "mean", "scale", "coef", "intercept", "depth"}
    return (isinstance(params, dict) and needed <= params.keys()
            and set(params["features"]) <= set(FEATURES))


# read afresh each time: an index opens it once
FITTED = FittedFile(PARAMS, _valid, cached=False)


def load_params(path: Path = PARAMS) -> dict | None:
    """The ranker's parameters.

    Args:
        path: the JSON file (default ``search/rank.json``).

    Returns:
        The parameters, or None when the file is missing, not JSON, lacks a field or
        names an unknown feature.
    """
    return FITTED.read(path)


def save_params(params: dict, path: Path = PARAMS) -> None:
    """Write the ranker's parameters as JSON (sorted keys).

    Args:
        params: the parameters (``tune.ranker.fit``).
        path: the JSON file (default ``search/rank.json``).
    """
    FITTED.save(params, path)


class LearnedRanker:
    """Re-orders a retriever's fused candidates by a fitted linear model.

    Args:
        params: the parameters (``load_params``).
        index: the loaded ``Index``.
        embedder: the index's embedder (for token vectors).
        tokens: a ``TokenCache`` to share (default: a new one).
        expander: an ``Expander`` over the index's passages (default: ``shared_expander``).
    """

    def __init__(self, params: dict, index, embedder, tokens: TokenCache | None = None,
                 expander: Expander | None = None) -> None:
        self.params = params
        self.index = index
        self.embedder = embedder
        self.depth = int(params["depth"])
        self.tokens = tokens or TokenCache(embedder)
        self.expander = expander or shared_expander(index, embedder)
        self.place = doc_positions(index)

    def words_to_embed(self, queries: list[str]) -> list[str]:
        """The question words the expansion will need vectors of and does not have (to be
        embedded in the questions' own pass, then given to ``self.expander.remember``)."""
        if expansion_of(self.params)[0] <= 0 or not self.index.lexical:
            return []
        return self.expander.unknown(queries)

    def expanded_lexical(self, query: str, k: int, tau: float) -> np.ndarray | None:
        """Every passage's BM25 score for the query expanded by ``(k, tau)``.

        Args:
            query: the question.
            k: corpus words per question word (0: no expansion).
            tau: the least cosine.

        Returns:
            The scores, or None when nothing is expanded (no expansion, no BM25 index,
            or no word added).
        """
        if k <= 0 or not self.index.lexical:
            return None
        added = self.expander.added(query, k, tau)
        return self.index.lexical.scores(f"{query} {' '.join(added)}") if added else None

    def candidate_features(self, query: str, vector: np.ndarray, order: np.ndarray,
                           lexical: np.ndarray, tokens: np.ndarray | None = None) -> np.ndarray:
        """The features of the ``depth`` best fused candidates.

        Args:
            query: the question.
            vector: its vector.
            order: passage rows in fused order, best first.
            lexical: every passage's BM25 score for the query (replaced by the expanded
                query's when the parameters hold an ``expansion``).
            tokens: the question's normalised token vectors, when its embedding pass gave
                them (else they are computed here).

        Returns:
            The ``features`` matrix of ``order[:depth]``.
        """
        rows = np.asarray(order[:self.depth], dtype=np.int64)
        expanded = self.expanded_lexical(query, *expansion_of(self.params))
        lexical = lexical if expanded is None else expanded
        if not set(LATE) & set(self.params.get("features", FEATURES)):
            return features(self.index, rows, vector, lexical, None, None, asked_kinds(query),
                            self.place)
        question_tokens = (tokens if tokens is not None
                           else token_vectors(self.embedder, [query], "query")[0])
        passage_tokens = self.tokens.get([self.index.passages[r] for r in rows])
        return features(self.index, rows, vector, lexical, question_tokens, passage_tokens,
                        asked_kinds(query), self.place)

    def reorder(self, query: str, vector: np.ndarray, order: np.ndarray,
                lexical: np.ndarray, tokens: np.ndarray | None = None) -> np.ndarray:
        """The fused order with its ``depth`` best re-ranked by the model.

        Args:
            query: the question.
            vector: its vector.
            order: passage rows in fused order, best first.
            lexical: every passage's BM25 score for the query.
            tokens: the question's token vectors, when already known.

        Returns:
            The rows, re-ordered (the same set).
        """
        if len(order) < 2:
            return order
        head = np.asarray(order[:self.depth])
        matrix = self.candidate_features(query, vector, order, lexical, tokens)
        scores = linear_scores(self.params, matrix)
        return np.concatenate([head[np.argsort(-scores, kind="stable")], order[self.depth:]])


def ranker_for(index, embedder, settings, path: Path = PARAMS) -> LearnedRanker | None:
    """The learned ranker the settings ask for.

    Args:
        index: the loaded ``Index``.
        embedder: its embedder.
        settings: the ``Settings`` (``ranker``).
        path: the parameters' JSON file.

    Returns:
        A ``LearnedRanker``, or None (the fused order stands) when ``settings.ranker`` is
        not ``"learned"``, the parameters are missing, or they were fitted with another
        embedding model than the index's. An index without stored token vectors gets
        the parameters' ``WITHOUT_TOKENS`` variant when they hold one.
    """
    if getattr(settings, "ranker", "learned") != "learned":
        return None
    params = load_params(path)
    fitted = (params or {}).get("embedding_model", {}).get("fingerprint")
    if params is None or fitted != getattr(embedder, "fingerprint", None):
        return None
    variant = params.get(WITHOUT_TOKENS)
    if getattr(index, "token_offsets", None) is None and _valid(variant):
        params = {**variant, "embedding_model": params["embedding_model"]}
    key = (str(index.folder), str(fitted))
    if key not in _TOKEN_CACHES:
        while len(_TOKEN_CACHES) >= _TOKEN_CACHES_KEPT:
            _TOKEN_CACHES.pop(next(iter(_TOKEN_CACHES)))
        _TOKEN_CACHES[key] = TokenCache(embedder, index)
    return LearnedRanker(params, index, embedder, _TOKEN_CACHES[key])


def loaded_expander(index) -> Expander | None:
    """The shared ``Expander`` already made over ``index`` for its embedding model
    (``shared_expander``), or None when no ranker made one."""
    key = (str(getattr(index, "folder", id(index))), str(index.manifest.get("fingerprint", "")))
    return _EXPANDERS.get(key)


def shared_expander(index, embedder) -> Expander:
    """The ``Expander`` over an index's passages, one per (index build, embedding model),
    so its corpus words are embedded once per loaded build.

    Args:
        index: the loaded ``Index``.
        embedder: its embedder.

    Returns:
        The shared ``Expander``.
    """
    key = (str(getattr(index, "folder", id(index))), str(getattr(embedder, "fingerprint", "")))
    if key not in _EXPANDERS:
        while len(_EXPANDERS) >= _TOKEN_CACHES_KEPT:
            _EXPANDERS.pop(next(iter(_EXPANDERS)))
        _EXPANDERS[key] = Expander(embedder, index.passages, getattr(index, "expansion", None))
    return _EXPANDERS[key]
