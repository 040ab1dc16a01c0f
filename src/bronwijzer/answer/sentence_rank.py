"""A learned ranking of the sentences an answer quotes (numpy only on the query path).

Every sentence of a question's hits is scored by a logistic model over per (question,
sentence) features; the score is the model's probability that the sentence holds a gold
span. The parameters live in ``answer/sentence_rank.json`` (written by
:mod:`bronwijzer.tune.sentences`, which alone needs scikit-learn): feature names,
standardisation, coefficients, the margin ``choose_sentences`` uses on this scale, the
embedding model they were fitted with and the data's sha256. Without parameters for the
index's embedding model, ``answer.compose`` scores sentences by its plain rule.

Features (``FEATURES``), each per sentence among the hits' sentences:
    cosine, cosine_gap      the sentence's own vector's cosine, and its distance to the best
    terms, terms_gap        the share of the question's stemmed words it holds, and the gap
    rare_terms              the same share weighted by how rare each word is among the
                            candidate sentences (a local idf, BM25-like)
    passage_rank            1 / the rank of its passage (the passage ranker's order)
    passage_dense           its passage's cosine to the question
    kind_gives, kind_misses the question asks a kind (amount, year, name, place, money,
                            area, percent) and the sentence gives one / gives none
    first, place            the sentence opens its passage; its place in it (0 first, 1 last)
    doc_place               its passage's place in its document (0 first, 1 last)
    question_mark           the sentence is itself a question
    words                   log(1 + its number of words)
    prescriptive            a proposal question and a prescribing sentence
    previous_gap            the previous sentence's ``cosine_gap`` (-1 for a first sentence):
                            a sentence continuing a relevant one often holds the answer
    referring               it opens with a referring word ("Dit", "Deze", "This", ...)
    terms_expanded, terms_expanded_gap
                            the share of the expanded question's stemmed words it holds
                            (the question's words and the corpus words the passage
                            ranker's query expansion adds, ``search.expand``), and the gap
    maxsim, maxsim_gap      late interaction over the sentence's own tokens: the mean, over
                            the question's token vectors, of the best cosine to a token of
                            the sentence (its passage's stored token vectors, in context;
                            ``Index.token_sentences_of``), and the gap to the best

An index without stored token sentences (above ``Settings.token_vectors_max_passages``, or
no ONNX model) is scored with the parameters' ``without_tokens`` variant, fitted without
the ``LATE`` features, as the passage ranker does.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from bronwijzer.answer.evidence import KINDS
from bronwijzer.answer.evidence import asked_kinds as asked_amounts
from bronwijzer.answer.gather import REFERRING
from bronwijzer.answer.qtype import asks_proposal, has_count, is_prescriptive
from bronwijzer.fitted import FittedFile, linear
from bronwijzer.index.passages import doc_positions
from bronwijzer.index.lexical import tokenize
from bronwijzer.quotes import FRAME_TERMS

PARAMS = Path(__file__).with_name("sentence_rank.json")
FEATURES = ("cosine", "cosine_gap", "terms", "terms_gap", "rare_terms", "passage_rank",
            "passage_dense", "kind_gives", "kind_misses", "first", "place", "doc_place",
            "question_mark", "words", "prescriptive", "previous_gap", "referring",
            "terms_expanded", "terms_expanded_gap", "maxsim", "maxsim_gap")
LATE = ("maxsim", "maxsim_gap")  # the features that need stored token vectors
WITHOUT_TOKENS = "without_tokens"  # the parameters' variant fitted without ``LATE``


def valid(params) -> bool:
    """Whether ``params`` has every field the scorer reads and only known features."""
    needed = {"features", "mean", "scale", "coef", "intercept", "margin", "embedding_model"}
    return (isinstance(params, dict) and needed <= params.keys()
            and set(params["features"]) <= set(FEATURES))


# the packaged parameters, or those set by ``use_params`` (crossval's per-fold refits)
FITTED = FittedFile(PARAMS, valid)


def load_params(path: Path = PARAMS) -> dict | None:
    """The sentence ranker's parameters (cached per path).

    Args:
        path: the JSON file (default ``answer/sentence_rank.json``).

    Returns:
        The parameters, or None when the file is missing, not JSON, lacks a field or
        names an unknown feature.
    """
    return FITTED.read(path)


def use_params(params: dict | None) -> dict | None:
    """Score with ``params`` instead of the packaged file (None: the file again).

    Returns:
        The parameters set until now (None: the file), to restore them.
    """
    return FITTED.use(params)


def params_for(index) -> dict | None:
    """The parameters to score with over ``index``: the set ones, else the packaged
    file's, when fitted with the index's embedding model (None otherwise); over an index
    without token sentences their ``without_tokens`` variant (None when they have none)."""
    params = FITTED.current()
    fitted = (params or {}).get("embedding_model", {}).get("fingerprint")
    if params is None or fitted != index.manifest.get("fingerprint"):
        return None
    if set(LATE) & set(params["features"]) and getattr(index, "token_sentences", None) is None:
        variant = {**params, **(params.get(WITHOUT_TOKENS) or {})}
        return variant if valid(variant) and not set(LATE) & set(variant["features"]) else None
    return params


def save_params(params: dict, path: Path = PARAMS) -> None:
    """Write the parameters as JSON (sorted keys) and drop the cached copy."""
    FITTED.save(params, path)


def candidates(hits, index) -> list[tuple]:
    """Every sentence of the hits as ``(hit, start, end, position, count)``, hit by hit."""
    out = []
    for hit in hits:
        spans = index.sentence_spans[index.rows[hit.passage.id]]
        out.extend((hit, start, end, n, len(spans)) for n, (start, end) in enumerate(spans))
    return out


def features(question: str, vector: np.ndarray, hits, index,
             added: tuple[str, ...] = (), tokens: np.ndarray | None = None
             ) -> tuple[list[tuple], np.ndarray]:
    """The feature matrix of every sentence of a question's hits, in ``FEATURES`` order.

    Args:
        question: the question.
        vector: its query vector.
        hits: the retrieved passages, best first (their ``rank`` is the ranker's).
        index: the loaded ``Index`` (sentence spans and vectors).
        added: the words the query expansion adds to the question (``expanded_words``;
            none: ``terms_expanded`` equals ``terms``).
        tokens: the question's normalised token vectors (None, or an index without
            token sentences: ``maxsim`` is 0).

    Returns:
        ``(candidates, matrix)``: the sentences as ``(hit, start, end, position, count)``
        and a float32 array ``(len(candidates), len(FEATURES))``.
    """
    found = candidates(hits, index)
    if not found:
        return found, np.zeros((0, len(FEATURES)), dtype=np.float32)
    texts = [h.passage.text[s:e] for h, s, e, _, _ in found]
    words = [set(t) for t in tokenize(texts)]
    q_terms = set(tokenize([question])[0]) - FRAME_TERMS
    cosine = index.sentence_cosines([index.rows[h.passage.id] for h in hits], vector)
    terms = _share(q_terms, words)
    expanded = _share(q_terms | set(tokenize([" ".join(added)])[0]) - FRAME_TERMS, words)
    gives = _kind_gives(question, texts)
    asked = float(bool(_asked(question)))
    place = doc_positions(index)
    late = _sentence_maxsim(found, index, tokens)
    columns = {
        "cosine": cosine, "cosine_gap": cosine - cosine.max(),
        "terms": terms, "terms_gap": terms - terms.max(),
        "rare_terms": _rare_share(q_terms, words),
        "passage_rank": [1.0 / h.rank for h, *_ in found],
        "passage_dense": [float(h.dense if h.dense is not None else 0.0) for h, *_ in found],
        "kind_gives": gives, "kind_misses": asked * (1.0 - gives),
        "first": [float(n == 0) for _, _, _, n, _ in found],
        "place": [n / max(c - 1, 1) for _, _, _, n, c in found],
        "doc_place": [float(place[index.rows[h.passage.id]]) for h, *_ in found],
        "question_mark": [float(t.strip().endswith("?")) for t in texts],
        "words": [math.log1p(len(t.split())) for t in texts],
        "prescriptive": [float(asks_proposal(question) and is_prescriptive(t)) for t in texts],
        "previous_gap": [float(cosine[i - 1] - cosine.max()) if found[i][3] > 0 else -1.0
                         for i in range(len(found))],
        "referring": [float(bool(REFERRING.search(t))) for t in texts],
        "terms_expanded": expanded, "terms_expanded_gap": expanded - expanded.max(),
        "maxsim": late, "maxsim_gap": late - late.max(),
    }
    matrix = np.stack([np.asarray(columns[name], dtype=np.float32) for name in FEATURES], axis=1)
    return found, matrix


def _sentence_maxsim(found: list[tuple], index, tokens: np.ndarray | None) -> np.ndarray:
    """Per candidate sentence, the question's MaxSim (``search.tokens.maxsim_many``) over
    the sentence's stored tokens (0.0 without question tokens or token sentences, and for
    a sentence left without tokens by truncation)."""
    if tokens is None or getattr(index, "token_sentences", None) is None or not len(tokens):
        return np.zeros(len(found), dtype=np.float32)
    from bronwijzer.search.tokens import maxsim_many
    groups = []
    for hit, _, _, n, _ in found:
        row = index.rows[hit.passage.id]
        groups.append(index.tokens_of(row)[np.asarray(index.token_sentences_of(row)) == n])
    return maxsim_many(np.asarray(tokens, dtype=np.float32), groups)


def _share(terms: set[str], words: list[set[str]]) -> np.ndarray:
    """The share of ``terms`` each sentence's word set holds (0 without terms)."""
    return np.array([len(terms & w) / len(terms) if terms else 0.0 for w in words])


def expanded_words(question: str, index, expansion) -> tuple[str, ...]:
    """The corpus words the passage ranker's query expansion adds to a question.

    Args:
        question: the question.
        index: the loaded ``Index``.
        expansion: ``(k, tau)`` as ``search.rank.expansion_of`` gives (k 0: none).

    Returns:
        The added words; none when k is 0 or no expander is loaded for the index
        (``search.rank.loaded_expander``: the passage ranker made it).
    """
    from bronwijzer.search.rank import loaded_expander
    k, tau = int(expansion[0]), float(expansion[1])
    expander = loaded_expander(index) if k > 0 else None
    return tuple(expander.added(question, k, tau)) if expander is not None else ()


def _asked(question: str) -> list[str]:
    """The kinds asked: the amounts of ``answer.evidence`` and the year/name/place of
    the passage ranker (``search.rank.asked_kinds``)."""
    from bronwijzer.search.rank import asked_kinds
    return sorted(set(asked_amounts(question)) | set(asked_kinds(question)))


def _kind_gives(question: str, texts: list[str]) -> np.ndarray:
    """1.0 for each text that gives a kind the question asks for, else 0.0."""
    from bronwijzer.search.rank import kind_found
    kinds = _asked(question)
    if not kinds:
        return np.zeros(len(texts))
    amounts = [k for k in kinds if k in KINDS or k == "number"]
    others = frozenset(k for k in kinds if k in {"year", "name", "place", "amount"})

    def gives(text: str) -> bool:
        return (any(has_count(text) if k == "number" else re.search(KINDS[k][2], text, re.I)
                    for k in amounts) or bool(kind_found(others, text)))
    return np.array([float(gives(t)) for t in texts])


def _rare_share(q_terms: set[str], words: list[set[str]]) -> np.ndarray:
    """The share of the question's words a sentence holds, each weighted by its idf
    among the candidate sentences (a word in every candidate weighs little)."""
    if not q_terms:
        return np.zeros(len(words))
    n = len(words)
    idf = {t: math.log(1.0 + n / (1.0 + sum(t in w for w in words))) for t in q_terms}
    total = sum(idf.values())
    return np.array([sum(idf[t] for t in q_terms & w) / total for w in words])


def probabilities(params: dict, matrix: np.ndarray) -> np.ndarray:
    """The model's probability per sentence: that it holds a gold span (``"output":
    "sigmoid"``, a pointwise model), or that it is the question's best sentence
    (``"softmax"`` over the question's sentences, a pairwise model).

    Args:
        params: the parameters (features, mean, scale, coef, intercept, output).
        matrix: feature rows in ``FEATURES`` order (one question's sentences).

    Returns:
        One probability per row.
    """
    columns = [FEATURES.index(name) for name in params["features"]]
    z = np.clip(linear(params, matrix[:, columns]), -50.0, 50.0)
    if params.get("output") == "softmax":
        e = np.exp(z - z.max()) if len(z) else z
        return e / e.sum() if len(z) else e
    return 1.0 / (1.0 + np.exp(-z))


def score(params: dict, question: str, vector: np.ndarray, hits, index,
          tokens: np.ndarray | None = None) -> list[tuple]:
    """Every sentence of the hits as ``(probability, hit, start, end)``, best first.

    Args:
        params: the parameters (``params_for``).
        question, vector, hits, index, tokens: as for ``features``.

    Returns:
        The scored sentences, best first (ties in reading order of the hits).
    """
    added = expanded_words(question, index, params.get("expansion", (0, 1.0)))
    found, matrix = features(question, vector, hits, index, added, tokens)
    if not found:
        return []
    probs = probabilities(params, matrix)
    order = np.argsort(-probs, kind="stable")
    return [(float(probs[i]), found[i][0], found[i][1], found[i][2]) for i in order]
