"""Fitting the learned passage ranker offline, and its out-of-fold evaluation.

``fit(questions, engine_or_retriever)`` returns the parameters ``search/rank.py`` scores
with (numpy only), fitted by ``tune.fitting``'s pipeline (standardise, then a logistic
regression, classes balanced). Labels are pointwise: a candidate passage is positive when
one of the question's gold strings lies in its first 1,200 characters or its references'
first 600 (as ``score.py`` counts a hit). Only answerable questions with gold strings train it.

The query expansion of the ``bm25`` feature (``search/expand.py``) is chosen with the
model: ``choose_expansion`` picks one of ``EXPANSIONS`` (none included) by an inner
cross-validation over the training questions' candidates, so a cross-validation fold
chooses it on its own training part and ``calibrate`` on all tuning questions.

The folds are those of every other fit (``tune.answerability.folds_of``).
``calibrate_ranker`` fits on a whole question set and writes ``search/rank.json``;
``tune.crossval`` refits per fold with ``fit_samples`` on the fold's training questions
and sets the result with ``use_ranker``; ``eval/rank_cv.py`` answers every question
with the ranker alone refitted.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from bronwijzer.answer.compose import refs_of
from bronwijzer.search.rank import (
    FEATURES,
    LATE,
    PARAMS,
    WITHOUT_TOKENS,
    LearnedRanker,
    bm25_column,
    linear_scores,
    save_params,
)
from bronwijzer.search.tokens import TokenCache
from bronwijzer.tune import fitting

# Candidates re-ranked per question: the fused order's best this many (rank.json's
# ``depth``); on eval/tuning.jsonl the fused top 20 holds a gold passage for all 110
# answerable questions (not tuned further).
DEPTH = 20
# score.py's hit: a gold string in a passage's first 1,200 characters or its references'
# first 600, or sharing a run of 60% of its length with them
PASSAGE_BUDGET = 1200
REFERENCE_BUDGET = 600
OVERLAP = 0.6
# the query expansions the ranker's bm25 feature may use, as (k corpus words per question
# word, least cosine): none, and the grid of the earlier measurement (eval/NOTES.md,
# "Paraphrase retrieval"); chosen per fit by ``choose_expansion`` (eval/RANKING.md)
EXPANSIONS = ((0, 1.0), (1, 0.90), (2, 0.88), (3, 0.85))
_BM25 = FEATURES.index("bm25")


@dataclass(frozen=True)
class Sample:
    """One question's candidates: their rows (fused order), features and labels, and the
    ``bm25`` feature under each expansion of ``EXPANSIONS`` (by ``(k, tau)``)."""

    qid: str
    rows: np.ndarray
    matrix: np.ndarray
    labels: np.ndarray
    bm25: dict = field(default_factory=dict)

    def expanded(self, expansion: tuple[int, float]) -> np.ndarray:
        """The feature matrix with the ``bm25`` column of this expansion.

        Args:
            expansion: ``(k, tau)``; one without a stored column (none) keeps the matrix.

        Returns:
            The matrix (a copy when a column is replaced).
        """
        column = self.bm25.get(tuple(expansion))
        if column is None:
            return self.matrix
        out = self.matrix.copy()
        out[:, _BM25] = column
        return out


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


def holds_gold(golds: list[str], passage, references) -> bool:
    """Whether a passage holds a gold string, as ``score.py`` counts a hit.

    Args:
        golds: the question's gold strings.
        passage: a ``Passage``.
        references: the index's references (for the passage's own).

    Returns:
        True when a gold string lies in (or shares 60% with) the budgeted text.
    """
    refs = " ".join(r.raw for r in refs_of(passage, references))[:REFERENCE_BUDGET]
    text = _norm(passage.text[:PASSAGE_BUDGET] + " " + refs)
    for gold in (_norm(g) for g in golds):
        if gold in text:
            return True
        match = SequenceMatcher(None, gold, text, autojunk=False).find_longest_match(
            0, len(gold), 0, len(text))
        if match.size >= OVERLAP * len(gold):
            return True
    return False


def retriever_of(engine_or_retriever):
    """The retriever to fit or evaluate with.

    Args:
        engine_or_retriever: an ``Engine`` or a ``Retriever``.

    Returns:
        The engine's live ``Retriever``, or the retriever itself.
    """
    live = getattr(engine_or_retriever, "retriever", None)
    return live if live is not None else engine_or_retriever


def collect(questions: list[dict], engine_or_retriever, depth: int = DEPTH,
            tokens: TokenCache | None = None, expansions=EXPANSIONS) -> list[Sample]:
    """The candidates' features and labels of the answerable questions with gold strings.

    Args:
        questions: rows of a question set (id, question, gold, answerable).
        engine_or_retriever: an ``Engine`` or a ``Retriever``.
        depth: candidates per question (the fused order's best).
        tokens: a ``TokenCache`` to share between calls.
        expansions: the ``(k, tau)`` whose ``bm25`` columns are kept with each sample.

    Returns:
        One ``Sample`` per usable question, in order.
    """
    retriever = retriever_of(engine_or_retriever)
    usable = [q for q in questions if q.get("answerable", True) and q.get("gold")]
    if not usable:
        return []
    index = retriever.index
    probe = LearnedRanker({"depth": depth}, index, retriever.embedder,
                          tokens or TokenCache(retriever.embedder))
    vectors = retriever.embed_queries([q["question"] for q in usable])
    saved, retriever.ranker = retriever.ranker, None
    try:
        samples = []
        for q, vector in zip(usable, vectors):
            hits = retriever.search(q["question"], depth, vector=vector)
            rows = np.array([index.rows[h.passage.id] for h in hits], dtype=np.int64)
            lexical = (index.lexical.scores(q["question"]) if index.lexical
                       else np.zeros(len(index.passages)))
            matrix = probe.candidate_features(q["question"], vector, rows, lexical)
            labels = np.array([holds_gold(q["gold"], index.passages[r], index.references)
                               for r in rows], dtype=np.int64)
            samples.append(Sample(str(q["id"]), rows, matrix, labels,
                                  _expanded_columns(probe, q["question"], rows, expansions)))
    finally:
        retriever.ranker = saved
    return samples


def _expanded_columns(probe: LearnedRanker, question: str, rows: np.ndarray,
                      expansions) -> dict:
    """The ``bm25`` column of a question's candidates under each expansion that adds words."""
    out = {}
    for k, tau in expansions:
        lexical = probe.expanded_lexical(question, k, tau)
        if lexical is not None:
            out[(k, tau)] = bm25_column(lexical, rows)
    return out


def data_sha256(questions: list[dict]) -> str:
    """The fingerprint of a question set.

    Args:
        questions: rows of a question set.

    Returns:
        The sha256 (hex) over their ids, texts and gold strings, in id order.
    """
    rows = sorted((str(q["id"]), q["question"], list(q.get("gold") or [])) for q in questions)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def fit_samples(samples: list[Sample], depth: int = DEPTH, features=FEATURES,
                c: float = 1.0, expansion: tuple[int, float] = (0, 1.0)) -> dict:
    """A logistic regression on the samples' pointwise labels, as ranker parameters.

    Args:
        samples: from ``collect``.
        depth: candidates the ranker re-scores.
        features: the feature names used (a subset of ``FEATURES``).
        c: the inverse regularisation strength.
        expansion: ``(k, tau)`` of the ``bm25`` feature's query expansion (k 0: none).

    Returns:
        The parameters (features, mean, scale, coef, intercept, depth, expansion, model, n).
    """
    columns = [FEATURES.index(f) for f in features]
    x = np.concatenate([s.expanded(expansion)[:, columns] for s in samples]).astype(np.float64)
    y = np.concatenate([s.labels for s in samples])
    parts = fitting.linear_parts(fitting.fit(
        lambda value: fitting.pipeline(value, class_weight="balanced"), x, y, c))
    k, tau = expansion
    return {"model": f"logistic-regression C={c} class_weight=balanced",
            "features": list(features), "mean": fitting.rounded(parts["mean"]),
            "scale": fitting.rounded(parts["scale"]), "coef": fitting.rounded(parts["coef"][0]),
            "intercept": fitting.rounded(parts["intercept"][0]), "depth": depth,
            "expansion": {"k": int(k), "tau": float(tau)} if k > 0 else None,
            "n_questions": len(samples), "n_pairs": len(y), "n_positive": int(y.sum())}


def first_gold(params: dict, samples: list[Sample]) -> np.ndarray:
    """The 0-based rank of each sample's first gold candidate under the parameters.

    Args:
        params: ranker parameters (their ``expansion`` picks the ``bm25`` column).
        samples: from ``collect``.

    Returns:
        One rank per sample (``len(rows)`` when no candidate holds gold).
    """
    from bronwijzer.search.rank import expansion_of
    out = []
    for s in samples:
        labels = s.labels[np.argsort(-linear_scores(params, s.expanded(expansion_of(params))),
                                     kind="stable")]
        out.append(int(np.argmax(labels)) if labels.any() else len(labels))
    return np.array(out, dtype=np.int64)


def figures_of(first: np.ndarray) -> dict:
    """hit@1, hit@5 and MRR@10 among the candidates from ``first_gold`` ranks."""
    return {"hit@1": float(np.mean(first == 0)), "hit@5": float(np.mean(first < 5)),
            "mrr@10": float(np.mean(np.where(first < 10, 1.0 / (first + 1), 0.0)))}


def choose_expansion(samples: list[Sample], expansions=EXPANSIONS, features=FEATURES,
                     c: float = 1.0) -> tuple[tuple[int, float], dict]:
    """The expansion whose ranker does best out of fold on these samples.

    Each expansion's ranker is refitted on 4 of 5 folds of the samples (dealt by
    question id) and scored on the fifth: hit@5 + MRR@10 among the candidates; ties go
    to the earlier in ``expansions`` (none first).

    Args:
        samples: the training questions' ``collect``.
        expansions: the ``(k, tau)`` to choose from.
        features: the ranker's features; c: its inverse regularisation strength.

    Returns:
        The chosen ``(k, tau)`` and every expansion's score (``"k/tau": score``).
    """
    fold = fitting.folds_of([s.qid for s in samples], [1] * len(samples))
    scores = {}
    for expansion in expansions:
        first = []
        for f in sorted(set(fold)):
            train = [s for s, g in zip(samples, fold) if g != f]
            held = [s for s, g in zip(samples, fold) if g == f]
            first.extend(first_gold(fit_samples(train, features=features, c=c,
                                                expansion=expansion), held))
        found = figures_of(np.array(first))
        scores[tuple(expansion)] = round(found["hit@5"] + found["mrr@10"], 9)
    chosen = max(scores, key=lambda e: (scores[e], -list(scores).index(e)))
    return chosen, {f"{k}/{tau}": score for (k, tau), score in scores.items()}


def single_feature(name: str, depth: int = DEPTH) -> dict:
    """Parameters that rank by one feature alone (e.g. ``maxsim``): nothing is fitted."""
    return {"model": f"one feature: {name}", "features": [name], "mean": [0.0],
            "scale": [1.0], "coef": [1.0], "intercept": 0.0, "depth": depth}


def fit(questions: list[dict], engine_or_retriever, depth: int = DEPTH, features=FEATURES,
        c: float = 1.0, tokens: TokenCache | None = None,
        samples: list[Sample] | None = None) -> dict:
    """Fit the ranker on a question set.

    Args:
        questions: rows of a question set (the training folds in a cross-validation).
        engine_or_retriever: an ``Engine`` or a ``Retriever`` over the index to rank.
        depth: candidates per question.
        features: the feature names to use.
        c: the logistic regression's inverse regularisation strength.
        tokens: a ``TokenCache`` to share between fits.
        samples: the questions' ``collect`` (computed when not given).

    Returns:
        The parameters to save with ``rank.save_params`` (with the embedding model's
        name and fingerprint, the data's sha256, and the expansion chosen by
        ``choose_expansion`` on these samples with every expansion's score).
    """
    retriever = retriever_of(engine_or_retriever)
    if samples is None:
        samples = collect(questions, retriever, depth, tokens)
    expansion, scores = choose_expansion(samples, features=features, c=c)
    params = fit_samples(samples, depth, features, c, expansion)
    params["expansion_scores"] = scores
    embedder = retriever.embedder
    params["embedding_model"] = {"name": embedder.name, "fingerprint": embedder.fingerprint}
    params["data_sha256"] = data_sha256(questions)
    return params


def use_ranker(engine_or_retriever, params: dict | None,
               tokens: TokenCache | None = None):
    """Rank with other parameters (offline fitting; restore with the returned ranker).

    Args:
        engine_or_retriever: an ``Engine`` or a ``Retriever``.
        params: ranker parameters, or None for the fused order.
        tokens: a ``TokenCache`` to share between rankers.

    Returns:
        The ranker in use before (a ``LearnedRanker`` or None).
    """
    retriever = retriever_of(engine_or_retriever)
    saved = retriever.ranker
    retriever.ranker = None if params is None else LearnedRanker(
        params, retriever.index, retriever.embedder, tokens or TokenCache(retriever.embedder))
    return saved


def candidate_figures(samples: list[Sample], sample_folds: list[int]) -> dict:
    """Out-of-fold hit@1 / hit@5 / MRR@10 among the candidates, the ranker and its
    expansion refitted and re-chosen per fold, and the fused order's.

    Args:
        samples: from ``collect``; sample_folds: each sample's fold.

    Returns:
        ``{"learned": {"hit@1", "hit@5", "mrr@10"}, "fused": {...}, "n", "expansions"}``
        (``expansions``: the one chosen in each fold).
    """
    learned, fused, chosen = [], [], []
    for f in sorted(set(sample_folds)):
        train = [s for s, g in zip(samples, sample_folds) if g != f]
        held = [s for s, g in zip(samples, sample_folds) if g == f]
        expansion, _ = choose_expansion(train)
        chosen.append(list(expansion))
        learned.extend(first_gold(fit_samples(train, expansion=expansion), held))
        fused.extend(int(np.argmax(s.labels)) if s.labels.any() else len(s.labels) for s in held)
    return {"learned": figures_of(np.array(learned)), "fused": figures_of(np.array(fused)),
            "n": len(learned), "expansions": chosen}


def calibrate_ranker(engine, questions: list[dict], name: str,
                     output: Path = PARAMS) -> dict:
    """Fit the ranker on a question set, write it and rank with it from now on.

    Args:
        engine: the open ``Engine`` (its retriever ranks with the new parameters after).
        questions: the tuning questions; name: their file's name (``fitted_on``).
        output: where the parameters go (default ``search/rank.json``).

    Returns:
        The written parameters, with ``cv``: ``candidate_figures`` on the shared folds.
    """
    from bronwijzer.tune.answerability import folds_of
    tokens = TokenCache(retriever_of(engine).embedder)
    samples = collect(questions, engine, tokens=tokens)
    fold = dict(zip((str(q["id"]) for q in questions), folds_of(questions)))
    params = fit(questions, engine, tokens=tokens, samples=samples)
    params["fitted_on"] = name
    params[WITHOUT_TOKENS] = fit_samples(samples, features=[f for f in FEATURES if f not in LATE])
    cv = candidate_figures(samples, [fold[s.qid] for s in samples])
    save_params({**params, "cv": cv}, output)
    use_ranker(engine, params, tokens)
    return {**params, "cv": cv}
